"""Benchmark: the dashboard (领导驾驶舱, GET /) at city scale, against its bare SQL.

    .venv/bin/python tests/bench/bench_dashboard.py [--enterprises 100000] [--repeat 30]
        [--sqlite PATH] [--postgres URL | --no-postgres]

The demo city of 100,000 enterprises (about 111,000 segment links, 20,000 leads, 10,000 projects)
is seeded as by bench_pipeline.py (a SQLite file and a PostgreSQL database of yours, kept and
reused). The page is asked for by a city-bureau staff user (the whole city) through the Flask test
client, the median and 95th percentile of --repeat runs after a warm-up, in three cases:

- warm: the figures kept, the data unchanged (what a leader sees on every visit);
- lead changed: a lead's stage moved before each run, so the lead and project figures are
  computed again (the enterprises' panel stays kept: the chain data did not move);
- cold: nothing kept (a new process), every aggregate computed.

The floor of each case is the same SQL statements the request ran, replayed with their
parameters on a bare sqlite3 or psycopg connection in the same run; the cold case's floor is
therefore the bare SQL of every aggregate the dashboard shows. A last line times a logged-in
page of the same layout that shows no data (/reports), the framework's own floor.
"""

import argparse
import os
import platform
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from bench_enterprise_list import Recorder, bare_connection, replay  # its neighbours
from bench_pipeline import BENCH_PASSWORD, BENCH_USER, seeded
from sqlalchemy import select, text, update

from crm.extensions import db
from crm.models import Lead
from crm.services import dashboard

POSTGRES = "postgresql+psycopg://investatlas_test:investatlas_test@127.0.0.1:5432/investatlas_cockpit_bench"
TARGET_MS = 50


def timings(run, repeat: int) -> tuple[float, float]:
    """Median and 95th percentile in ms of `repeat` runs after three warm-ups."""
    for _ in range(3):
        run()
    samples = sorted(run() * 1000 for _ in range(repeat))
    return statistics.median(samples), samples[max(0, round(0.95 * len(samples)) - 1)]


def measure(url: str, options) -> None:
    """Seed or reuse the database at `url`, then print the three cases."""
    app, _token, counts = seeded(url, options.enterprises)
    browser = app.test_client()
    form = browser.get("/login").text
    csrf = form.split('name="csrf_token"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    browser.post("/login", data={"name": BENCH_USER, "password": BENCH_PASSWORD,
                                 "csrf_token": csrf})  # fmt: skip
    with app.app_context():
        engine = db.engine
        version = db.session.execute(
            text("SELECT sqlite_version()" if url.startswith("sqlite") else "SHOW server_version")
        ).scalar()
        lead_id = db.session.scalar(select(Lead.id).where(Lead.deleted_at.is_(None)).limit(1))
        db.session.remove()

    def get(path="/"):
        started = time.perf_counter()
        response = browser.get(path)
        assert response.status_code == 200, response.status_code
        return time.perf_counter() - started

    def move_a_lead():
        # A stage written back and forth: the same data, but the figures' version moves.
        with app.app_context():
            for stage in ("clue", "negotiation"):
                db.session.execute(update(Lead).where(Lead.id == lead_id).values(stage=stage))
            db.session.commit()
            db.session.remove()

    def after_a_change():
        move_a_lead()
        return get()

    def cold():
        dashboard.forget()
        return get()

    recorder = Recorder(engine)
    bare = bare_connection(url, engine.dialect.name)
    dialect = "SQLite" if url.startswith("sqlite") else "PostgreSQL"
    held = ", ".join(f"{count:,} {table}" for table, count in counts.items())
    print(f"\n{dialect} {version}: {options.enterprises:,} enterprises, {held}")
    print(f"{'case':<14}{'median ms':>10}{'p95 ms':>9}{'bare SQL ms':>13}{'stmts':>7}")
    for name, run, prepare in (
        ("warm", get, lambda: None),
        ("lead changed", after_a_change, move_a_lead),
        ("cold", cold, dashboard.forget),
    ):
        median, p95 = timings(run, options.repeat)
        prepare()
        recorder.statements.clear()
        recorder.on = True
        get()
        recorder.on = False
        statements = list(recorder.statements)
        floor = statistics.median(replay(bare, statements) * 1000 for _ in range(options.repeat))
        print(f"{name:<14}{median:>10.2f}{p95:>9.2f}{floor:>13.2f}{len(statements):>7}")
    # The framework's floor: a logged-in page of the same layout with no figures at all.
    median, p95 = timings(lambda: get("/reports"), options.repeat)
    print(f"{'page, no data':<14}{median:>10.2f}{p95:>9.2f}  (/reports)")
    bare.close()
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--sqlite", type=Path)
    parser.add_argument("--postgres", default=POSTGRES)
    parser.add_argument("--no-postgres", action="store_true")
    options = parser.parse_args()
    sqlite_path = options.sqlite or Path(tempfile.gettempdir()) / (
        f"investatlas-dashboard-bench-{options.enterprises}.db"
    )
    databases = [f"sqlite:///{sqlite_path}"]
    if not options.no_postgres:
        databases.append(options.postgres)
    print(
        f"machine  {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}; target: warm median "
        f"under {TARGET_MS} ms"
    )
    for url in databases:
        measure(url, options)


if __name__ == "__main__":
    main()
