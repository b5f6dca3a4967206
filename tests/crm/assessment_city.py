"""A small city worked out by hand for the assessment tests (targets, achievement, 季通报, 年考核).

Districts: 茅箭区 (M) with the zone 经开区 (K) in it, and 张湾区 (Z). Units: the city bureau
over M's bureau (with K's committee below it) and Z's bureau. Every lead and project has a
dated stage log, so the figures as of a day are the log's.

    lead  unit  district  signed      amount  project (district, unit, total 万元, log)
    L1    M     M         2026-02-10  30000   P1 (K, K, 30000: planning 02-20, newly_started
                                              03-15 = started_on; 入库 04-10)
    L2    M     M         2026-05-20  12000   P2 (M, M, 120000: planning 05-25, newly_started
                                              08-01, after the day)
    L3    Z     Z         2026-04-01   8000   —
    L4    M     M         2025-11-01   5000   P4 (M, M, 5000: planning 2025-11-10,
                                              under_construction 2025-12-01, completed
                                              06-15 = completed_on)
    L5    Z     Z         2026-07-10   9999   — (after the day)
    L6    M     M         2025-12-01   1000   — (signed, never landed: overdue to start)
    —                                          P5 (Z, Z, 50000, signed_on 03-01: planning 03-01)

Funds (P1): 03-01 1000 out of province, 05-01 2000 foreign, 07-05 500 local (after).
Progress: P1 months 04-01 800, 05-01 900, 07-01 1000 (after), a week 04-06 200 (not counted:
P1 has months); P5 weeks 06-01 100, 06-29 50.
Milestones: P1 planned 03-10 done 03-15 (+5), planned 06-01 open (+29) → 17; P2 planned 06-10
open → 20; P4 planned 06-20 done 06-15 → −5; P5 planned 05-01 done 04-21 → −10.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

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
)

AS_OF = date(2026, 6, 30)


@dataclass
class City:
    maojian: District
    zone: District
    zhangwan: District
    city_unit: Unit
    maojian_unit: Unit
    zone_unit: Unit
    zhangwan_unit: Unit
    projects: dict
    leads: dict


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, 0)


def build_city(session, leader) -> City:
    maojian = District(code="420302", name="茅箭区", kind="county_district")
    zhangwan = District(code="420303", name="张湾区", kind="county_district")
    zone = District(code="420371", name="经开区", kind="functional_zone", parent=maojian)
    session.add_all([maojian, zhangwan, zone])
    city_unit = session.query(Unit).filter_by(name="市招商局").one_or_none() or Unit(
        name="市招商局", kind="city_bureau"
    )
    maojian_unit = Unit(
        name="茅箭区招商局", kind="district_bureau", parent=city_unit, district=maojian
    )
    zone_unit = Unit(name="经开区管委会", kind="park_committee", parent=maojian_unit, district=zone)
    zhangwan_unit = Unit(
        name="张湾区招商局", kind="district_bureau", parent=city_unit, district=zhangwan
    )
    session.add_all([city_unit, maojian_unit, zone_unit, zhangwan_unit])
    session.flush()

    leads = {}

    def lead(key, unit, district, signed_on, amount):
        row = Lead(
            name=f"{key}线索",
            source="online",
            stage="signed",
            signed_on=signed_on,
            signed_amount_wan=Decimal(amount),
            owner_unit=unit,
            district=district,
        )
        session.add(row)
        session.flush()
        session.add(StageChange(subject="lead", lead_id=row.id, to_stage="signed",
                                changed_at=_at(signed_on)))  # fmt: skip
        leads[key] = row
        return row

    projects = {}

    def project(key, lead, district, unit, total, log, **dates):
        row = Project(
            name=f"{key}项目",
            project_type="new_build",
            sector="industry",
            leader=leader,
            lead=lead,
            district=district,
            owner_unit=unit,
            total_investment_wan=Decimal(total),
            stage=log[-1][1],
            **dates,
        )
        session.add(row)
        session.flush()
        previous = None
        for day, stage in log:
            session.add(StageChange(subject="project", project_id=row.id, from_stage=previous,
                                    to_stage=stage, changed_at=_at(day)))  # fmt: skip
            previous = stage
        projects[key] = row
        return row

    l1 = lead("L1", maojian_unit, maojian, date(2026, 2, 10), 30000)
    l2 = lead("L2", maojian_unit, maojian, date(2026, 5, 20), 12000)
    lead("L3", zhangwan_unit, zhangwan, date(2026, 4, 1), 8000)
    l4 = lead("L4", maojian_unit, maojian, date(2025, 11, 1), 5000)
    lead("L5", zhangwan_unit, zhangwan, date(2026, 7, 10), 9999)
    lead("L6", maojian_unit, maojian, date(2025, 12, 1), 1000)

    p1 = project("P1", l1, zone, zone_unit, 30000,
                 [(date(2026, 2, 20), "planning"), (date(2026, 3, 15), "newly_started")],
                 started_on=date(2026, 3, 15), in_statistics=True,
                 in_statistics_on=date(2026, 4, 10))  # fmt: skip
    p2 = project("P2", l2, maojian, maojian_unit, 120000,
                 [(date(2026, 5, 25), "planning"), (date(2026, 8, 1), "newly_started")],
                 started_on=date(2026, 8, 1))  # fmt: skip
    p4 = project("P4", l4, maojian, maojian_unit, 5000,
                 [(date(2025, 11, 10), "planning"), (date(2025, 12, 1), "under_construction"),
                  (date(2026, 6, 15), "completed")],
                 started_on=date(2025, 12, 1), completed_on=date(2026, 6, 15))  # fmt: skip
    p5 = project("P5", None, zhangwan, zhangwan_unit, 50000,
                 [(date(2026, 3, 1), "planning")], signed_on=date(2026, 3, 1))  # fmt: skip

    for day, amount, origin, currency in (
        (date(2026, 3, 1), 1000, "out_of_province", None),
        (date(2026, 5, 1), 2000, "foreign", "USD"),
        (date(2026, 7, 5), 500, "local", None),
    ):
        session.add(FundsArrival(project=p1, arrived_on=day, amount_wan=Decimal(amount),
                                 origin=origin, currency=currency,
                                 amount_usd=Decimal(280) if currency else None))  # fmt: skip
    for item, period, day, amount in (
        (p1, "month", date(2026, 4, 1), 800),
        (p1, "month", date(2026, 5, 1), 900),
        (p1, "month", date(2026, 7, 1), 1000),
        (p1, "week", date(2026, 4, 6), 200),
        (p5, "week", date(2026, 6, 1), 100),
        (p5, "week", date(2026, 6, 29), 50),
    ):
        session.add(ProjectProgress(project=item, period=period, period_start_on=day,
                                    investment_period_wan=Decimal(amount),
                                    investment_cumulative_wan=Decimal(amount)))  # fmt: skip
    for item, planned, actual in (
        (p1, date(2026, 3, 10), date(2026, 3, 15)),
        (p1, date(2026, 6, 1), None),
        (p2, date(2026, 6, 10), None),
        (p4, date(2026, 6, 20), date(2026, 6, 15)),
        (p5, date(2026, 5, 1), date(2026, 4, 21)),
    ):
        session.add(Milestone(project=item, name="节点", planned_on=planned, actual_on=actual,
                              status="done" if actual else "pending"))  # fmt: skip

    year = 2026
    for owner, values in (
        ({"district_id": maojian.id}, {"signed_count": 4, "signed_amount_wan": 100000,
                                       "funds_in_place_wan": 10000, "projects_started": 4,
                                       "landing_rate": 80}),
        ({"district_id": zhangwan.id}, {"signed_count": 2, "funds_in_place_wan": 2000,
                                        "investment_completed_wan": 1000}),
        ({"unit_id": maojian_unit.id}, {"signed_count": 4}),
        ({"unit_id": city_unit.id}, {"landing_rate": 70}),
    ):  # fmt: skip
        for indicator, value in values.items():
            session.add(Target(year=year, indicator=indicator, value=Decimal(value), **owner))
    session.commit()
    return City(maojian, zone, zhangwan, city_unit, maojian_unit, zone_unit, zhangwan_unit,
                projects, leads)  # fmt: skip
