"""Benchmark: the lead list and board and a project's page at city scale, against their bare SQL.

    .venv/bin/python tests/bench/bench_pipeline.py [--enterprises 100000] [--repeat 30]
        [--sqlite PATH] [--postgres URL | --no-postgres] [--cases leads,board,...]

The demo city of 100,000 enterprises holds about 20,000 leads, 10,000 projects and 200,000
activities. It is seeded into a SQLite file and a PostgreSQL database of yours (kept and reused,
as by bench_enterprise_list.py, whose measuring it shares). Each case is a GET by a city-bureau
staff user (the whole city in scope): a page with a session cookie, or the API with a Bearer
token; the median of --repeat runs after a warm-up. Its floor is the same SQL statements the
request ran, replayed with their parameters on a bare sqlite3 or psycopg connection in the same
run.
"""

import argparse
import os
import platform
import re
import sqlite3
import tempfile
import time
from datetime import date
from pathlib import Path

from bench_enterprise_list import Recorder, bare_connection, median_ms, replay  # its neighbour
from flask_migrate import upgrade
from sqlalchemy import func, select, text

from app import create_app
from crm.extensions import db
from crm.models import Activity, Enterprise, Lead, Milestone, Project, StageChange, Unit, User
from crm.services.users import create_token, create_user
from demo.seed import seed_demo

POSTGRES = "postgresql+psycopg://investatlas_test:investatlas_test@127.0.0.1:5432/investatlas_pipeline_bench"
BENCH_USER = "bench.city"
BENCH_PASSWORD = "bench-password-city-1"


def cases(session) -> dict[str, str]:
    """Case name → the request's path and query."""
    # The project with the longest history: most milestones, then most stage changes.
    busiest = session.scalar(
        select(Project.id)
        .join(Milestone, Milestone.project_id == Project.id)
        .where(Project.deleted_at.is_(None))
        .group_by(Project.id)
        .order_by(func.count(Milestone.id).desc(), Project.id)
        .limit(1)
    )
    lead_with_activities = session.scalar(
        select(Activity.lead_id)
        .where(Activity.lead_id.is_not(None))
        .group_by(Activity.lead_id)
        .order_by(func.count().desc(), Activity.lead_id)
        .limit(1)
    )
    return {
        "leads": "/leads",
        "leads search": "/leads?q=汽车",
        "leads filters": "/leads?stage=negotiation&status=active",
        "board": "/leads/board",
        "mine": "/leads/mine",
        "lead page": f"/leads/{lead_with_activities}",
        "leads api": "/api/v1/leads",
        "project page": f"/projects/{busiest}",
        "project api": f"/api/v1/projects/{busiest}",
        "projects": "/projects",
        "projects pool": "/projects?pool=construction",
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
            for model in (Lead, Project, Activity, Milestone, StageChange)
        }
        db.session.commit()
        db.session.remove()
    return app, token, counts


def measure(app, token: str, url: str, names: list[str], repeat: int) -> list[tuple]:
    """(name, request, server ms, bare SQL ms, statements) per case."""
    api = app.test_client()
    browser = app.test_client()
    form = browser.get("/login").text
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    browser.post("/login", data={"name": BENCH_USER, "password": BENCH_PASSWORD,
                                 "csrf_token": csrf})  # fmt: skip
    with app.app_context():
        engine = db.engine
        chosen = {name: target for name, target in cases(db.session).items() if name in names}
        db.session.remove()
    recorder = Recorder(engine)
    bare = bare_connection(url, engine.dialect.name)
    results = []
    for name, target in chosen.items():

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
        statements = list(recorder.statements)
        floor = median_ms(lambda statements=statements: replay(bare, statements), repeat)
        results.append((name, target, server, floor, len(statements)))
    bare.close()
    engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--sqlite", type=Path)
    parser.add_argument("--postgres", default=POSTGRES)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--cases", help="comma-separated case names; all by default")
    options = parser.parse_args()
    sqlite_path = options.sqlite or Path(tempfile.gettempdir()) / (
        f"investatlas-pipeline-bench-{options.enterprises}.db"
    )
    databases = [f"sqlite:///{sqlite_path}"]
    if not options.no_postgres:
        databases.append(options.postgres)
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
            names = list(cases(db.session))
            db.session.remove()
        if options.cases:
            names = options.cases.split(",")
        dialect = "SQLite" if url.startswith("sqlite") else "PostgreSQL"
        held = ", ".join(f"{count:,} {table}" for table, count in counts.items())
        print(f"\n{dialect} {version}: {held}; median of {options.repeat}")
        print(f"{'case':<15}{'server ms':>10}{'bare SQL ms':>13}{'ratio':>7}{'stmts':>7}  request")
        for name, target, server, floor, count in measure(app, token, url, names, options.repeat):
            print(
                f"{name:<15}{server:>10.2f}{floor:>13.2f}{server / floor:>7.1f}{count:>7}  {target}"
            )


if __name__ == "__main__":
    main()
