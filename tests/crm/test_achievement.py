"""Achievement against the annual targets as of a day, on the hand-built city of
tests/crm/assessment_city.py (its docstring lists every record)."""

from datetime import date
from decimal import Decimal

import pytest

from crm.services.achievement import achievement_of, build_ledger
from crm.services.targets import DISTRICT, UNIT, Owner, targets_for
from tests.crm.assessment_city import AS_OF, build_city


@pytest.fixture
def city(session, make_user):
    return build_city(session, make_user("official"))


def actuals(achievement) -> dict:
    return {key: figure.actual for key, figure in achievement.figures.items()}


def test_the_citys_figures_as_of_the_day(session, city):
    city_figures = achievement_of(session, AS_OF)
    assert actuals(city_figures) == {
        "signed_count": 3,  # L1, L2, L3 (L4 and L6 last year, L5 after the day)
        "signed_amount_wan": Decimal(50000),
        "funds_in_place_wan": Decimal(3000),  # not July's 500
        "projects_started": 1,  # P1 (P2's start is logged in August; P4 started in 2025)
        "projects_completed": 1,  # P4 on 06-15
        "projects_over_100m": 3,  # signed this year: P1 3亿, P2 12亿, P5 5亿
        "projects_over_1b": 1,  # P2
        "investment_completed_wan": Decimal(1850),  # P1's months 800 + 900, P5's weeks 150
        "projects_in_statistics": 1,  # P1
        "landing_rate": Decimal(200) / 3,  # 2 of 3 signed have a project
        "starting_rate": Decimal(50),  # 1 of those 2 started (P1)
        "in_statistics_rate": Decimal(100),  # P1 is in the statistics
    }
    assert city_figures.tally.pools == {"reserve": 2, "construction": 1, "in_effect": 1}
    # The city's own target is the city bureau's.
    assert city_figures.figures["landing_rate"].target == 70
    assert city_figures.figures["landing_rate"].completion == pytest.approx(
        Decimal(200) / 3 / 70 * 100
    )
    # Where the history cannot say, the figure says so.
    assert "当前总投资额" in city_figures.figures["projects_over_1b"].note


def test_a_district_counts_its_zones_and_a_department_its_subtree(session, city):
    ledger = build_ledger(session, AS_OF)
    maojian = ledger.achievement(Owner(DISTRICT, city.maojian.id, "茅箭区"))
    assert actuals(maojian)["signed_count"] == 2  # L1 (its project is in the zone) and L2
    assert actuals(maojian)["signed_amount_wan"] == 42000
    assert actuals(maojian)["funds_in_place_wan"] == 3000  # P1 is in the zone, within M
    assert actuals(maojian)["projects_completed"] == 1  # P4
    assert actuals(maojian)["projects_over_100m"] == 2  # P1, P2
    zone = ledger.achievement(Owner(DISTRICT, city.zone.id, "经开区"))
    assert (actuals(zone)["signed_count"], actuals(zone)["projects_completed"]) == (1, 0)
    assert actuals(zone)["investment_completed_wan"] == 1700
    zhangwan = ledger.achievement(Owner(DISTRICT, city.zhangwan.id, "张湾区"))
    assert actuals(zhangwan)["signed_count"] == 1  # L3
    assert actuals(zhangwan)["landing_rate"] == 0  # L3 has no project
    assert actuals(zhangwan)["starting_rate"] is None  # nothing landed: no rate
    assert actuals(zhangwan)["investment_completed_wan"] == 150
    # Departments: by the unit that owns the lead or project, and the units below it.
    zone_unit = ledger.achievement(Owner(UNIT, city.zone_unit.id, "经开区管委会"))
    assert actuals(zone_unit)["signed_count"] == 0  # L1 is owned by M's bureau
    assert actuals(zone_unit)["funds_in_place_wan"] == 3000  # P1 is the committee's
    maojian_unit = ledger.achievement(Owner(UNIT, city.maojian_unit.id, "茅箭区招商局"))
    assert actuals(maojian_unit) == actuals(maojian)
    assert maojian_unit.figures["signed_count"].completion == 50  # 2 of 4


def test_completion_against_the_targets(session, city):
    maojian = achievement_of(session, AS_OF, district_id=city.maojian.id)
    completion = {key: figure.completion for key, figure in maojian.figures.items()}
    assert completion["signed_count"] == 50
    assert completion["signed_amount_wan"] == 42
    assert completion["funds_in_place_wan"] == 30
    assert completion["projects_started"] == 25
    assert completion["landing_rate"] == 125  # 100% landed against 80%
    assert completion["projects_completed"] is None  # no target


def test_an_earlier_day_reads_the_history_of_that_day(session, city):
    march = achievement_of(session, date(2026, 3, 31), district_id=city.maojian.id)
    figures = actuals(march)
    assert figures["signed_count"] == 1  # L2 was signed in May
    assert figures["funds_in_place_wan"] == 1000
    assert figures["projects_started"] == 1  # P1 on 03-15
    assert figures["in_statistics_rate"] == 0  # P1 entered the statistics in April
    assert figures["projects_completed"] == 0
    # P1 and P4 (completed only in June) were under construction; P2 did not exist yet.
    assert march.tally.pools == {"reserve": 0, "construction": 2, "in_effect": 0}
    assert achievement_of(session, date(2026, 3, 31)).tally.pools == {
        "reserve": 1,  # P5
        "construction": 2,
        "in_effect": 0,
    }


def test_targets_for_a_district_a_unit_and_the_city(session, city):
    assert targets_for(session, 2026, district_id=city.zhangwan.id) == {
        "signed_count": 2,
        "funds_in_place_wan": 2000,
        "investment_completed_wan": 1000,
    }
    assert targets_for(session, 2026, unit_id=city.maojian_unit.id) == {"signed_count": 4}
    assert targets_for(session, 2026) == {"landing_rate": 70}
    assert targets_for(session, 2025) == {}
