"""Benchmark: the quarterly bulletin (季通报) for 10,000 projects, against its bare SQL.

    .venv/bin/python tests/bench/bench_assessment.py [--projects 10000] [--repeat 7]
        [--postgres URL]

Builds a city of its own in a temporary SQLite file (and, with --postgres, in that database,
whose tables it drops and creates): 12 districts (two of them zones), 15 units, 2 leads per
project (60% signed, over 2025 and 2026), each project with a stage log of 1 to 4 changes,
3 milestones, 2 funds arrivals and 12 monthly progress entries, and every district's and unit's
targets for 2026. It times, as of 2026-09-30 for the whole city (median of --repeat, after one
warm-up):
- the bulletin: build (both days' ledgers, ranking, the fastest and slowest projects) and
  to_dict, then to_xlsx;
and its floor in the same run: the very statements the build sent, replayed on the bare DBAPI
connection (sqlite3 or psycopg) and fetched, with none of the Python around them.
"""

import argparse
import random
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import event, insert

from app import create_app
from crm.extensions import db
from crm.models import (
    District,
    FundsArrival,
    Lead,
    Milestone,
    Project,
    ProjectProgress,
    StageChange,
    Target,
    Unit,
    User,
)
from crm.reports import ReportParams
from crm.reports.quarterly import build_bulletin, current_rules, to_dict, to_xlsx
from crm.vocabulary import PROJECT_STAGE, TARGET_INDICATOR

AS_OF = date(2026, 9, 30)
STAGES = PROJECT_STAGE.keys


def seed(projects: int) -> None:
    """The city, written in a few executemany statements."""
    random.seed(12)
    districts = [
        {"id": i, "code": f"4203{i:02d}", "name": f"区县{i}", "kind": "county_district"}
        for i in range(1, 11)
    ] + [
        {"id": 11, "code": "420371", "name": "经开区", "kind": "functional_zone", "parent_id": 1},
        {"id": 12, "code": "420372", "name": "特区", "kind": "functional_zone", "parent_id": 2},
    ]
    for row in districts:
        row.setdefault("parent_id", None)
    db.session.execute(insert(District), districts)
    units = [{"id": 1, "name": "市招商局", "kind": "city_bureau", "parent_id": None,
              "district_id": None}]  # fmt: skip
    units += [
        {
            "id": 1 + i,
            "name": f"区县{i}招商局",
            "kind": "district_bureau",
            "parent_id": 1,
            "district_id": i,
        }
        for i in range(1, 13)
    ]
    units += [
        {"id": 14, "name": "市发改委", "kind": "city_department", "parent_id": 1,
         "district_id": None},
        {"id": 15, "name": "新能源专班", "kind": "task_team", "parent_id": 1, "district_id": None},
    ]  # fmt: skip
    db.session.execute(insert(Unit), units)
    db.session.execute(insert(User), [{"id": 1, "name": "leader", "role": "official",
                                       "password_hash": "x"}])  # fmt: skip
    leads, project_rows, changes, milestones, funds, progress = [], [], [], [], [], []
    start = date(2025, 1, 1)
    for lead_id in range(1, 2 * projects + 1):
        signed = random.random() < 0.6
        signed_on = start + timedelta(days=random.randrange(640)) if signed else None
        unit = random.randrange(2, 16)
        leads.append({"id": lead_id, "name": f"线索{lead_id}", "source": "online",
                      "stage": "signed" if signed else "negotiation", "status": "active",
                      "signed_on": signed_on, "signed_amount_wan": Decimal(random.randrange(
                          1000, 200000)) if signed else None, "owner_unit_id": unit,
                      "district_id": random.randrange(1, 13)})  # fmt: skip
        changes.append({"subject": "lead", "lead_id": lead_id, "to_stage": leads[-1]["stage"],
                        "changed_at": datetime.combine(signed_on or start, datetime.min.time())})  # fmt: skip
    signed_leads = [lead for lead in leads if lead["signed_on"]]
    for project_id in range(1, projects + 1):
        lead = signed_leads[project_id - 1] if project_id <= len(signed_leads) else None
        begun = (lead["signed_on"] if lead else start) + timedelta(days=random.randrange(30))
        steps = random.randrange(1, 5)
        stage_index = 0
        day = begun
        previous = None
        for _step in range(steps):
            stage = STAGES[stage_index]
            changes.append({"subject": "project", "project_id": project_id,
                            "from_stage": previous, "to_stage": stage,
                            "changed_at": datetime.combine(day, datetime.min.time())})  # fmt: skip
            previous, stage_index = stage, min(stage_index + random.randrange(1, 3), 5)
            day += timedelta(days=random.randrange(20, 120))
        started = STAGES.index(previous) >= 2
        project_rows.append({
            "id": project_id, "name": f"项目{project_id}", "lead_id": lead["id"] if lead else None,
            "project_type": "new_build", "sector": "industry",
            "district_id": random.randrange(1, 13), "owner_unit_id": random.randrange(2, 16),
            "total_investment_wan": Decimal(random.choice((3000, 12000, 50000, 150000))),
            "funds_in_place_wan": Decimal(0), "stage": previous, "status": "on_track",
            "leader_id": 1, "in_statistics": started and random.random() < 0.7,
            "in_statistics_on": begun + timedelta(days=90) if started else None,
            "signed_on": lead["signed_on"] if lead else None,
            "started_on": begun + timedelta(days=40) if started else None})  # fmt: skip
        if not project_rows[-1]["in_statistics"]:
            project_rows[-1]["in_statistics_on"] = None
        for index in range(3):
            planned = begun + timedelta(days=60 * (index + 1))
            done = planned + timedelta(days=random.randrange(-20, 40))
            milestones.append({"project_id": project_id, "name": f"节点{index}",
                               "planned_on": planned, "actual_on": done if done < AS_OF else None,
                               "status": "pending"})  # fmt: skip
        for _index in range(2):
            funds.append({"project_id": project_id, "amount_wan": Decimal(random.randrange(100, 5000)),
                          "arrived_on": begun + timedelta(days=random.randrange(300)),
                          "origin": random.choice(("local", "out_of_province"))})  # fmt: skip
        for month in range(1, 13):
            progress.append({"project_id": project_id, "period": "month",
                             "period_start_on": date(2026, month, 1),
                             "investment_period_wan": Decimal(random.randrange(10, 500)),
                             "investment_cumulative_wan": Decimal(0)})  # fmt: skip
    for model, rows in ((Lead, leads), (Project, project_rows), (StageChange, changes),
                        (Milestone, milestones), (FundsArrival, funds),
                        (ProjectProgress, progress)):  # fmt: skip
        for offset in range(0, len(rows), 5000):
            db.session.execute(insert(model), rows[offset : offset + 5000])
    targets = []
    for kind, ids in (("district_id", range(1, 13)), ("unit_id", range(1, 16))):
        for owner in ids:
            for indicator in TARGET_INDICATOR.keys:
                value = 80 if indicator.endswith("_rate") else random.randrange(10, 100000)
                targets.append({kind: owner, "year": 2026, "indicator": indicator,
                                "value": Decimal(value)})  # fmt: skip
    db.session.execute(insert(Target), targets)
    db.session.commit()


def timed(function, repeat: int) -> tuple[float, object]:
    function()  # warm-up
    timings, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings), result


def replay(statements: list, repeat: int) -> float:
    """The statements the build sent, on the bare DBAPI connection."""
    raw = db.engine.raw_connection()
    try:

        def run():
            cursor = raw.cursor()
            for sql, parameters in statements:
                cursor.execute(sql, parameters)
                cursor.fetchall()
            cursor.close()

        seconds, _ = timed(run, repeat)
        return seconds
    finally:
        raw.close()


def measure(url: str, projects: int, repeat: int) -> None:
    app = create_app({"DATABASE_URL": url, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.drop_all()
        db.create_all()
        started = time.perf_counter()
        seed(projects)
        print(f"{db.engine.dialect.name}: seeded {projects} projects "
              f"in {time.perf_counter() - started:.1f} s")  # fmt: skip
    with app.test_request_context():
        rules = current_rules()
        params = ReportParams(AS_OF)
        statements: list = []

        def capture(_conn, _cursor, statement, parameters, _context, _many):
            if statement.lstrip().upper().startswith(("SELECT", "WITH")):
                statements.append((statement, parameters))

        event.listen(db.engine, "before_cursor_execute", capture)
        report = build_bulletin(db.session, params, rules)
        event.remove(db.engine, "before_cursor_execute", capture)
        build_seconds, report = timed(
            lambda: (lambda r: (r, to_dict(r)))(build_bulletin(db.session, params, rules))[0],
            repeat,
        )
        xlsx_seconds, data = timed(lambda: to_xlsx(report), repeat)
        floor = replay(statements, repeat)
        print(f"  bulletin build + to_dict: {build_seconds * 1000:.0f} ms "
              f"({len(statements)} statements; {len(report.districts)} districts, "
              f"{len(report.units)} units ranked)")  # fmt: skip
        print(f"  to_xlsx: {xlsx_seconds * 1000:.0f} ms ({len(data) / 1024:.0f} KB)")
        print(f"  bulletin in all: {(build_seconds + xlsx_seconds) * 1000:.0f} ms")
        print(f"  floor, the same statements on the bare connection: {floor * 1000:.0f} ms "
              f"(ratio {build_seconds / floor:.1f}x)")  # fmt: skip
        db.session.remove()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--projects", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--postgres", help="a PostgreSQL URL whose tables may be replaced")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        measure(f"sqlite:///{Path(folder) / 'bench.db'}", options.projects, options.repeat)
    if options.postgres:
        measure(options.postgres, options.projects, options.repeat)


if __name__ == "__main__":
    main()
