"""The demo city: a deterministic, realistic and fictional city to try the product on.

Every row is generated from one random.Random(seed) and the given day, so the same seed and day
give the same data on SQLite and PostgreSQL. Rows are written with bulk inserts and explicit ids
(no ORM round trips), which is what lets 100,000 enterprises load in well under a minute.
"""

import math
import random
import tomllib
from bisect import bisect
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import accumulate
from pathlib import Path

import shapely
from pypinyin import lazy_pinyin
from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.orm import Session
from stdnum.cn import uscc as uscc_rules
from werkzeug.security import generate_password_hash

from chainmap.definition import DEFAULT_DIR as CHAINS_DIR
from chainmap.definition import load_chain_by_key, load_local_base
from chainmap.segments import load_chain_segments, store_definition, stored_definition
from crm import models
from crm.services.demo_marks import has_demo
from crm.services.names import name_initials, normalise_name
from crm.services.search import search_columns
from crm.vocabulary import LEAD_STAGE, PROJECT_STAGE
from geo.boundaries import random_point_in
from geo.places import load_districts

DATA = Path(__file__).resolve().parents[1] / "data" / "demo"
DEMO_PASSWORD = "shiyan-demo-2026"
CHUNK = 5000

# City-scale ratios per enterprise (DESIGN.md: 100k enterprises, 300k supply links, 20k leads,
# 10k projects, 200k activities).
LINKS_PER_ENTERPRISE = 3
LEADS_PER_ENTERPRISE = 0.2
PROJECTS_PER_ENTERPRISE = 0.1
ACTIVITIES_PER_ENTERPRISE = 2

# How many enterprises a segment attracts, by the city's local base in it.
LOCAL_WEIGHT = {"strong": 10.0, "present": 3.0, "gap": 0.05}
# Outside enterprises (targets) sit mostly where the city is thin.
TARGET_WEIGHT = {"strong": 0.5, "present": 2.0, "gap": 5.0}
OUTSIDE_SHARE = 0.1
# The organisers of the chain: the biggest local maker in these segments becomes 链主.
CHAIN_LEADER_SEGMENTS = ("D101", "D102", "D104", "D106", "M101", "M201")

INDUSTRY_CODES = {  # GB/T 4754 class by category (first segment's category)
    "U1": "3130", "U2": "2913", "U3": "3985", "U4": "3973", "M1": "3620", "M2": "3670",
    "M3": "3660", "M4": "3670", "M5": "3841", "M6": "3849", "M7": "3670", "M8": "3670",
    "M9": "3670", "M10": "3670", "D1": "3611", "D2": "5261", "S1": "7320",
}  # fmt: skip

# Stages come from crm.vocabulary, so a city that renames or adds stages keeps a working demo:
# each lead stage holds fewer leads than the one before; the last lead stage is the signing.
LEAD_STAGES = LEAD_STAGE.keys
# How far a lead is meant to go (the stage it stops at unless today comes first): about one in
# three is signed; dwell times in days at each step.
LEAD_TARGET_WEIGHTS = (*(0.8**index for index in range(len(LEAD_STAGES) - 1)), 1.6)
LEAD_DWELL_DAYS = ((10, 60), (20, 90), (20, 120), (30, 150))
SIGNED = LEAD_STAGES[-1]
LEAD_SOURCE_WEIGHTS = {"business_referral": 25, "ambassador": 12, "exhibition": 15,
                       "intermediary": 10, "online": 8, "walk_in": 10, "chain_targeting": 18,
                       "other": 2}  # fmt: skip
PROJECT_STAGES = PROJECT_STAGE.keys
STARTED = {term.key for term in PROJECT_STAGE if term.pool != "reserve"}
# Days from one project stage to the next: ready to start, start, construction, completion, full
# production (a city that adds a stage gets 30 to 180 days for it).
PROJECT_DWELL_DAYS = ((15, 60), (15, 120), (45, 120), (270, 720), (90, 360))
# The history: three full years before today's, more work each year.
HISTORY_YEARS = 3
GROWTH = 0.2
CREATED_AT, CHANGED_AT = time(10, 0), time(15, 0)


# What each demo log-in sees, as crm.services.scope decides it (tests/demo/test_scope.py checks
# the words against what the services show).
CITY_NOTE = "市招商局：全市的线索、项目和企业 / city bureau: the whole city"
DISTRICT_NOTE = (
    "本区县（含所辖园区）的线索和项目；企业全市可查，只改本区县 / district bureau: its own "
    "and its parks' leads and projects; reads every enterprise, changes its district's"
)
OFFICIAL_NOTE = "领导，看全市"


class DemoError(Exception):
    """The demo city cannot be loaded as asked; the message says why."""


@dataclass
class Summary:
    counts: dict[str, int] = field(default_factory=dict)
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # (name, role, note)


def seed_demo(
    session: Session, enterprises: int = 2000, seed: int = 1, today: date | None = None
) -> Summary:
    """Load the demo city into a database that has none yet; returns what was made."""
    if enterprises < 50:
        raise DemoError("至少需要 50 家企业 / at least 50 enterprises")
    if has_demo(session):
        raise DemoError("示例数据已经加载 / the demo data is already loaded")
    return DemoCity(session, enterprises, seed, today or date.today()).build()


class DemoCity:
    def __init__(self, session: Session, enterprises: int, seed: int, today: date):
        self.session = session
        self.n = enterprises
        self.seed = seed
        self.rng = random.Random(seed)
        self.today = today
        self.now = datetime.combine(today, time(9, 0))
        self.history_start = date(today.year - HISTORY_YEARS, 1, 1)
        self.vocab = tomllib.loads((DATA / "shiyan.toml").read_text(encoding="utf-8"))
        self.chain = load_chain_by_key(self.vocab["chain"])
        self.local_base = load_local_base(DATA / "shiyan-chain-base.toml")
        self.summary = Summary()
        self._next_id: dict[str, int] = {}
        self._initials: dict[str, str] = {}

    # -- plumbing ---------------------------------------------------------------------------

    def ids(self, table: Table, count: int) -> range:
        """Explicit ids after the table's current maximum, so rows can refer to each other."""
        if table.name not in self._next_id:
            current = self.session.scalar(select(func.max(table.c.id))) or 0
            self._next_id[table.name] = current + 1
        start = self._next_id[table.name]
        self._next_id[table.name] = start + count
        return range(start, start + count)

    def write(self, table: Table, rows: list[dict], indexed_by_trigger: bool = False) -> None:
        statement = insert(table)
        if indexed_by_trigger:
            # RETURNING makes SQLAlchemy send many rows per INSERT instead of one each: SQLite's
            # FTS5 flushes its index at every statement that fires the search triggers, which
            # row by row took 8.7 s instead of 3.0 s for 100,000 enterprises.
            statement = statement.returning(table.c.id)
        for start in range(0, len(rows), CHUNK):
            self.session.execute(statement, rows[start : start + CHUNK])
        self.summary.counts[table.name] = self.summary.counts.get(table.name, 0) + len(rows)

    def write_with_ids(self, table: Table, rows: list[dict], demo: bool = False) -> None:
        """Stamp the rows, give them the next ids in order, and write them."""
        for row, row_id in zip(rows, self.ids(table, len(rows)), strict=True):
            self.stamp(row, demo=demo)["id"] = row_id
        self.write(table, rows)

    def stamp(self, row: dict, demo: bool = True) -> dict:
        row.setdefault("created_at", self.now)
        row.setdefault("updated_at", self.now)
        if demo:
            row["is_demo"] = True
        return row

    def days_ago(self, low: int, high: int) -> date:
        return self.today - timedelta(days=self.rng.randint(low, high))

    def person(self) -> str:
        people = self.vocab["people"]
        given = self.rng.choice(people["given"])
        if self.rng.random() < 0.7:
            given += self.rng.choice(people["given"])
        return self.rng.choice(people["surnames"]) + given

    def lognormal(self, median: float, sigma: float) -> float:
        return median * math.exp(self.rng.gauss(0, sigma))

    # -- the city ---------------------------------------------------------------------------

    def build(self) -> Summary:
        self.load_reference_data()
        self.make_batch()
        self.make_units()
        self.make_parks()
        self.make_users()
        self.make_events()
        self.make_enterprises()
        self.make_supply_links()
        self.make_contacts()
        self.make_leads()
        self.make_projects()
        self.make_activities()
        self.make_service_requests()
        self.make_ambassadors()
        self.make_targets_and_rules()
        self.finish()
        return self.summary

    def load_reference_data(self) -> None:
        """Districts and chain segments are real reference data, not demo rows."""
        boundaries = load_districts(self.session)
        rows = load_chain_segments(self.session, self.chain)
        if stored_definition(self.session, self.chain.key) is None:
            text = (CHAINS_DIR / f"{self.chain.key}.toml").read_text(encoding="utf-8")
            store_definition(self.session, self.chain, text)
        districts = {d.code: d for d in self.session.scalars(select(models.District))}
        self.district_id = {code: district.id for code, district in districts.items()}
        self.district_name = {code: district.name for code, district in districts.items()}
        self.geometry = {boundary.code: boundary.geometry for boundary in boundaries}
        self.parent_code = {b.code: b.parent_code or b.code for b in boundaries}
        self.segment_id = {code: row.id for code, row in rows.items()}
        self.segments = list(self.chain.segments)

    def make_batch(self) -> None:
        table = models.ImportBatch.__table__
        (self.batch_id,) = self.ids(table, 1)
        self.write(table, [self.stamp({
            "id": self.batch_id, "kind": "demo", "row_count": 0,
            "file_name": f"seed-demo --enterprises {self.n} --seed {self.seed}",
        }, demo=False)])  # fmt: skip

    def make_units(self) -> None:
        table = models.Unit.__table__
        specs = list(self.vocab["units"])
        city_bureau = specs[0]["name"]
        for code in self.vocab["district_weights"]:
            specs.append({"name": f"{self.district_name[code]}招商局", "kind": "district_bureau",
                          "parent": city_bureau, "district": code})  # fmt: skip
        for park in self.vocab["parks"]:
            county = self.parent_code[park["district"]]
            specs.append({"name": f"{park['name']}管委会", "kind": "park_committee",
                          "parent": f"{self.district_name[county]}招商局",
                          "district": park["district"]})  # fmt: skip
        ids = self.ids(table, len(specs))
        self.unit_id = {spec["name"]: unit_id for spec, unit_id in zip(specs, ids, strict=True)}
        self.write(table, [self.stamp({
            "id": self.unit_id[spec["name"]], "name": spec["name"], "kind": spec["kind"],
            "parent_id": self.unit_id.get(spec.get("parent")),
            "district_id": self.district_id.get(spec.get("district")),
        }) for spec in specs])  # fmt: skip
        self.city_bureau_id = self.unit_id[city_bureau]
        self.bureau_of = {code: self.unit_id[f"{self.district_name[code]}招商局"]
                          for code in self.vocab["district_weights"]}  # fmt: skip
        self.task_teams = [self.unit_id[s["name"]] for s in specs if s["kind"] == "task_team"]
        self.departments = [self.unit_id[s["name"]] for s in specs if s["kind"] != "park_committee"]

    def make_parks(self) -> None:
        table = models.Park.__table__
        parks = self.vocab["parks"]
        ids = self.ids(table, len(parks))
        rows = []
        self.parks_in: dict[str, list[tuple[int, float, float]]] = {}
        for park, park_id in zip(parks, ids, strict=True):
            lon, lat = self.inside(park["district"], park["lon"], park["lat"], 0.0)
            county = self.parent_code[park["district"]]
            self.parks_in.setdefault(county, []).append((park_id, lon, lat))
            rows.append(self.stamp({
                "id": park_id, "name": park["name"], "district_id": self.district_id[park["district"]],
                "lon": lon, "lat": lat, "land_available_mu": Decimal(park["land_mu"]),
            }))  # fmt: skip
        self.write(table, rows)

    def inside(self, code: str, lon: float, lat: float, spread: float) -> tuple[float, float]:
        """A point near (lon, lat) that lies inside the district or zone `code`."""
        geometry = self.geometry[code]
        for _ in range(20):
            x = lon + self.rng.gauss(0, spread) if spread else lon
            y = lat + self.rng.gauss(0, spread) if spread else lat
            if shapely.contains_xy(geometry, x, y):
                return round(x, 6), round(y, 6)
            spread = spread or 0.01
        x, y = random_point_in(geometry, self.rng)
        return round(x, 6), round(y, 6)

    def make_users(self) -> None:
        table = models.User.__table__
        password_hash = generate_password_hash(DEMO_PASSWORD)  # one hash: hashing is slow
        specs = [("admin", "admin", "系统管理员", None, False, "管理员 / administrator")]
        specs.append(("zhaoshang", "staff", "市招商局 " + self.person(), self.city_bureau_id,
                      False, CITY_NOTE))  # fmt: skip
        for code in self.vocab["district_weights"]:
            login = "".join(lazy_pinyin(self.district_name[code][:-1]))
            specs.append((login, "staff", f"{self.district_name[code]} {self.person()}",
                          self.bureau_of[code], False,
                          f"{self.district_name[code]}招商局：{DISTRICT_NOTE}"))  # fmt: skip
        titles = ["市长", "常务副市长", "副市长", "副市长", "市招商局局长", "市发改委主任"]
        for number, title in enumerate(titles, 1):
            specs.append((f"leader{number}", "official", f"{self.person()}（{title}）", None,
                          number <= 2, f"{OFFICIAL_NOTE}，可核验签约 / official: the whole city "
                          "(read only), may verify" if number <= 2
                          else f"{OFFICIAL_NOTE} / official: the whole city (read only)"))  # fmt: skip
        ambassador_count = max(9, self.n // 2000)
        kinds = (["investment_ambassador"] * 6 + ["talent_ambassador"] * 2
                 + ["honorary_citizen"])  # fmt: skip
        self.ambassador_users = []
        for number in range(1, ambassador_count + 1):
            kind = kinds[(number - 1) % len(kinds)]
            specs.append((f"ambassador{number}", "ambassador", self.person(), None, False, kind))
        taken = sorted(self.session.scalars(
            select(models.User.name).where(models.User.name.in_([spec[0] for spec in specs]))
        ))  # fmt: skip
        if taken:
            raise DemoError(
                f"示例账号与已有用户重名 / demo log-ins already taken: {', '.join(taken)}"
            )
        ids = self.ids(table, len(specs))
        rows = []
        self.staff_of: dict[int | None, list[int]] = {}
        self.officials = []
        for (login, role, display, unit, verify, note), user_id in zip(specs, ids, strict=True):
            rows.append(self.stamp({
                "id": user_id, "name": login, "display_name": display, "role": role,
                "unit_id": unit, "can_verify": verify, "password_hash": password_hash,
                "active": True,
            }))  # fmt: skip
            if role == "staff":
                self.staff_of.setdefault(unit, []).append(user_id)
            elif role == "official":
                self.officials.append(user_id)
            elif role == "ambassador":
                self.ambassador_users.append((user_id, note))
            if role != "ambassador" or login in ("ambassador1", "ambassador7", "ambassador9"):
                self.summary.logins.append((login, role, note))
        self.staff = [user for users in self.staff_of.values() for user in users]
        self.write(table, rows)

    def make_events(self) -> None:
        table = models.Event.__table__
        events = self.vocab["events"]["names"]
        ids = self.ids(table, len(events))
        self.events_of_kind: dict[str, list[int]] = {}
        rows = []
        for spec, event_id in zip(events, ids, strict=True):
            starts = self.days_ago(10, 300)
            self.events_of_kind.setdefault(spec["kind"], []).append(event_id)
            rows.append(self.stamp({
                "id": event_id, "name": f"{starts.year}年{spec['name']}", "kind": spec["kind"],
                "starts_on": starts, "ends_on": starts + timedelta(days=self.rng.randint(0, 2)),
                "location": self.vocab["city"],
            }))  # fmt: skip
        self.write(table, rows)

    # -- enterprises ------------------------------------------------------------------------

    def company_name(self, words: list[str], used: set[str], city: str) -> tuple[str, str]:
        """A new company name and its pinyin initials (from cached parts: pypinyin is slow)."""
        vocab = self.vocab
        for _ in range(50):
            parts = (city, self.rng.choice(vocab["brand_first"]),
                     self.rng.choice(vocab["brand_second"]), self.rng.choice(words),
                     self.rng.choice(vocab["suffixes"]))  # fmt: skip
            name = "".join(parts)
            if name not in used:
                used.add(name)
                return name, "".join(map(self.initials, parts))
        name = f"{name[:-4]}{len(used)}{name[-4:]}"
        used.add(name)
        return name, name_initials(name)

    def initials(self, part: str) -> str:
        if part not in self._initials:
            self._initials[part] = name_initials(part)
        return self._initials[part]

    def credit_code(self, index: int, area: str) -> str:
        organisation = f"{(index * 7919 + self.seed * 104729) % 10**8:08d}{self.rng.randrange(10)}"
        body = f"91{area}{organisation}"
        return body + uscc_rules.calc_check_digit(body)

    def make_enterprises(self) -> None:
        table = models.Enterprise.__table__
        rng, n = self.rng, self.n
        codes = [segment.code for segment in self.segments]
        category_of = {segment.code: segment.category_code for segment in self.segments}
        local_cum = list(accumulate(LOCAL_WEIGHT[self.local_base[c]] for c in codes))
        target_cum = list(accumulate(TARGET_WEIGHT[self.local_base[c]] for c in codes))
        district_codes = list(self.vocab["district_weights"])
        district_cum = list(accumulate(self.vocab["district_weights"].values()))
        words = self.vocab["category_words"]
        used_names: set[str] = set()

        ids = self.ids(table, n)
        self.enterprise_ids = ids
        self.local_by_segment: dict[str, list[int]] = {code: [] for code in codes}
        self.all_by_segment: dict[str, list[int]] = {code: [] for code in codes}
        self.outside: list[int] = []
        self.local: list[int] = []
        self.enterprise_name: dict[int, str] = {}
        self.enterprise_county: dict[int, str] = {}
        rows, segment_rows, tag_rows, output_of = [], [], [], {}
        for index, enterprise_id in enumerate(ids):
            is_local = rng.random() >= OUTSIDE_SHARE
            cum = local_cum if is_local else target_cum
            segment = codes[bisect(cum, rng.random() * cum[-1])]
            category = category_of[segment]
            if is_local:
                county = district_codes[bisect(district_cum, rng.random() * district_cum[-1])]
                city, area = "十堰", county
            else:
                place = rng.choice(self.vocab["outside_cities"])
                county, city, area = None, place["name"], place["code"]
            name, initials = self.company_name(words[category], used_names, city)
            output = round(self.lognormal(700 if is_local else 20000, 1.5), 1)
            output_of[enterprise_id] = output
            lon = lat = park_id = None
            if county:
                parks = self.parks_in.get(county, [])
                if parks and rng.random() < 0.7:
                    park_id, park_lon, park_lat = rng.choice(parks)
                    lon, lat = self.inside(county, park_lon, park_lat, 0.015)
                else:
                    lon, lat = random_point_in(self.geometry[county], rng)
                    lon, lat = round(lon, 6), round(lat, 6)
            employees = max(3, int(output / rng.uniform(40, 120)))
            row = self.stamp({
                "id": enterprise_id,
                "uscc": self.credit_code(index, area) if rng.random() < 0.97 else None,
                "name": name,
                "name_normalised": normalise_name(name),
                "name_initials": initials,
                "aliases": [],
                **search_columns(name, [], initials),
                "is_leading": False,
                "is_chain_leader": False,
                "is_above_scale": output >= 2000,
                "is_local": is_local,
                "district_id": self.district_id[county] if county else None,
                "park_id": park_id,
                "lon": lon,
                "lat": lat,
                "land_mu": Decimal(f"{output / rng.uniform(150, 600) + 2:.2f}") if county else None,
                "output_wan": Decimal(f"{output:.1f}"),
                "tax_wan": Decimal(f"{output * rng.uniform(0.02, 0.06):.1f}"),
                "employees": employees,
                "rd_spend_wan": Decimal(f"{output * rng.uniform(0.005, 0.05):.1f}"),
                "energy_tce": Decimal(f"{output * rng.uniform(0.01, 0.08):.1f}"),
                "emissions_t": Decimal(f"{output * rng.uniform(0.002, 0.03):.2f}"),
                "safety_rating": rng.choices("ABCD", (50, 35, 12, 3))[0],
                "environment_rating": rng.choices("ABCD", (45, 38, 13, 4))[0],
                # Counted back from today: the same draws whatever the year (determinism).
                "established_on": self.today - timedelta(days=rng.randint(400, 57 * 365)),
                "registered_capital_wan": Decimal(rng.choice((50, 100, 200, 500, 1000, 3000,
                                                              5000, 10000))),
                "legal_representative": self.person(),
                "address": f"{city}市{rng.choice(self.vocab['brand_first'])}"
                           f"{rng.choice(self.vocab['brand_second'])}路{rng.randint(1, 300)}号",
                "industry_code": INDUSTRY_CODES.get(category),
                "import_batch_id": self.batch_id,
            })  # fmt: skip
            rows.append(row)
            self.enterprise_name[enterprise_id] = name
            segment_rows.append({"enterprise_id": enterprise_id,
                                 "segment_id": self.segment_id[segment]})  # fmt: skip
            if rng.random() < 0.15:  # a second segment in the same category
                sibling = rng.choice([c for c in codes if category_of[c] == category])
                if sibling != segment:
                    segment_rows.append({"enterprise_id": enterprise_id,
                                         "segment_id": self.segment_id[sibling]})  # fmt: skip
            self.all_by_segment[segment].append(enterprise_id)
            if is_local:
                self.local.append(enterprise_id)
                self.local_by_segment[segment].append(enterprise_id)
                self.enterprise_county[enterprise_id] = county
            else:
                self.outside.append(enterprise_id)
            for tag, chance in (
                ("listed", 0.01),
                ("specialised", 0.03 if output >= 2000 else 0.005),
                ("state_owned", 0.01),
                ("foreign", 0.015),
                ("fortune500", 0.001),
            ):
                if rng.random() < chance:
                    tag_rows.append({"enterprise_id": enterprise_id, "tag": tag})  # fmt: skip
        self.mark_leaders(rows, output_of, tag_rows)
        self.write(table, rows, indexed_by_trigger=True)
        self.write(models.enterprise_segments, segment_rows)
        self.write(models.EnterpriseTag.__table__, _unique(tag_rows))
        self.make_enterprise_years(rows)

    def mark_leaders(self, rows: list[dict], output_of: dict[int, float], tags: list[dict]):
        """链主: the biggest local maker of each organising segment, grown to its real size.
        龙头: the three biggest local firms of every segment that has any."""
        by_id = {row["id"]: row for row in rows}
        self.chain_leaders = []
        for code in CHAIN_LEADER_SEGMENTS:
            members = self.local_by_segment.get(code) or []
            if not members:
                continue
            leader = max(members, key=output_of.__getitem__)
            row = by_id[leader]
            output = self.lognormal(1_500_000, 0.4)
            row.update(is_chain_leader=True, is_leading=True, is_above_scale=True,
                       output_wan=Decimal(f"{output:.1f}"),
                       tax_wan=Decimal(f"{output * 0.04:.1f}"),
                       employees=int(output / 90), land_mu=Decimal(f"{output / 400:.2f}"))  # fmt: skip
            tags.extend([{"enterprise_id": leader, "tag": "state_owned"},
                         {"enterprise_id": leader, "tag": "fortune500"}])  # fmt: skip
            output_of[leader] = output
            self.chain_leaders.append(leader)
        for members in self.local_by_segment.values():
            for enterprise_id in sorted(members, key=output_of.__getitem__, reverse=True)[:3]:
                if output_of[enterprise_id] >= 20_000:
                    by_id[enterprise_id]["is_leading"] = True

    def make_enterprise_years(self, rows: list[dict]) -> None:
        """Three years of figures for enterprises above designated size (亩均 reads them)."""
        table = models.EnterpriseYear.__table__
        above = [row for row in rows if row["is_above_scale"]]
        years = []
        for row in above:
            output = float(row["output_wan"])
            for back in (3, 2, 1):
                factor = (1 + self.rng.uniform(-0.05, 0.15)) ** -back
                years.append({
                    "enterprise_id": row["id"], "year": self.today.year - back,
                    "output_wan": Decimal(f"{output * factor:.1f}"),
                    "value_added_wan": Decimal(f"{output * factor * 0.28:.1f}"),
                    "tax_wan": Decimal(f"{float(row['tax_wan']) * factor:.1f}"),
                    "energy_tce": Decimal(f"{float(row['energy_tce']) * factor:.1f}"),
                    "emissions_t": Decimal(f"{float(row['emissions_t']) * factor:.2f}"),
                    "employees": row["employees"],
                    "rd_spend_wan": Decimal(f"{float(row['rd_spend_wan']) * factor:.1f}"),
                })  # fmt: skip
        self.write_with_ids(table, years)

    def make_supply_links(self) -> None:
        """Local buyers and their suppliers along the chain's flows; 链主 buy the most."""
        table = models.SupplyLink.__table__
        rng = self.rng
        leaders = set(self.chain_leaders)
        flows = [(s, b) for s, b in self.chain.flows
                 if self.all_by_segment[s] and self.local_by_segment[b]]  # fmt: skip
        if not flows:
            return
        flow_cum = list(accumulate(
            math.sqrt(len(self.all_by_segment[s]) * len(self.local_by_segment[b])) for s, b in flows
        ))  # fmt: skip
        buyer_cum = {}
        for _, buyer in flows:
            if buyer not in buyer_cum:
                members = self.local_by_segment[buyer]
                weights = (200 if m in leaders else 1 for m in members)
                buyer_cum[buyer] = (members, list(accumulate(weights)))
        target = self.n * LINKS_PER_ENTERPRISE
        seen: set[tuple[int, int, int]] = set()
        rows = []
        attempts = 0
        while len(rows) < target and attempts < target * 3:
            attempts += 1
            supplier_segment, buyer_segment = flows[bisect(flow_cum, rng.random() * flow_cum[-1])]
            supplier = rng.choice(self.all_by_segment[supplier_segment])
            members, cum = buyer_cum[buyer_segment]
            customer = members[bisect(cum, rng.random() * cum[-1])]
            key = (supplier, customer, self.segment_id[supplier_segment])
            if supplier == customer or key in seen:
                continue
            seen.add(key)
            rows.append({"supplier_id": supplier, "customer_id": customer, "segment_id": key[2],
                         "share": round(rng.uniform(0.05, 0.6), 3)})  # fmt: skip
        self.write_with_ids(table, rows)

    def make_contacts(self) -> None:
        table = models.Contact.__table__
        chosen = self.rng.sample(self.enterprise_ids, k=int(self.n * 0.2))
        titles = self.vocab["people"]["titles"]
        rows = [self.stamp({
            "id": contact_id, "enterprise_id": enterprise_id, "name": self.person(),
            "title": self.rng.choice(titles),
            "phone": f"1{self.rng.choice('3589')}{self.rng.randrange(10**9):09d}",
            "email": f"contact{contact_id}@example.com",
        }, demo=False) for enterprise_id, contact_id in zip(
            chosen, self.ids(table, len(chosen)), strict=True)]  # fmt: skip
        self.write(table, rows)

    # -- leads and projects -----------------------------------------------------------------

    def owner_unit(self, county: str | None) -> int:
        if county and self.rng.random() < 0.75:
            return self.bureau_of[county]
        return self.rng.choice([self.city_bureau_id, *self.task_teams])

    def owner_user(self, unit: int) -> int:
        return self.rng.choice(self.staff_of.get(unit) or self.staff_of[self.city_bureau_id])

    def make_leads(self) -> None:
        """Leads created over the history (more each year), each walking the stages in order
        with a few weeks to months at each; a step that would fall on or after today is not
        taken, so the stage is the last one reached and the last signings are recent."""
        table = models.Lead.__table__
        rng = self.rng
        count = int(self.n * LEADS_PER_ENTERPRISE)
        sources, source_weights = zip(*LEAD_SOURCE_WEIGHTS.items(), strict=True)
        lead_vocab = self.vocab["lead"]
        county_codes = list(self.vocab["district_weights"])
        rows, changes = [], []
        self.signed_leads = []
        self.ambassador_leads = []
        self.lead_ids = self.ids(table, count)
        self.lead_span: list[tuple[date, date]] = []  # (created, last stage change) per lead
        for number, lead_id in enumerate(self.lead_ids):
            outside = rng.random() < 0.7 and self.outside
            enterprise = rng.choice(self.outside if outside else self.local)
            county = self.enterprise_county.get(enterprise) or rng.choice(county_codes)
            aim = rng.choices(range(len(LEAD_STAGES)), LEAD_TARGET_WEIGHTS)[0]
            created = self.growing_day(
                self.history_start - timedelta(days=540),
                self.today - timedelta(days=5),
                (number + rng.random()) / count,
            )
            dates = self.walk(created, aim, LEAD_DWELL_DAYS)
            stage_index = len(dates) - 1
            stage = LEAD_STAGES[stage_index]
            signed_on = dates[-1] if stage == SIGNED else None
            idle = (self.today - dates[-1]).days
            if stage == SIGNED:
                status = "active"
            elif stage_index == aim and idle > 120:  # it went no further: most such leads go cold
                status = rng.choices(("active", "on_hold", "lost"), (25, 30, 45))[0]
            else:
                status = rng.choices(("active", "on_hold", "lost"), (85, 10, 5))[0]
            unit = self.owner_unit(county)
            source = rng.choices(sources, source_weights)[0]
            intended = self.lognormal(5000, 1.1)
            short = self.enterprise_name[enterprise].removesuffix("有限公司")[:12]
            active = status == "active" and stage != SIGNED
            rows.append(self.stamp({
                "id": lead_id, "name": f"{short}{rng.choice(('扩能', '新建', '配套', '生产基地', '研发中心'))}项目",
                "enterprise_id": enterprise, "source": source, "stage": stage, "status": status,
                "lost_reason": rng.choice(lead_vocab["lost_reasons"]) if status == "lost" else None,
                "intended_investment_wan": Decimal(f"{intended:.0f}"),
                "sector": rng.choices(("industry", "services", "infrastructure", "agriculture"),
                                      (80, 10, 5, 5))[0],
                "owner_unit_id": unit, "credited_unit_id": unit, "owner_id": self.owner_user(unit),
                "likelihood": round(100 * (stage_index + 1) / len(LEAD_STAGES)),
                "next_step": rng.choice(lead_vocab["next_steps"]) if active else None,
                "next_step_on": self.today + timedelta(days=rng.randint(-20, 40)) if active else None,
                "signed_amount_wan": Decimal(f"{intended * rng.uniform(0.8, 1.1):.0f}")
                if signed_on else None,
                "signed_on": signed_on,
                "event_id": rng.choice(self.events_of_kind["signing_ceremony"])
                if signed_on and (self.today - signed_on).days < 300 and rng.random() < 0.3
                else None,
                "import_batch_id": self.batch_id,
                "created_at": datetime.combine(created, CREATED_AT),
                "updated_at": datetime.combine(dates[-1], CHANGED_AT),
            }))  # fmt: skip
            changes.extend(self.stage_history("lead", lead_id, LEAD_STAGES, dates))
            self.lead_span.append((created, dates[-1]))
            if signed_on:
                self.signed_leads.append(rows[-1])
            if source == "ambassador":
                self.ambassador_leads.append(lead_id)
        self.write(table, rows)
        self.write_with_ids(models.StageChange.__table__, changes)

    def growing_day(self, start: date, end: date, share: float | None = None) -> date:
        """A day from start to end (inclusive), later days likelier: the bureau's work grows by
        GROWTH a year (an exponential density, drawn by its inverse at `share`, a random one
        unless given: records numbered in order take (number + random) / count, so each year
        gets its due share instead of a lucky or unlucky draw)."""
        span = (end - start).days
        rate = math.log(1 + GROWTH) / 365
        share = self.rng.random() if share is None else share
        offset = math.log(1 + share * math.expm1(rate * span)) / rate
        return start + timedelta(days=min(span, int(offset)))

    def walk(self, start: date, aim: int, dwell: tuple[tuple[int, int], ...]) -> list[date]:
        """The days a record entered stage 0, 1, … up to stage `aim`, `dwell[i]` days (low,
        high) after the one before; steps stop before today, so every day is in the past."""
        dates = [start]
        for step in range(1, aim + 1):
            low, high = dwell[step - 1] if step - 1 < len(dwell) else (30, 180)
            day = dates[-1] + timedelta(days=self.rng.randint(low, high))
            if day >= self.today:
                break
            dates.append(day)
        return dates

    def stage_history(self, subject, record_id, stage_order, dates: list[date]) -> list[dict]:
        """None → the first stage on dates[0], then each next stage on the next day given: in
        the vocabulary's order, each change after the one before (the record is created at
        CREATED_AT, later changes happen at CHANGED_AT)."""
        changes, previous = [], None
        for step, day in zip(stage_order, dates, strict=False):
            moment = CREATED_AT if previous is None else CHANGED_AT
            changes.append({"subject": subject, "lead_id": None, "project_id": None,
                            f"{subject}_id": record_id, "from_stage": previous,
                            "to_stage": step, "changed_at": datetime.combine(day, moment)})  # fmt: skip
            previous = step
        return changes

    def make_projects(self) -> None:
        """About four in five signed leads land as projects on their signing day; the rest are
        expansions and upgrades of local firms signed over the history. Each then walks the
        stages (a few stall), and its start, statistics and funds follow from that walk."""
        table = models.Project.__table__
        rng = self.rng
        count = int(self.n * PROJECTS_PER_ENTERPRISE)
        county_codes = list(self.vocab["district_weights"])
        specs = []
        for lead in self.signed_leads:  # about four in five signed leads have landed
            if rng.random() < 0.8 and len(specs) < count:
                specs.append(lead)
        specs.extend([None] * (count - len(specs)))
        rows, changes = [], []
        self.project_rows = rows
        self.stage_days: dict[int, list[date]] = {}
        last = len(PROJECT_STAGES) - 1
        led = count - specs.count(None)
        ids = self.ids(table, len(specs))
        for number, (spec, project_id) in enumerate(zip(specs, ids, strict=True)):
            if spec:
                enterprise, signed_on = spec["enterprise_id"], spec["signed_on"]
                total, name = float(spec["signed_amount_wan"]), spec["name"]
                project_type, sector = "new_build", spec["sector"]
            else:
                enterprise = rng.choice(self.local)
                signed_on = self.growing_day(self.history_start - timedelta(days=300),
                                             self.today - timedelta(days=1),
                                             (number - led + rng.random()) / (count - led))  # fmt: skip
                total = self.lognormal(5000, 1.1)
                project_type = rng.choices(("new_build", "expansion", "upgrade"), (40, 30, 30))[0]
                sector = rng.choices(("industry", "services", "infrastructure", "agriculture"),
                                     (75, 10, 10, 5))[0]  # fmt: skip
                label = {"new_build": "新建", "expansion": "扩建", "upgrade": "技术改造"}[
                    project_type
                ]
                name = (
                    f"{self.enterprise_name[enterprise].removesuffix('有限公司')[:12]}{label}项目"
                )
            stalls = rng.random() < 0.12  # some stop at a stage and go no further
            aim = rng.randint(0, last - 1) if stalls else last
            dates = self.walk(signed_on, aim, PROJECT_DWELL_DAYS)
            position = len(dates) - 1
            stage = PROJECT_STAGES[position]
            self.stage_days[project_id] = dates
            if stalls and position == aim and (self.today - dates[-1]).days > 90:
                status = rng.choices(("lagging", "suspended"), (60, 40))[0]
            elif position == last:
                status = "on_track"
            else:
                status = rng.choices(("on_track", "lagging"), (85, 15))[0]
            county = self.enterprise_county.get(enterprise) or rng.choice(county_codes)
            parks = self.parks_in.get(county, [])
            started_on = next(
                (day for key, day in zip(PROJECT_STAGES, dates, strict=False) if key in STARTED),
                None,
            )
            done_share = (position / last) ** 1.6  # spending follows the stage, slowly at first
            statistics_on = (
                started_on + timedelta(days=rng.randint(10, 60))
                if started_on and rng.random() < 0.75 else None
            )  # fmt: skip
            if statistics_on and statistics_on >= self.today:
                statistics_on = None
            completed_on = dict(zip(PROJECT_STAGES, dates, strict=False)).get("completed")
            full_output = full_tax = None
            if stage == "in_production":
                # Its own generator: the figures at full production shift no other number.
                figures = random.Random(project_id)
                full_output = Decimal(f"{total * figures.uniform(0.8, 2.5):.0f}")
                full_tax = Decimal(f"{float(full_output) * figures.uniform(0.03, 0.08):.0f}")
            # A converted lead's project stays with the unit that won it, as conversion keeps it.
            unit = spec["owner_unit_id"] if spec else self.owner_unit(county)
            rows.append(self.stamp({
                "id": project_id, "name": name, "lead_id": spec["id"] if spec else None,
                "enterprise_id": enterprise, "project_type": project_type, "sector": sector,
                "district_id": self.district_id[county],
                "park_id": rng.choice(parks)[0] if parks and rng.random() < 0.8 else None,
                "owner_unit_id": unit, "total_investment_wan": Decimal(f"{total:.0f}"),
                "funds_in_place_wan": Decimal(0),  # the sum of its arrivals, below
                "land_mu": Decimal(f"{total / rng.uniform(150, 500):.1f}"),
                "stage": stage, "status": status, "leader_id": rng.choice(self.officials),
                "team_unit_id": rng.choice(self.task_teams),
                "plan": "按节点计划推进前期手续、建设和投产，专班每周跟进，问题清单销号管理。",
                "planned_investment_this_year_wan": Decimal(f"{total * 0.3:.0f}"),
                "completed_investment_this_year_wan": Decimal(f"{total * 0.3 * done_share:.0f}"),
                "jobs": int(total / rng.uniform(20, 60)),
                "in_statistics": statistics_on is not None,
                "in_statistics_on": statistics_on,
                "signed_on": signed_on, "started_on": started_on, "completed_on": completed_on,
                "full_output_wan": full_output, "full_tax_wan": full_tax,
                "event_id": rng.choice(self.events_of_kind["groundbreaking"])
                if started_on and (self.today - started_on).days < 300 and rng.random() < 0.2
                else None,
                "import_batch_id": self.batch_id,
                "created_at": datetime.combine(signed_on, CREATED_AT),
                "updated_at": datetime.combine(dates[-1], CHANGED_AT),
            }))  # fmt: skip
            changes.extend(self.stage_history("project", project_id, PROJECT_STAGES, dates))
        self.make_project_details(rows)
        self.write(table, rows)
        self.write_with_ids(models.StageChange.__table__, changes)
        self.write_project_details()

    def make_project_details(self, projects: list[dict]) -> None:
        """Team, milestones, progress, funds, problems and supervision items of each project,
        dated within its history: funds after the signing, progress after the start."""
        rng = self.rng
        vocab = self.vocab["project"]
        members, milestones, progress, funds, problems, items = [], [], [], [], [], []
        yesterday = self.today - timedelta(days=1)
        for project in projects:
            project_id = project["id"]
            for user in rng.sample(self.staff, k=min(2, len(self.staff))):
                members.append({"project_id": project_id, "user_id": user, "duty": "专班成员"})
            signed = project["signed_on"]
            dates = self.stage_days[project_id]
            position = len(dates) - 1
            overdue_one = None
            for number, (name, actual) in enumerate(self.milestone_days(dates)):
                planned = signed + timedelta(days=45 * (number + 1))
                done_before = number and milestones[-1]["status"] == "done"
                status = (
                    "done" if actual else "in_progress" if number == 0 or done_before else "pending"
                )
                milestones.append({"project_id": project_id, "name": name, "planned_on": planned,
                                   "actual_on": actual, "status": status,
                                   "owner_id": rng.choice(self.staff)})  # fmt: skip
                if not actual and planned < self.today and overdue_one is None:
                    overdue_one = len(milestones) - 1
            total = float(project["total_investment_wan"])
            start = project["started_on"]
            arrived = []
            if start:
                # Monthly progress from the month after the start until completion (or today),
                # the latest six months of it.
                ended = next((day for key, day in zip(PROJECT_STAGES, dates, strict=False)
                              if PROJECT_STAGE[key].pool == "in_effect"), self.today)  # fmt: skip
                months = []
                month = month_start(start, -1)
                while month <= ended and month <= self.today:
                    months.append(month)
                    month = month_start(month, -1)
                months = months[-6:]
                cumulative = 0.0
                per_month = total * 0.5 / max(1, len(months))
                for period in months:
                    spent = per_month * rng.uniform(0.6, 1.4)
                    cumulative += spent
                    progress.append({"project_id": project_id, "period": "month",
                                     "period_start_on": period,
                                     "investment_period_wan": Decimal(f"{spent:.0f}"),
                                     "investment_cumulative_wan": Decimal(f"{cumulative:.0f}"),
                                     "image_progress": rng.choice(vocab["image_progress"])})  # fmt: skip
                # Funds arrive from shortly before the start until completion (or yesterday).
                share = (position / (len(PROJECT_STAGES) - 1)) ** 1.2
                first = max(signed + timedelta(days=1), start - timedelta(days=30))
                until = min(yesterday, ended)
                parts = rng.randint(2, 5)
                for _ in range(parts):
                    day = first + timedelta(days=rng.randint(0, max(0, (until - first).days)))
                    arrived.append(
                        (min(day, yesterday), total * share * rng.uniform(0.8, 1.0) / parts)
                    )
            elif rng.random() < 0.3 and signed < yesterday:  # a deposit before the start
                day = signed + timedelta(days=rng.randint(1, max(1, (yesterday - signed).days)))
                arrived.append((min(day, yesterday), total * 0.05))
            in_place = Decimal(0)
            for day, amount in sorted(arrived):
                origin = rng.choices(("local", "out_of_province", "foreign"), (55, 42, 3))[0]
                rounded = Decimal(f"{amount:.0f}")
                in_place += rounded
                funds.append({"project_id": project_id, "arrived_on": day, "amount_wan": rounded,
                              "origin": origin, "currency": "USD" if origin == "foreign" else None,
                              "amount_usd": Decimal(f"{amount * 10000 / 7.1:.0f}")
                              if origin == "foreign" else None})  # fmt: skip
            project["funds_in_place_wan"] = in_place
            if rng.random() < 0.15 or project["status"] != "on_track":
                problems.append({"project_id": project_id,
                                 "description": rng.choice(vocab["problems"]),
                                 "responsible_unit_id": rng.choice(self.departments),
                                 "deadline_on": self.today + timedelta(days=rng.randint(-30, 45)),
                                 "status": rng.choices(("open", "in_progress", "solved"),
                                                       (40, 35, 25))[0]})  # fmt: skip
            if project["status"] == "lagging" and overdue_one is not None:
                items.append({"source": "overdue_milestone", "project_id": project_id,
                              "milestone_index": overdue_one,
                              "description": f"节点“{milestones[overdue_one]['name']}”已逾期，请说明原因和整改时限",
                              "assignee_id": project["leader_id"],
                              "assignee_unit_id": project["owner_unit_id"],
                              "opened_on": self.today,
                              "deadline_on": self.today + timedelta(days=rng.randint(3, 15)),
                              "status": rng.choices(("open", "answered"), (70, 30))[0]})  # fmt: skip
        self._details = (members, milestones, progress, funds, problems, items)

    def milestone_days(self, dates: list[date]) -> list[tuple[str, date | None]]:
        """Each milestone and the day it was done (None: not yet), from the days the project
        entered its stages: a stage's milestones fall evenly from the stage before to it."""
        vocab = self.vocab["project"]
        last = len(PROJECT_STAGES) - 1
        stages = [PROJECT_STAGES.index(key) if key in PROJECT_STAGES else last
                  for key in vocab["milestone_stages"]]  # fmt: skip
        shown = []
        for number, (name, stage) in enumerate(zip(vocab["milestones"], stages, strict=True)):
            if stage >= len(dates):
                shown.append((name, None))
                continue
            group = [other for other, key in enumerate(stages) if key == stage]
            start, end = dates[max(0, stage - 1)], dates[stage]
            share = (group.index(number) + 1) / len(group)
            shown.append((name, start + timedelta(days=int((end - start).days * share))))
        return shown

    def write_project_details(self) -> None:
        members, milestones, progress, funds, problems, items = self._details
        self.write_with_ids(models.ProjectMember.__table__, members)
        self.write_with_ids(models.Milestone.__table__, milestones)
        for item in items:
            item["milestone_id"] = milestones[item.pop("milestone_index")]["id"]
            item["response"] = (
                "已召开专题协调会，预计两周内完成。" if item["status"] == "answered" else None
            )
            item["responded_at"] = self.now if item["status"] == "answered" else None
        self.write_with_ids(models.ProjectProgress.__table__, progress)
        self.write_with_ids(models.FundsArrival.__table__, funds)
        self.write_with_ids(models.ProjectProblem.__table__, problems)
        self.write_with_ids(models.SupervisionItem.__table__, items)
        # Each item's history starts on the day it was opened (an answer, when it has one, the
        # same day), so the monthly report reads the demo's items as of any day.
        events = []
        for item in items:
            steps = [("opened", "open", None)]
            if item["status"] == "answered":
                steps.append(("answered", "answered", item["response"]))
            for kind, status, said in steps:
                events.append({"item_id": item["id"], "kind": kind, "at": self.now,
                               "happened_on": item["opened_on"], "text": said, "status": status,
                               "card": "none", "level": "unit",
                               "deadline_on": item["deadline_on"]})  # fmt: skip
        self.write_with_ids(models.SupervisionEvent.__table__, events)

    def make_activities(self) -> None:
        """Visits, calls and talks within each subject's life: a lead's from its creation to a
        couple of months after its last step, a project's from its signing, none in the future."""
        rng = self.rng
        count = int(self.n * ACTIVITIES_PER_ENTERPRISE)
        projects = [(project["id"], project["signed_on"]) for project in self.project_rows]
        kinds = ("visit", "call", "meeting", "negotiation", "inspection")
        notes = ("了解企业投资意向和选址需求", "介绍园区用地、配套和政策", "协调解决项目推进中的问题",
                 "洽谈投资协议主要条款", "陪同企业实地考察园区")  # fmt: skip
        rows = []
        yesterday = self.today - timedelta(days=1)
        for _ in range(count):
            draw = rng.random()
            row = {"lead_id": None, "project_id": None, "enterprise_id": None}
            if draw < 0.7 and self.lead_ids:
                index = rng.randrange(len(self.lead_ids))
                row["lead_id"] = self.lead_ids[index]
                first, last = self.lead_span[index]
                last = min(yesterday, last + timedelta(days=60))
            elif draw < 0.9 and projects:
                row["project_id"], first = rng.choice(projects)
                last = yesterday
            else:
                row["enterprise_id"] = rng.choice(self.local)
                first, last = self.today - timedelta(days=365), yesterday
            first = min(first, last)
            day = first + timedelta(days=rng.randint(0, (last - first).days))
            row.update(kind=rng.choice(kinds), occurred_on=day,
                       participants=f"{self.person()}、{self.person()}", notes=rng.choice(notes))  # fmt: skip
            rows.append(row)
        self.write_with_ids(models.Activity.__table__, rows)

    def make_service_requests(self) -> None:
        """Aftercare: "更专业、更贴心、更高效的服务" for the chain leaders (several requests
        each) and a few other local firms; older requests answered or closed, some overdue."""
        rng = self.rng
        vocab = self.vocab["aftercare"]
        asking = [(leader, rng.randint(3, 6)) for leader in self.chain_leaders]
        others = rng.sample(self.local, k=min(len(self.local), max(3, len(self.local) // 100)))
        asking += [(enterprise, rng.randint(1, 2)) for enterprise in others]
        rows = []
        for enterprise, count in asking:
            county = self.enterprise_county.get(enterprise)
            units = [self.bureau_of[county]] if county else []
            units += [unit for unit in self.departments if unit not in self.task_teams]
            for _ in range(count):
                made = self.days_ago(1, 240)
                age = (self.today - made).days
                status = (
                    rng.choices(("answered", "closed", "in_progress"), (30, 55, 15))[0]
                    if age > 60
                    else rng.choices(("open", "in_progress", "answered"), (45, 40, 15))[0]
                )
                rows.append(self.stamp({
                    "enterprise_id": enterprise, "request": rng.choice(vocab["requests"]),
                    "responsible_unit_id": rng.choice(units),
                    "deadline_on": made + timedelta(days=rng.choice((15, 30, 45, 60))),
                    "status": status,
                    "response": rng.choice(vocab["responses"])
                    if status in ("answered", "closed") else None,
                    "created_at": datetime.combine(made, CREATED_AT),
                    "updated_at": datetime.combine(made, CREATED_AT),
                }, demo=False))  # fmt: skip
        self.write_with_ids(models.ServiceRequest.__table__, rows)

    def make_ambassadors(self) -> None:
        rng = self.rng
        vocab = self.vocab["ambassador"]
        ambassadors, referrals, talents = [], [], []
        free_leads = list(self.ambassador_leads)
        rng.shuffle(free_leads)
        # A referral came in the day its lead was logged; an unlinked one in the last months.
        lead_created = {lead: span[0] for lead, span in zip(self.lead_ids, self.lead_span,
                                                            strict=True)}  # fmt: skip
        for (user_id, kind), ambassador_id in zip(
            self.ambassador_users,
            self.ids(models.Ambassador.__table__, len(self.ambassador_users)),
            strict=True,
        ):
            appointed = self.days_ago(100, 900)
            ambassadors.append({"id": ambassador_id, "user_id": user_id, "kind": kind,
                                "appointed_on": appointed,
                                "term_ends_on": appointed + timedelta(days=365 * 3),
                                "organisation": rng.choice(vocab["organisations"]),
                                "title": rng.choice(("会长", "董事长", "教授", "合伙人", "总经理")),
                                "regions": rng.sample(vocab["regions"], 2),
                                "industries": rng.sample(vocab["fields"], 2),
                                "status": "active"})  # fmt: skip
            if kind == "talent_ambassador":
                for _ in range(rng.randint(1, 5)):
                    status = rng.choice(("submitted", "contacted", "matched", "hired", "rejected"))
                    talents.append({"ambassador_id": ambassador_id, "person_name": self.person(),
                                    "field": rng.choice(vocab["talent_fields"]),
                                    "qualifications": "博士，十年以上研发经历",
                                    "wishes": "希望在十堰设立研发团队",
                                    "suggested_employer": self.enterprise_name[rng.choice(self.local)],
                                    "contact": "通过大使联系", "status": status,
                                    "rejected_reason": "岗位暂不匹配" if status == "rejected" else None})  # fmt: skip
                continue
            for _ in range(rng.randint(1, 6)):
                lead_id = free_leads.pop() if free_leads and rng.random() < 0.6 else None
                status = (rng.choice(("accepted", "in_talks", "signed", "landed")) if lead_id
                          else rng.choice(("submitted", "submitted", "rejected")))  # fmt: skip
                outside = rng.choice(self.outside or self.local)
                referrals.append({"ambassador_id": ambassador_id,
                                  "enterprise_name": self.enterprise_name[outside],
                                  "enterprise_name_normalised": normalise_name(
                                      self.enterprise_name[outside]),
                                  "contact_name": self.person(), "sector": "industry",
                                  "description": "企业有意在中西部布局新的生产基地",
                                  "estimated_investment_wan": Decimal(f"{self.lognormal(20000, 1):.0f}"),
                                  "status": status, "lead_id": lead_id,
                                  "rejected_reason": "与本地产业方向不符" if status == "rejected" else None,
                                  "credit_share": Decimal(1),
                                  "submitted_at": datetime.combine(
                                      lead_created[lead_id] if lead_id else self.days_ago(1, 120),
                                      time(10, 0))})  # fmt: skip
        self.write(
            models.Ambassador.__table__, [self.stamp(row, demo=False) for row in ambassadors]
        )
        self.write_with_ids(models.Referral.__table__, referrals, demo=True)
        self.write_with_ids(models.TalentReferral.__table__, talents, demo=True)

    def make_targets_and_rules(self) -> None:
        year = self.today.year
        scale = self.n / 100_000
        targets = []
        for code, weight in self.vocab["district_weights"].items():
            share = weight / 100
            for indicator, value in (("signed_count", 2600 * scale * share),
                                     ("signed_amount_wan", 60_000_000 * scale * share),
                                     ("funds_in_place_wan", 25_000_000 * scale * share),
                                     ("projects_started", 900 * scale * share),
                                     ("projects_in_statistics", 700 * scale * share)):  # fmt: skip
                targets.append({"district_id": self.district_id[code], "unit_id": None,
                                "year": year, "indicator": indicator,
                                "value": Decimal(f"{max(1, value):.0f}")})  # fmt: skip
        self.write_with_ids(models.Target.__table__, targets, demo=True)
        # The practice's rule (crm.services.rewards): the whole amount at its band's rate, +10%
        # for technical upgrades (技改), a cap of 100万 per project, paid within 30 days.
        rule = {"city": self.vocab["city"], "year": year, "cap_wan": Decimal(100),
                "bands": [{"up_to_wan": "1000", "per_mille": "3"},
                          {"up_to_wan": "10000", "per_mille": "4"},
                          {"up_to_wan": None, "per_mille": "5"}],
                "extras": {"band_method": "whole", "bonus_pct": "10",
                           "bonus_project_types": ["upgrade"], "bonus_sectors": [],
                           "bonus_segments": [], "pay_within_days": 30}}  # fmt: skip
        self.write_with_ids(models.RewardRule.__table__, [rule], demo=True)

    def finish(self) -> None:
        total = sum(self.summary.counts.values())
        self.session.execute(
            models.ImportBatch.__table__.update()
            .where(models.ImportBatch.id == self.batch_id)
            .values(row_count=total, finished_at=self.now)
        )
        if self.session.get_bind().dialect.name == "postgresql":
            # Explicit ids leave the sequences behind; move them past the rows just written.
            for table_name in self._next_id:
                self.session.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table_name}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {table_name}))"
                ))  # fmt: skip


def _unique(rows: list[dict]) -> list[dict]:
    seen, unique = set(), []
    for row in rows:
        key = tuple(row.values())
        if key not in seen:
            seen.add(key)
            unique.append(row)
    return unique


def month_start(day: date, months_back: int) -> date:
    """The first day of the month `months_back` months before `day`'s month."""
    index = day.year * 12 + day.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)
