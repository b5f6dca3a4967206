"""Benchmark: the rewards at 10,000 referrals, against the bare SQL they read.

    .venv/bin/python tests/bench/bench_rewards.py [--referrals 10000] [--repeat 15]

A SQLite file in a temporary folder gets 300 ambassadors (a third of each kind), 10,000
referrals (one in five credited: accepted into a lead whose project is under construction,
with three arrivals over three years), 2,000 talent referrals and rules for those years. It
measures, as the median of --repeat runs after a warm-up: the leaderboard (service), a year's
rewards (service), the year's .xlsx export, and the pages /ambassadors/leaderboard (staff) and
/portal/recognition (an ambassador with 10 credited projects). The floor is a bare
sqlite3 connection reading the same rows: referrals, their leads' projects and the arrivals.
"""

import argparse
import io
import re
import sqlite3
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import insert, select

from app import create_app
from crm.extensions import db
from crm.models import (
    Ambassador,
    FundsArrival,
    Lead,
    Project,
    Referral,
    RewardRule,
    TalentReferral,
    Unit,
    User,
)
from crm.services import ambassador_leaderboard, reward_export, rewards
from crm.services.users import create_user

CITY = "十堰市"
PASSWORD = "bench-password-rewards-1"
BANDS = [
    {"up_to_wan": "1000", "per_mille": "3"},
    {"up_to_wan": "10000", "per_mille": "4"},
    {"up_to_wan": None, "per_mille": "5"},
]
KINDS = ("investment_ambassador", "honorary_citizen", "talent_ambassador")


def seed(referral_count: int) -> None:
    session = db.session
    unit = Unit(name="市招商局", kind="city_bureau")
    session.add(unit)
    create_user(session, "bench.staff", "staff", PASSWORD, unit=unit)
    leader = create_user(session, "bench.leader", "official", PASSWORD)
    for index in range(300):
        create_user(session, f"amb{index}", "ambassador", PASSWORD if index < 3 else None,
                    display_name=f"大使{index}", ambassador_kind=KINDS[index % 3])  # fmt: skip
    session.flush()
    investors = list(
        session.scalars(select(Ambassador.id).where(Ambassador.kind != "talent_ambassador"))
    )
    talents = list(
        session.scalars(select(Ambassador.id).where(Ambassador.kind == "talent_ambassador"))
    )
    year = date.today().year
    for back in range(3):
        session.add(RewardRule(city=CITY, year=year - back, bands=BANDS, cap_wan=Decimal(100),
                               extras={"band_method": "whole", "bonus_pct": "10",
                                       "bonus_project_types": ["upgrade"]}))  # fmt: skip
    credited = referral_count // 5
    leads = [{"id": i + 1, "name": f"线索{i}", "source": "ambassador", "stage": "signed",
              "status": "active", "version": 1} for i in range(credited)]  # fmt: skip
    session.execute(insert(Lead), leads)
    projects = [{"id": i + 1, "name": f"项目{i}", "lead_id": i + 1,
                 "project_type": ("new_build", "expansion", "upgrade")[i % 3],
                 "sector": "industry", "total_investment_wan": Decimal(50000),
                 "funds_in_place_wan": Decimal(0), "stage": "under_construction",
                 "status": "on_track", "leader_id": leader.id, "version": 1,
                 "in_statistics": False} for i in range(credited)]  # fmt: skip
    session.execute(insert(Project), projects)
    arrivals = [{"project_id": i + 1, "arrived_on": date(year - back, 6, 1),
                 "amount_wan": Decimal(300 + (i * 37) % 9000), "origin": "local", "version": 1}
                for i in range(credited) for back in range(3)]  # fmt: skip
    session.execute(insert(FundsArrival), arrivals)
    start = datetime(year - 2, 1, 1)
    referrals = [{"ambassador_id": investors[i % len(investors)],
                  "enterprise_name": f"推荐企业{i}",
                  "status": "accepted" if i < credited else ("submitted", "rejected")[i % 2],
                  "rejected_reason": "已知" if i >= credited and i % 2 else None,
                  "lead_id": i + 1 if i < credited else None, "credit_share": Decimal(1),
                  "submitted_at": start + timedelta(hours=i), "version": 1,
                  "is_demo": False} for i in range(referral_count)]  # fmt: skip
    session.execute(insert(Referral), referrals)
    session.execute(insert(TalentReferral), [
        {"ambassador_id": talents[i % len(talents)], "person_name": f"人才{i}", "field": "电池",
         "status": ("submitted", "contacted", "matched", "hired")[i % 4], "version": 1,
         "is_demo": False} for i in range(referral_count // 5)])  # fmt: skip
    session.commit()


def median_ms(action, repeat: int) -> float:
    action()
    times = []
    for _run in range(repeat):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def logged_in(app, name):
    client = app.test_client()
    page = client.get("/login").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    answer = client.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": token})
    assert answer.status_code == 302, answer.status_code
    return client


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--referrals", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=15)
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-rewards-"))
    path = folder / "rewards.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "bench"})
    # A request's context: the explanations are worded in the request's language.
    with app.test_request_context():
        upgrade()
        started = time.perf_counter()
        seed(options.referrals)
        print(f"seeded {options.referrals:,} referrals in {time.perf_counter() - started:.1f} s")
        year = date.today().year
        staff = db.session.scalar(select(User).where(User.name == "bench.staff"))
        results = {
            "leaderboard (service, all years)": median_ms(
                lambda: ambassador_leaderboard.leaderboard(db.session, CITY, staff),
                options.repeat,
            ),
            "a year's rewards (service)": median_ms(
                lambda: rewards.year_rewards(db.session, CITY, year), options.repeat
            ),
            "the year's .xlsx export": median_ms(
                lambda: reward_export.export_year(db.session, CITY, year, staff, io.BytesIO()),
                max(3, options.repeat // 5),
            ),
        }
        db.session.remove()
    staff_client = logged_in(app, "bench.staff")
    results["/ambassadors/leaderboard page"] = median_ms(
        lambda: staff_client.get("/ambassadors/leaderboard").close(), options.repeat
    )
    ambassador_client = logged_in(app, "amb0")
    sizes = {}

    def recognition():
        answer = ambassador_client.get("/portal/recognition")
        sizes["recognition"] = len(answer.data)
        answer.close()

    results["/portal/recognition page"] = median_ms(recognition, options.repeat)
    bare = sqlite3.connect(path)

    def floor():
        bare.execute("SELECT * FROM referrals WHERE deleted_at IS NULL").fetchall()
        bare.execute(
            "SELECT r.id, p.* FROM referrals r JOIN leads l ON l.id = r.lead_id "
            "JOIN projects p ON p.lead_id = l.id"
        ).fetchall()
        bare.execute("SELECT * FROM funds_arrivals").fetchall()
        bare.execute("SELECT * FROM talent_referrals").fetchall()

    results["floor: bare sqlite3 reading those rows"] = median_ms(floor, options.repeat)
    for name, value in results.items():
        print(f"{name}: {value:.1f} ms")
    print(f"/portal/recognition: {sizes['recognition'] / 1024:.1f} kB")


if __name__ == "__main__":
    main()
