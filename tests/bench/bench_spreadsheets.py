"""Benchmark: 100,000 enterprise rows to .xlsx and back, against floors measured in the same run.

    .venv/bin/python tests/bench/bench_spreadsheets.py [--rows 100000]

The rows are realistic enterprises in 26 columns (Chinese names and addresses, 18-character
credit codes, decimals, dates, date-times, booleans, empty cells). They are written with
write_xlsx and, as the floor for writing, with a bare csv.writer (UTF-8, then re-encoded as
GB18030). Then each reader reads them: openpyxl's read-only mode and python-calamine (the two
candidates for .xlsx), read_table on the workbook and on both CSV files, and, as the floor for
reading, a bare csv.reader pass over the UTF-8 file. Each measurement runs in a process of its own,
so its peak memory (VmHWM) is its own; read_table's rows are then checked against the rows
written, outside the timing.
"""

import argparse
import csv
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from importlib.metadata import version
from pathlib import Path

import openpyxl
from stdnum.cn import uscc

from crm.spreadsheets import read_table, write_xlsx

HEADERS = [
    "企业名称", "统一社会信用代码", "所在区县", "法定代表人", "成立日期", "注册资本（万元）",
    "年产值（万元）", "年纳税（万元）", "研发投入（万元）", "从业人数", "规上企业", "龙头企业",
    "链主企业", "本地企业", "产业链环节", "标签", "地址", "行业代码", "用地（亩）",
    "综合能耗（吨标煤）", "排放（吨）", "安全评级", "环保评级", "经度", "纬度", "更新时间",
]  # fmt: skip
DISTRICTS = ["茅箭区", "张湾区", "郧阳区", "郧西县", "竹山县", "竹溪县", "房县", "丹江口市"]
PLACES = ["十堰", "武当", "汉江", "丹江", "东风", "车城", "郧阳", "秦巴", "鄂西北", "神定河"]
TRADES = ["精工", "汽车零部件", "机械", "铸造", "新能源", "智能装备", "电子", "橡塑", "锻造"]
FORMS = ["有限公司", "股份有限公司", "有限责任公司"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰"]
ROADS = ["车城路", "北京中路", "人民北路", "东风大道", "发展大道", "浙江路", "工业新区"]
TAGS = [None, None, None, "专精特新", "高新技术企业", "小巨人", "瞪羚企业"]
SEGMENTS = [f"M{number}" for number in range(101, 161)]


def enterprise_rows(count: int, seed: int = 1):
    """The same rows for every measurement (a seeded generator, never a list in memory)."""
    rng = random.Random(seed)
    first_day = date(1985, 1, 1)
    for number in range(count):
        district = rng.randrange(len(DISTRICTS))
        head = f"9142030{district}{rng.randrange(10**10):010d}"
        money = [Decimal(rng.randrange(10**8)) / 100 for _ in range(4)]
        yield [
            f"{rng.choice(PLACES)}{rng.choice(TRADES)}{number}{rng.choice(FORMS)}",
            head + uscc.calc_check_digit(head),
            DISTRICTS[district],
            rng.choice(SURNAMES) + rng.choice(GIVEN),
            first_day + timedelta(days=rng.randrange(14_000)),
            money[0],
            money[1],
            money[2],
            money[3] if rng.random() < 0.7 else None,
            rng.randrange(5, 20_000),
            rng.random() < 0.4,
            rng.random() < 0.1,
            rng.random() < 0.03,
            rng.random() < 0.9,
            rng.choice(SEGMENTS),
            rng.choice(TAGS),
            f"湖北省十堰市{DISTRICTS[district]}{rng.choice(ROADS)}{rng.randrange(1, 999)}号",
            f"C{rng.randrange(3600, 3700)}",
            Decimal(rng.randrange(1, 10**6)) / 10,
            Decimal(rng.randrange(10**7)) / 100,
            Decimal(rng.randrange(10**6)) / 10 if rng.random() < 0.8 else None,
            rng.choice("ABCD"),
            rng.choice("ABCD"),
            Decimal(rng.randrange(110_000_000, 111_500_000)) / 1_000_000,
            Decimal(rng.randrange(31_500_000, 33_300_000)) / 1_000_000,
            datetime(2026, 1, 1, 8) + timedelta(days=rng.randrange(330), seconds=rng.randrange(36_000)),
        ]  # fmt: skip


def as_text(value) -> str | None:
    """What a value becomes in the CSV file, as read_table gives it back."""
    return None if value is None else str(value)


# ---- the measurements, each run in a child process ----


def write_xlsx_file(folder: Path, rows: int) -> int:
    return write_xlsx(
        folder / "enterprises.xlsx", HEADERS, enterprise_rows(rows), sheet_title="企业"
    )


def write_csv_floor(folder: Path, rows: int) -> int:
    with (folder / "enterprises-utf8.csv").open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(HEADERS)
        for row in enterprise_rows(rows):
            writer.writerow(row)
    return rows


def read_openpyxl(folder: Path, rows: int) -> int:
    from openpyxl import load_workbook

    workbook = load_workbook(folder / "enterprises.xlsx", read_only=True, data_only=True)
    count = sum(1 for _ in workbook.worksheets[0].iter_rows(values_only=True))
    workbook.close()
    return count - 1


def read_calamine(folder: Path, rows: int) -> int:
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(str(folder / "enterprises.xlsx"))
    return sum(1 for _ in workbook.get_sheet_by_index(0).iter_rows()) - 1


def read_table_file(name: str):
    def measure(folder: Path, rows: int) -> int:
        table = read_table((folder / name).read_bytes(), name)
        assert table.headers == tuple(HEADERS)
        count = sum(1 for _ in table)
        assert count == table.row_count == rows
        return count

    return measure


def read_csv_floor(folder: Path, rows: int) -> int:
    with (folder / "enterprises-utf8.csv").open(encoding="utf-8", newline="") as file:
        return sum(1 for _ in csv.reader(file)) - 1


def check_read_table(folder: Path, rows: int) -> int:
    """read_table gives back exactly what was written (not timed)."""
    for name, convert in (
        ("enterprises.xlsx", lambda value: value),
        ("enterprises-utf8.csv", as_text),
        ("enterprises-gb18030.csv", as_text),
    ):
        table = read_table((folder / name).read_bytes(), name)
        for row, written in zip(table, enterprise_rows(rows), strict=True):
            expected = tuple(convert(value) for value in written)
            assert row.values == expected, (name, row.number, row.values, expected)
    return rows


MEASUREMENTS = {
    "write_xlsx": ("write_xlsx, 26 columns", write_xlsx_file),
    "write_csv": ("floor: csv.writer (UTF-8) of the same rows", write_csv_floor),
    "openpyxl": ("openpyxl read-only, values only", read_openpyxl),
    "calamine": ("python-calamine, iter_rows", read_calamine),
    "read_xlsx": ("read_table, .xlsx, every row", read_table_file("enterprises.xlsx")),
    "read_utf8": ("read_table, CSV UTF-8, every row", read_table_file("enterprises-utf8.csv")),
    "read_gb18030": (
        "read_table, CSV GB18030, every row",
        read_table_file("enterprises-gb18030.csv"),
    ),
    "read_floor": ("floor: bare csv.reader pass (UTF-8)", read_csv_floor),
}


def memory_mb(field: str) -> float:
    """From /proc: ru_maxrss would carry over the parent's peak, which Linux keeps across exec."""
    status = Path("/proc/self/status").read_text()
    return int(status.split(f"{field}:")[1].split()[0]) / 1024


def child(name: str, folder: Path, rows: int) -> None:
    start_mb = memory_mb("VmRSS")
    started = time.perf_counter()
    count = (check_read_table if name == "check" else MEASUREMENTS[name][1])(folder, rows)
    seconds = time.perf_counter() - started
    peak_mb = memory_mb("VmHWM")
    print(
        json.dumps({"count": count, "seconds": seconds, "start_mb": start_mb, "peak_mb": peak_mb})
    )


def measure(name: str, folder: Path, rows: int) -> dict:
    command = [sys.executable, __file__, "--measure", name, "--folder", str(folder)]
    done = subprocess.run([*command, "--rows", str(rows)], capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"{name} failed:\n{done.stderr}")
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--measure", choices=[*MEASUREMENTS, "check"], help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.measure:
        child(options.measure, options.folder, options.rows)
        return

    libraries = f"python-calamine {version('python-calamine')}, openpyxl {version('openpyxl')}"
    libraries += f" writing through lxml {version('lxml')}" if openpyxl.LXML else " without lxml"
    print(
        f"machine  {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"using    {libraries}")
    print(f"rows     {options.rows:,} enterprises, {len(HEADERS)} columns\n")
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        results = {"write_xlsx": measure("write_xlsx", folder, options.rows)}
        results["write_csv"] = measure("write_csv", folder, options.rows)
        utf8 = folder / "enterprises-utf8.csv"
        (folder / "enterprises-gb18030.csv").write_bytes(
            utf8.read_text(encoding="utf-8").encode("gb18030")
        )
        for name in MEASUREMENTS:
            if name not in results:
                results[name] = measure(name, folder, options.rows)
        checked = measure("check", folder, options.rows)["count"]
        sizes = {path.name: path.stat().st_size / 2**20 for path in folder.iterdir()}

    print("  ".join(f"{file} {size:.1f} MB" for file, size in sorted(sizes.items())) + "\n")
    floors = {"write": results["write_csv"]["seconds"], "read": results["read_floor"]["seconds"]}
    print(f"{'what':48} {'seconds':>8} {'rows/s':>9} {'peak MB':>8} {'start MB':>8} {'× floor':>8}")
    for name, (label, _) in MEASUREMENTS.items():
        result = results[name]
        floor = floors["write" if name.startswith("write") else "read"]
        print(
            f"{label:48} {result['seconds']:8.1f} {result['count'] / result['seconds']:9,.0f} "
            f"{result['peak_mb']:8.0f} {result['start_mb']:8.0f} "
            f"{result['seconds'] / floor:8.1f}"
        )
    print(
        f"\nread_table gave back the {checked:,} rows written, from the workbook and both CSV files"
    )


if __name__ == "__main__":
    main()
