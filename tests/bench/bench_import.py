"""Benchmark: importing 100,000 enterprises from a CSV file, every row validated, against the
bare insert of the same rows.

    .venv/bin/python tests/bench/bench_import.py [--rows 100000] [--postgres URL | --no-postgres]

Each run migrates a fresh database (a SQLite file; on PostgreSQL the database given, emptied),
loads the demo city's reference data (districts, parks, the chain's segments, a 50-enterprise
demo city), builds a GB18030 CSV of new enterprises in the export's columns (names, credit codes
with their check characters, districts by name, segments, flags, figures, dates) and imports it
through crm.services.enterprise_import, as `flask import` does: read, map, check every row,
write in one transaction. The floor is the same rows' columns written by bare INSERTs of 500 rows each on
a DBAPI connection (rolled back before the import), in the same run.
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
from sqlalchemy import create_engine, text
from stdnum.cn import uscc

from app import create_app
from crm.extensions import db
from crm.services.enterprise_import import (
    ImportLookups,
    import_enterprises,
    map_columns,
    row_values,
)
from crm.services.enterprises import check_enterprise, enterprise_columns
from crm.spreadsheets import read_table
from demo.seed import seed_demo

POSTGRES = "postgresql+psycopg://investatlas_test:investatlas_test@127.0.0.1:5432/investatlas_bench"
DISTRICTS = ["茅箭区", "张湾区", "郧阳区", "丹江口市", "竹山县", "房县"]
SEGMENTS = ["M501", "M502", "D101 重型卡车", "U101", ""]
ROWS_A_STATEMENT = 500


def credit_code(number: int) -> str:
    body = f"91420300{number:09d}"
    return body + uscc.calc_check_digit(body)


def csv_file(rows: int) -> bytes:
    header = ("企业名称,统一社会信用代码,区县,产业链环节,龙头企业,规上企业,年产值（万元）,"
              "年税收（万元）,从业人数,用地面积（亩）,成立日期,地址")  # fmt: skip
    lines = [header]
    for n in range(rows):
        lines.append(
            f"十堰测试{n:06d}汽车零部件有限公司,{credit_code(n)},{DISTRICTS[n % 6]},"
            f"{SEGMENTS[n % 5]},{'是' if n % 97 == 0 else '否'},{'是' if n % 3 == 0 else '否'},"
            f"{n % 5000}.25,{n % 300}.5,{n % 800},{n % 90}.75,20{n % 25:02d}-0{1 + n % 9}-1{n % 9},"
            f"十堰市车城路{n % 999}号"
        )
    return ("\n".join(lines) + "\n").encode("gb18030")


def run(url: str, rows: int) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    empty(app)
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        seed_demo(db.session, enterprises=50, seed=1, today=date(2026, 11, 28))
        db.session.commit()
        data = csv_file(rows)
        floor = bare_insert(app, data)
        started = time.perf_counter()
        table = read_table(data, "bench.csv")
        outcome = import_enterprises(db.session, table, map_columns(table), None)
        db.session.commit()
        seconds = time.perf_counter() - started
        assert (outcome.created, outcome.errors) == (rows, []), outcome.errors[:3]
        db.session.remove()
    kind = "SQLite " + sqlite3.sqlite_version if url.startswith("sqlite") else "PostgreSQL"
    print(f"{kind}: {rows:,} rows imported in {seconds:.1f} s = {rows / seconds:,.0f} rows/s; "
          f"floor {floor:.1f} s ({rows / floor:,.0f} rows/s), ratio {seconds / floor:.1f}x; "
          f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB")  # fmt: skip
    empty(app)


def empty(app) -> None:
    """No tables left: a PostgreSQL database's schema made anew (a SQLite file is new anyway)."""
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        db.engine.dispose()


def bare_insert(app, data: bytes) -> float:
    """The rows' final columns (checked beforehand, untimed), written by bare INSERTs."""
    table = read_table(data, "bench.csv")
    mapping = map_columns(table)
    values = []
    lookups = ImportLookups(db.session, [], [])
    for number, row in enumerate(table):
        cells = {key: row.values[index] for key, index in mapping.columns.items()}
        checked = check_enterprise(db.session, row_values(cells, lookups)[0], None, lookups)
        columns = enterprise_columns(checked)
        values.append({**columns, "id": 10_000_000 + number, "aliases": "[]", "version": 1,
                       "is_demo": False, "created_at": "2026-11-28 00:00:00",
                       "updated_at": "2026-11-28 00:00:00"})  # fmt: skip
    db.session.rollback()  # the checks' transaction must not hold the write lock
    names = list(values[0])
    for row in values:
        for key in ("output_wan", "tax_wan", "land_mu"):
            row[key] = str(row[key]) if row[key] is not None else None
        row["established_on"] = row["established_on"].isoformat()
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    connection = engine.raw_connection()
    marker = "?" if engine.dialect.name == "sqlite" else "%s"
    row = "(" + ", ".join([marker] * len(names)) + ")"
    cursor = connection.cursor()
    if engine.dialect.name == "sqlite":
        cursor.execute("BEGIN")
    started = time.perf_counter()
    # As the import writes: many rows a statement.
    for start in range(0, len(values), ROWS_A_STATEMENT):
        part = values[start : start + ROWS_A_STATEMENT]
        cursor.execute(
            f"INSERT INTO enterprises ({', '.join(names)}) VALUES {', '.join([row] * len(part))}",
            [item[name] for item in part for name in names],
        )
    seconds = time.perf_counter() - started
    connection.rollback()
    connection.close()
    engine.dispose()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--postgres", default=POSTGRES)
    parser.add_argument("--no-postgres", action="store_true")
    options = parser.parse_args()
    print(f"machine  {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}")  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        run(f"sqlite:///{Path(folder) / 'bench.db'}", options.rows)
    if not options.no_postgres:
        engine = create_engine(options.postgres)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        run(options.postgres, options.rows)


if __name__ == "__main__":
    main()
