"""Benchmark: the rhythm's reports at city scale (10,000 projects), against their bare SQL.

    .venv/bin/python tests/bench/bench_reports.py [--enterprises 100000] [--repeat 10]
        [--sqlite PATH] [--postgres URL | --no-postgres] [--cases "weekly json,..."]

The demo city of 100,000 enterprises holds 10,000 projects (with their progress entries,
milestones, problems and stage log) and 20,000 leads. It is seeded into a SQLite file and a
PostgreSQL database of yours (kept and reused). Each case is a GET by a city-bureau staff user
through the API (Bearer token) or the page (session cookie), the median of --repeat runs after
a warm-up. Two floors, measured in the same run on a bare sqlite3 or psycopg connection:
"replay", the SQL statements the request ran, with their parameters; and "rows", the plain
SELECT of the rows the sheet shows (the projects over the size with their names, leader, unit
and district, and their progress entries of the year).

A kind is added to the benchmark by a line in CASES: its name, the request, and its plain
SELECT (a function of the dialect-free SQLAlchemy session giving one statement).
"""

import argparse
import os
import platform
import re
import sqlite3
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

from bench_enterprise_list import Recorder, bare_connection, median_ms, replay  # its neighbour
from flask_migrate import upgrade
from sqlalchemy import and_, func, select, text

from app import create_app
from crm.extensions import db
from crm.models import (
    District,
    Enterprise,
    Lead,
    Milestone,
    Project,
    ProjectProblem,
    ProjectProgress,
    StageChange,
    Unit,
    User,
)
from crm.reports.weekly import MIN_INVESTMENT_WAN
from crm.services.users import create_token, create_user
from demo.seed import seed_demo

POSTGRES = (
    "postgresql+psycopg://investatlas_test:investatlas_test@127.0.0.1:5432/investatlas_weekly"
)
BENCH_USER = "bench.city"
BENCH_PASSWORD = "bench-password-city-1"
AS_OF = date(2026, 11, 28)  # the day the demo is seeded for: its records were made that day


def weekly_rows():
    """The weekly sheet's rows in one plain SELECT: the projects over the size with their
    leader, unit and district, and this year's progress entries up to the day."""
    return (
        select(
            Project.id, Project.name, Project.total_investment_wan,
            Project.planned_investment_this_year_wan, User.display_name, Unit.name,
            District.name, ProjectProgress.period, ProjectProgress.period_start_on,
            ProjectProgress.investment_period_wan, ProjectProgress.investment_cumulative_wan,
            ProjectProgress.image_progress,
        )
        .join(User, User.id == Project.leader_id)
        .outerjoin(Unit, Unit.id == Project.owner_unit_id)
        .outerjoin(District, District.id == Project.district_id)
        .outerjoin(ProjectProgress, and_(
            ProjectProgress.project_id == Project.id,
            ProjectProgress.period_start_on.between(date(AS_OF.year, 1, 1), AS_OF)))
        .where(Project.deleted_at.is_(None),
               Project.total_investment_wan >= Decimal(MIN_INVESTMENT_WAN))
    )  # fmt: skip


_WEEKLY = f"as_of={AS_OF.isoformat()}"
# name → (request, the plain SELECT of its rows)
CASES = {
    "weekly json": (f"/api/v1/reports/weekly?{_WEEKLY}&scope=city", weekly_rows),
    "weekly xlsx": (f"/api/v1/reports/weekly?{_WEEKLY}&scope=city&format=xlsx", weekly_rows),
    "weekly page": (f"/reports/weekly?{_WEEKLY}&scope=city", weekly_rows),
    "weekly 茅箭区": (f"/api/v1/reports/weekly?{_WEEKLY}&scope=district:420302", weekly_rows),
}


def seeded(url: str, enterprises: int):
    """The app on a database holding the demo city, seeding it when empty."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        present = db.session.scalar(select(func.count()).select_from(Enterprise))
        if present == 0:
            started = time.perf_counter()
            seed_demo(db.session, enterprises, 1, date(2026, 11, 28))
            db.session.commit()
            print(f"  seeded {enterprises:,} enterprises in {time.perf_counter() - started:.0f} s")
            if db.engine.dialect.name == "postgresql":
                with db.engine.begin() as connection:
                    connection.exec_driver_sql("ANALYZE")
        elif present != enterprises:
            raise SystemExit(f"{url} holds {present:,} enterprises, not {enterprises:,}")
        user = db.session.scalar(select(User).where(User.name == BENCH_USER))
        if user is None:
            city = db.session.scalar(select(Unit).where(Unit.kind == "city_bureau"))
            user = create_user(db.session, BENCH_USER, "staff", BENCH_PASSWORD, unit=city)
        token = create_token(db.session, user, "bench")
        counts = {
            model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Project, ProjectProgress, Milestone, ProjectProblem, StageChange, Lead)
        }
        counts["listed"] = db.session.scalar(
            select(func.count()).where(
                Project.deleted_at.is_(None), Project.total_investment_wan >= MIN_INVESTMENT_WAN
            )
        )
        db.session.commit()
        db.session.remove()
    return app, token, counts


def measure(app, token: str, url: str, names: list[str], repeat: int) -> list[tuple]:
    """(name, request, server ms, replay ms, rows ms, statements) per case."""
    api = app.test_client()
    browser = app.test_client()
    form = browser.get("/login").text
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    browser.post("/login", data={"name": BENCH_USER, "password": BENCH_PASSWORD,
                                 "csrf_token": csrf})  # fmt: skip
    with app.app_context():
        engine = db.engine
        dialect = engine.dialect
        plain = {
            name: str(
                CASES[name][1]().compile(dialect=dialect, compile_kwargs={"literal_binds": True})
            )
            for name in names
        }
        db.session.remove()
    recorder = Recorder(engine)
    bare = bare_connection(url, engine.dialect.name)
    results = []
    for name in names:
        target = CASES[name][0]

        def run(target=target):
            started = time.perf_counter()
            if target.startswith("/api/"):
                response = api.get(target, headers={"Authorization": f"Bearer {token}"})
            else:
                response = browser.get(target)
            assert response.status_code == 200, (target, response.status_code)
            return time.perf_counter() - started

        server = median_ms(run, repeat)
        recorder.statements.clear()
        recorder.on = True
        run()
        recorder.on = False
        # The reads only: the token's last-use stamp and SQLite's BEGIN are not the report's.
        statements = [
            (sql, parameters)
            for sql, parameters in recorder.statements
            if sql.lstrip().upper().startswith(("SELECT", "WITH"))
        ]
        floor = median_ms(lambda statements=statements: replay(bare, statements), repeat)
        rows = median_ms(lambda sql=plain[name]: replay(bare, [(sql, ())]), repeat)
        results.append((name, target, server, floor, rows, len(statements)))
    bare.close()
    engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--sqlite", type=Path)
    parser.add_argument("--postgres", default=POSTGRES)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--cases", help="comma-separated case names; all by default")
    options = parser.parse_args()
    sqlite_path = options.sqlite or Path(tempfile.gettempdir()) / (
        f"investatlas-reports-bench-{options.enterprises}.db"
    )
    databases = [f"sqlite:///{sqlite_path}"]
    if not options.no_postgres:
        databases.append(options.postgres)
    names = options.cases.split(",") if options.cases else list(CASES)
    print(
        f"machine  {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}"
    )
    for url in databases:
        app, token, counts = seeded(url, options.enterprises)
        with app.app_context():
            version = db.session.execute(
                text(
                    "SELECT sqlite_version()" if url.startswith("sqlite") else "SHOW server_version"
                )
            ).scalar()
            db.session.remove()
        dialect = "SQLite" if url.startswith("sqlite") else "PostgreSQL"
        held = ", ".join(f"{count:,} {table}" for table, count in counts.items())
        print(f"\n{dialect} {version}: {held}; median of {options.repeat}")
        print(
            f"{'case':<14}{'server ms':>10}{'replay ms':>11}{'rows ms':>9}{'ratio':>7}"
            f"{'stmts':>7}  request"
        )
        for name, target, server, floor, rows, count in measure(
            app, token, url, names, options.repeat
        ):
            print(
                f"{name:<14}{server:>10.1f}{floor:>11.1f}{rows:>9.1f}{server / floor:>7.1f}"
                f"{count:>7}  {target}"
            )


if __name__ == "__main__":
    main()
