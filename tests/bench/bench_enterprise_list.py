"""Benchmark: the enterprise list at city scale, as a page and through the API, against its
bare SQL.

    .venv/bin/python tests/bench/bench_enterprise_list.py [--enterprises 100000] [--repeat 30]
        [--sqlite PATH] [--postgres URL | --no-postgres] [--cases first,hj,...]

The demo city is seeded into a SQLite file and a PostgreSQL database of yours (which must
exist; the role needs to own it), kept, and reused by later runs. PostgreSQL is analysed after
seeding, as autovacuum would; SQLite is not, as nothing analyses it in production.

Each case is a GET through the Flask test client with a Bearer token: the median of --repeat
runs after a warm-up. Its floor is the same SQL statements the request ran (the token lookup,
the search's count, the page), replayed with their parameters on a bare sqlite3 or psycopg
connection in the same run. "keyset" has no API parameter: it is the list's statement with
WHERE id > :last instead of OFFSET, timed through the session. The "page …" cases are the
/enterprises page itself, logged in with a session cookie: its rows, the capped count and the
choices of its filters, rendered (the deep one continues after the 99,975th name, by keyset).
"""

import argparse
import os
import platform
import re
import sqlite3
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

import psycopg
from flask_migrate import upgrade
from sqlalchemy import event, func, select, text

from app import create_app
from crm.extensions import db
from crm.models import District, Enterprise, User
from crm.services.enterprises import LIST_COLUMNS, SORTS
from crm.services.records import cursor_text
from crm.services.users import create_token, create_user
from demo.seed import seed_demo

POSTGRES = (
    "postgresql+psycopg://investatlas_test:investatlas_test@127.0.0.1:5432/investatlas_search_bench"
)
API = "/api/v1/enterprises"
PAGE = "/enterprises"
BENCH_PASSWORD = "bench-password-1"
BENCH_USER = "bench.staff"


def cases(session) -> dict[str, str]:
    """Case name → the request's path and query, or "keyset"."""
    middle = session.scalar(select(func.max(Enterprise.id))) // 2
    deep = session.execute(
        select(Enterprise.name, Enterprise.id)
        .where(Enterprise.deleted_at.is_(None))
        .order_by(Enterprise.name, Enterprise.id)
        .offset(3999 * 25 - 1)
        .limit(1)
    ).one()
    rare = session.scalar(select(Enterprise.name).where(Enterprise.id == middle))
    code = session.scalar(
        select(Enterprise.uscc).where(Enterprise.uscc.is_not(None)).order_by(Enterprise.id).limit(1)
    )
    return {
        "fixed": f"{API}?per_page=1",  # a cheap request: its cost is the app's, not the SQL's
        "first": f"{API}",
        "deep": f"{API}?page=4000&per_page=25",
        "keyset": "keyset",
        "十堰": f"{API}?q=十堰",
        "hj": f"{API}?q=hj",
        "汉江": f"{API}?q=汉江",
        "汉": f"{API}?q=汉",
        "rare": f"{API}?q={rare}",
        "absent": f"{API}?q=zzzq",
        "code": f"{API}?q={code[:10]}",
        "hj+filters": f"{API}?q=hj&district=420303&segment=M102",
        "十堰+filters": f"{API}?q=十堰&district=420303&segment=M102",
        "page first": PAGE,
        "page hj": f"{PAGE}?q=hj",
        "page absent": f"{PAGE}?q=zzzq",
        "page output": f"{PAGE}?sort=output",
        "page deep": f"{PAGE}?after={cursor_text(SORTS['name'], deep)}",
        "page filters": f"{PAGE}?q=hj&district=420303&segment=M102&is_above_scale=true",
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
            user = create_user(db.session, BENCH_USER, "staff", BENCH_PASSWORD)
        token = create_token(db.session, user, "bench")
        db.session.commit()
        db.session.remove()
    return app, token


class Recorder:
    """The statements an engine runs, with their parameters, while switched on."""

    def __init__(self, engine):
        self.statements: list[tuple[str, object]] = []
        self.on = False
        event.listen(engine, "before_cursor_execute", self.record)

    def record(self, _connection, _cursor, statement, parameters, _context, _many):
        if self.on:
            self.statements.append((statement, parameters))


def bare_connection(url: str, dialect: str):
    if dialect == "sqlite":
        connection = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        connection.execute("PRAGMA foreign_keys = ON")
        return connection
    connection = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
    connection.execute("SET plan_cache_mode = force_custom_plan")  # as crm.database sets it
    connection.commit()
    return connection


def replay(connection, statements) -> float:
    started = time.perf_counter()
    cursor = connection.cursor()
    for statement, parameters in statements:
        cursor.execute(statement, parameters)
        if cursor.description is not None:
            cursor.fetchall()
    connection.rollback()
    return time.perf_counter() - started


def median_ms(measure, repeat: int) -> float:
    for _ in range(3):
        measure()
    return statistics.median(measure() for _ in range(repeat)) * 1000


def keyset_statement(session):
    """The list's statement for the 99,976th live enterprise on: what page 4000 of 25 shows."""
    last = session.scalar(
        select(Enterprise.id)
        .where(Enterprise.deleted_at.is_(None))
        .order_by(Enterprise.id)
        .offset(3999 * 25 - 1)
        .limit(1)
    )
    return (
        select(*LIST_COLUMNS)
        .outerjoin(District, District.id == Enterprise.district_id)
        .where(Enterprise.deleted_at.is_(None), Enterprise.id > last)
        .order_by(Enterprise.id)
        .limit(26)
    )


def measure(app, token: str, url: str, names: list[str], repeat: int) -> list[tuple]:
    """(name, request, server ms, bare SQL ms, statements) per case. Requests run outside any
    app context, as in production: each gets its own session and transaction."""
    headers = {"Authorization": f"Bearer {token}"}
    client = app.test_client()
    browser = app.test_client()  # the pages, with a session cookie
    form = browser.get("/login").text
    token_field = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    browser.post("/login", data={"name": BENCH_USER, "password": BENCH_PASSWORD,
                                 "csrf_token": token_field})  # fmt: skip
    with app.app_context():
        engine = db.engine
        chosen = {name: target for name, target in cases(db.session).items() if name in names}
        keyset = keyset_statement(db.session)
        db.session.remove()
    recorder = Recorder(engine)
    bare = bare_connection(url, engine.dialect.name)
    results = []
    for name, target in chosen.items():
        if target == "keyset":

            def run(statement=keyset):
                with app.app_context():
                    started = time.perf_counter()
                    db.session.execute(statement).all()
                    db.session.remove()
                    return time.perf_counter() - started

        else:

            def run(target=target):
                started = time.perf_counter()
                if target.startswith(PAGE):
                    response = browser.get(target)
                    assert response.status_code == 200 and "result-count" in response.text
                else:
                    response = client.get(target, headers=headers)
                    assert response.status_code == 200, response.get_json()
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
        f"investatlas-bench-{options.enterprises}.db"
    )
    databases = [f"sqlite:///{sqlite_path}"]
    if not options.no_postgres:
        databases.append(options.postgres)

    print(
        f"machine  {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}"
    )
    for url in databases:
        app, token = seeded(url, options.enterprises)
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
        print(
            f"\n{dialect} {version}, {options.enterprises:,} enterprises, median of {options.repeat}"
        )
        print(f"{'case':<14}{'server ms':>10}{'bare SQL ms':>13}{'ratio':>7}{'stmts':>7}  request")
        for name, target, server, floor, count in measure(app, token, url, names, options.repeat):
            print(
                f"{name:<14}{server:>10.2f}{floor:>13.2f}{server / floor:>7.1f}{count:>7}  {target}"
            )


if __name__ == "__main__":
    main()
