"""Benchmark: the ambassadors' portal and the staff inbox at 10,000 referrals, against their bare SQL.

    .venv/bin/python tests/bench/bench_portal.py [--referrals 10000] [--heavy 2000]
        [--repeat 30] [--sqlite PATH | --no-sqlite] [--postgres URL | --no-postgres]

A demo city of 2,000 enterprises (its chain, parks, leads and projects) is seeded into a SQLite
file and a PostgreSQL database of yours (kept and reused), and --referrals referrals are added:
--heavy of them by one ambassador (the bench user), the rest by 200 others; a third of them
accepted onto the city's leads (several to one lead, as co-referrers), half waiting in the
inbox, the rest declined or known. The pages an ambassador opens on a phone are asked for with a
session cookie (the portal with "my referrals", a later page of them, one referral, their API
list), and the staff inbox (200 new referrals with the duplicate check) by a city-bureau user:
the median of --repeat requests after a warm-up, with the page's size. Its floor is the same
SQL statements the request ran, replayed with their parameters on a bare sqlite3 or psycopg
connection in the same run. Targets: median under 50 ms, a page under 200 kB.
"""

import argparse
import os
import platform
import random
import re
import sqlite3
import tempfile
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from bench_enterprise_list import Recorder, bare_connection, median_ms, replay  # its neighbour
from flask_migrate import upgrade
from sqlalchemy import func, insert, select, text

from app import create_app
from crm.extensions import db
from crm.models import Ambassador, Enterprise, Lead, Project, Referral, Unit, User
from crm.services.names import normalise_name
from crm.services.users import create_token, create_user
from demo.seed import seed_demo

POSTGRES = (
    "postgresql+psycopg://investatlas_test:investatlas_test@127.0.0.1:5432/investatlas_credit_bench"
)
ENTERPRISES = 2000
AMBASSADOR = "bench.dashi"
STAFF = "bench.staff"
PASSWORD = "bench-password-portal-1"
OTHERS = 200
PAGE_LIMIT = 200 * 1000


def seeded(url: str, total: int, heavy: int):
    """The app on a database holding the demo city and the referrals, seeding them when absent."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        if db.session.scalar(select(func.count()).select_from(Enterprise)) == 0:
            started = time.perf_counter()
            seed_demo(db.session, ENTERPRISES, 1, date(2026, 11, 28))
            db.session.commit()
            print(f"  seeded the demo city in {time.perf_counter() - started:.0f} s")
        if db.session.scalar(select(User.id).where(User.name == AMBASSADOR)) is None:
            started = time.perf_counter()
            _add_referrals(total, heavy)
            db.session.commit()
            print(f"  added {total:,} referrals in {time.perf_counter() - started:.0f} s")
            if db.engine.dialect.name == "postgresql":
                with db.engine.begin() as connection:
                    connection.exec_driver_sql("ANALYZE")
        counted = db.session.scalar(select(func.count()).select_from(Referral))
        ambassador = db.session.scalar(select(User).where(User.name == AMBASSADOR)).ambassador
        mine = db.session.scalar(
            select(func.count()).where(Referral.ambassador_id == ambassador.id)
        )
        # The referral to open: the ambassador's own, linked to a lead with a project.
        shown = db.session.scalar(
            select(Referral.id)
            .join(Project, Project.lead_id == Referral.lead_id)
            .where(Referral.ambassador_id == ambassador.id)
            .order_by(Referral.id)
            .limit(1)
        )
        tokens = {
            name: create_token(db.session, db.session.scalar(select(User).where(User.name == name)))
            for name in (AMBASSADOR, STAFF)
        }
        db.session.commit()
        db.session.remove()
    return app, tokens, {"referrals": counted, "mine": mine, "shown": shown}


def _add_referrals(total: int, heavy: int) -> None:
    rng = random.Random(11)
    session = db.session
    city = session.scalar(select(Unit).where(Unit.kind == "city_bureau"))
    create_user(session, STAFF, "staff", PASSWORD, unit=city)
    users = [create_user(session, AMBASSADOR, "ambassador", PASSWORD, display_name="压测大使")]
    users += [create_user(session, f"bench.dashi{n}", "ambassador", None) for n in range(OTHERS)]
    session.flush()
    ambassador_ids = [user.ambassador.id for user in users]
    session.execute(
        Ambassador.__table__.update()
        .where(Ambassador.id.in_(ambassador_ids))
        .values(appointed_on=date(2026, 1, 1), term_ends_on=date(2028, 12, 31), status="active")
    )
    leads = session.scalars(select(Lead.id).where(Lead.deleted_at.is_(None))).all()
    names = session.scalars(select(Enterprise.name).limit(3000)).all()
    started = datetime(2026, 11, 28, 9, 0)
    rows = []
    for n in range(total):
        owner = ambassador_ids[0] if n < heavy else rng.choice(ambassador_ids[1:])
        name = rng.choice(names) if rng.random() < 0.5 else f"外地投资企业{n:05d}有限公司"
        roll = rng.random()
        status, lead_id, reason = "submitted", None, None
        if roll < 0.35:
            status, lead_id = "accepted", rng.choice(leads)
        elif roll < 0.45:
            status, reason = "rejected", "与本地产业方向不符"
        elif roll < 0.5:
            status, reason = "known", "该企业此前已有推荐或已在跟进中。"
        rows.append(
            {
                "ambassador_id": owner,
                "enterprise_name": name,
                "enterprise_name_normalised": normalise_name(name),
                "contact_name": "李总",
                "contact_phone": "13812345678",
                "intended_project": "新能源汽车零部件生产基地",
                "how_known": "商会同事",
                "description": "企业有意在中西部布局新的生产基地",
                "estimated_investment_wan": Decimal(rng.randint(500, 80000)),
                "status": status,
                "rejected_reason": reason,
                "lead_id": lead_id,
                "credit_share": Decimal(1),
                "submitted_at": started - timedelta(minutes=n * 7),
                "created_at": started,
                "updated_at": started,
                "version": 1,
                "is_demo": False,
            }
        )
    for at in range(0, len(rows), 1000):
        session.execute(insert(Referral), rows[at : at + 1000])


def cases(facts: dict) -> dict[str, tuple[str, str]]:
    """Case name → (who asks, the path)."""
    return {
        "portal": (AMBASSADOR, "/portal"),
        "portal page 50": (AMBASSADOR, "/portal?page=50"),
        "a referral": (AMBASSADOR, f"/portal/referrals/{facts['shown']}"),
        "referrals api": (AMBASSADOR, "/api/v1/referrals"),
        "inbox": (STAFF, "/ambassadors/inbox"),
    }


def _browser(app, name: str):
    browser = app.test_client()
    form = browser.get("/login").text
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    answer = browser.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": csrf})
    assert answer.status_code == 302, answer.status_code
    return browser


def measure(app, tokens: dict, url: str, facts: dict, repeat: int) -> list[tuple]:
    """(name, request, server ms, bare SQL ms, statements, bytes) per case."""
    browsers = {name: _browser(app, name) for name in (AMBASSADOR, STAFF)}
    api = app.test_client()
    with app.app_context():
        engine = db.engine
        db.session.remove()
    recorder = Recorder(engine)
    bare = bare_connection(url, engine.dialect.name)
    results = []
    for name, (who, target) in cases(facts).items():
        size = {}

        def run(who=who, target=target, size=size):
            started = time.perf_counter()
            if target.startswith("/api/"):
                response = api.get(target, headers={"Authorization": f"Bearer {tokens[who]}"})
            else:
                response = browsers[who].get(target)
            assert response.status_code == 200, (target, response.status_code)
            size["bytes"] = len(response.data)
            return time.perf_counter() - started

        server = median_ms(run, repeat)
        recorder.statements.clear()
        recorder.on = True
        run()
        recorder.on = False
        statements = list(recorder.statements)
        floor = median_ms(lambda statements=statements: replay(bare, statements), repeat)
        results.append((name, target, server, floor, len(statements), size["bytes"]))
    bare.close()
    engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--referrals", type=int, default=10_000)
    parser.add_argument("--heavy", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--sqlite", type=Path)
    parser.add_argument("--postgres", default=POSTGRES)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    options = parser.parse_args()
    sqlite_path = options.sqlite or Path(tempfile.gettempdir()) / (
        f"investatlas-portal-bench-{options.referrals}.db"
    )
    databases = [] if options.no_sqlite else [f"sqlite:///{sqlite_path}"]
    if not options.no_postgres:
        databases.append(options.postgres)
    print(
        f"machine  {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}"
    )
    for url in databases:
        app, tokens, facts = seeded(url, options.referrals, options.heavy)
        with app.app_context():
            version = db.session.execute(
                text(
                    "SELECT sqlite_version()" if url.startswith("sqlite") else "SHOW server_version"
                )
            ).scalar()
            db.session.remove()
        dialect = "SQLite" if url.startswith("sqlite") else "PostgreSQL"
        print(
            f"\n{dialect} {version}: {facts['referrals']:,} referrals, {facts['mine']:,} of "
            f"the bench ambassador's; median of {options.repeat}"
        )
        print(
            f"{'case':<16}{'server ms':>10}{'bare SQL ms':>13}{'ratio':>7}{'stmts':>7}"
            f"{'kB':>8}  request"
        )
        for name, target, server, floor, count, size in measure(
            app, tokens, url, facts, options.repeat
        ):
            flags = ("" if server < 50 else " >50ms") + ("" if size < PAGE_LIMIT else " >200kB")
            print(
                f"{name:<16}{server:>10.2f}{floor:>13.2f}{server / floor:>7.1f}{count:>7}"
                f"{size / 1000:>8.1f}  {target}{flags}"
            )


if __name__ == "__main__":
    main()
