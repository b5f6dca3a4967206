"""Benchmark: `seed-demo` at city scale on SQLite, against a floor measured in the same run.

    .venv/bin/python tests/bench/bench_seed.py [--enterprises 100000] [--seed 1]

The floor is the bare write: the same number of rows, three columns each, inserted with plain
sqlite3 executemany into the same kind of file. The target (DESIGN.md) is under 60 s for
100,000 enterprises.
"""

import argparse
import os
import platform
import resource
import sqlite3
import tempfile
import time
from datetime import date
from pathlib import Path

from flask_migrate import upgrade

from app import create_app
from crm.extensions import db
from demo.seed import seed_demo

TARGET_SECONDS = 60


def bare_write_seconds(path: Path, rows: int) -> float:
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("CREATE TABLE floor (id INTEGER PRIMARY KEY, name TEXT, amount REAL)")
    started = time.perf_counter()
    with connection:
        connection.executemany(
            "INSERT INTO floor VALUES (?, ?, ?)",
            ((number, f"企业{number}", number * 1.5) for number in range(rows)),
        )
    seconds = time.perf_counter() - started
    connection.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "bench.db"
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "SECRET_KEY": "x"})
        with app.app_context():
            upgrade(directory=app.extensions["migrate"].directory)
            started = time.perf_counter()
            summary = seed_demo(db.session, options.enterprises, options.seed, date.today())
            db.session.commit()
            seconds = time.perf_counter() - started
            db.engine.dispose()
        rows = sum(summary.counts.values())
        floor = bare_write_seconds(Path(folder) / "floor.db", rows)
        size_mb = database.stat().st_size / 2**20

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"machine      {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"
    )
    print(
        f"enterprises  {options.enterprises:,} (seed {options.seed}); {rows:,} rows in all; file {size_mb:.0f} MB"
    )
    print(
        f"seed-demo    {seconds:.1f} s  ({rows / seconds:,.0f} rows/s); peak memory {peak_mb:.0f} MB"
    )
    print(f"floor        {floor:.1f} s  (bare sqlite3 executemany of {rows:,} three-column rows)")
    print(f"ratio        {seconds / floor:.1f}x the floor; target under {TARGET_SECONDS} s: "
          f"{'met' if seconds < TARGET_SECONDS else 'MISSED'}")  # fmt: skip


if __name__ == "__main__":
    main()
