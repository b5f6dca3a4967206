"""Benchmark: exporting 100,000 enterprises to .xlsx, streamed, against a bare CSV of the rows.

    .venv/bin/python tests/bench/bench_export.py [--enterprises 100000] [--sqlite PATH]

Uses the demo city bench_enterprise_list.py seeds (and seeds it when missing). The export is
crm.services.enterprise_export.export_enterprises, as the page, the API and `flask export` run
it: the list's query a chunk at a time, each row's segments and tags, the workbook streamed by
openpyxl's write-only mode. Its floor is the same rows (export_rows) written by csv.writer, in
the same run. Peak memory is the process's, which starts at the interpreter and imports.
"""

import argparse
import csv
import resource
import tempfile
import time
from pathlib import Path

from bench_enterprise_list import seeded

from crm.extensions import db
from crm.schemas.enterprises import EnterpriseFilters
from crm.services.enterprise_export import HEADERS, export_enterprises, export_rows

ZONE = "Asia/Shanghai"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--sqlite", type=Path)
    options = parser.parse_args()
    path = options.sqlite or Path(tempfile.gettempdir()) / (
        f"investatlas-bench-{options.enterprises}.db"
    )
    app, _token = seeded(f"sqlite:///{path}", options.enterprises)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    with app.app_context(), tempfile.TemporaryDirectory() as folder:
        from zoneinfo import ZoneInfo

        started = time.perf_counter()
        with (Path(folder) / "floor.csv").open("w", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(HEADERS)
            count = sum(1 for row in export_rows(db.session, EnterpriseFilters(), ZoneInfo(ZONE))
                        if writer.writerow(row) or True)  # fmt: skip
        floor = time.perf_counter() - started
        started = time.perf_counter()
        target = Path(folder) / "export.xlsx"
        written = export_enterprises(db.session, EnterpriseFilters(), None, target, ZONE)
        seconds = time.perf_counter() - started
        size = target.stat().st_size / 2**20
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    assert written == count
    print(
        f"export of {written:,} enterprises: {seconds:.1f} s ({written / seconds:,.0f} rows/s), "
        f"{size:.1f} MB; floor (the same rows as CSV) {floor:.1f} s, ratio {seconds / floor:.1f}x; "
        f"peak memory {peak} MB (the process had {before} MB before)"
    )


if __name__ == "__main__":
    main()
