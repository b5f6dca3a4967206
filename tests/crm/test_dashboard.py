"""The home dashboard's figures, checked against a small city worked out by hand."""

from datetime import date
from decimal import Decimal

import pytest

from crm.models import ChainSegment, Enterprise, FundsArrival, Lead, Project
from crm.services.dashboard import build_dashboard

AS_OF = date(2026, 6, 22)


@pytest.fixture
def small_city(session, make_user, make_unit):
    """Five signed leads (three this year before AS_OF), three projects, funds in and out."""
    maojian = make_unit("茅箭区招商局")
    zhangwan = make_unit("张湾区招商局")
    leader = make_user("official")

    def lead(name, stage="signed", signed_on=None, amount=None, unit=maojian):
        row = Lead(name=name, source="online", stage=stage, signed_on=signed_on,
                   signed_amount_wan=amount, owner_unit=unit)  # fmt: skip
        session.add(row)
        return row

    a = lead("甲", signed_on=date(2026, 2, 1), amount=Decimal(30000))
    b = lead("乙", signed_on=date(2026, 5, 1), amount=Decimal(12000))
    lead("丙", signed_on=date(2026, 6, 1), amount=Decimal(8000), unit=zhangwan)
    lead("丁", signed_on=date(2025, 12, 30), amount=Decimal(99999))
    lead("庚", signed_on=date(2026, 8, 1), amount=Decimal(5000))  # after the day asked for
    lead("戊", stage="negotiation")
    lead("己", stage="clue")
    session.flush()

    def project(name, stage, lead=None, in_statistics=False, unit=maojian, total=10000):
        row = Project(name=name, project_type="new_build", sector="industry", leader=leader,
                      total_investment_wan=Decimal(total), stage=stage, lead=lead,
                      in_statistics=in_statistics, owner_unit=unit,
                      in_statistics_on=date(2026, 4, 1) if in_statistics else None)  # fmt: skip
        session.add(row)
        return row

    started = project("甲项目", "under_construction", lead=a, in_statistics=True, total=30000)
    project("乙项目", "planning", lead=b, total=12000)
    project("老项目", "in_production", total=5000, unit=zhangwan)
    session.flush()
    for day, amount in ((date(2025, 12, 1), 700), (date(2026, 3, 1), 1000),
                        (date(2026, 6, 20), 500), (date(2026, 7, 1), 400)):  # fmt: skip
        session.add(FundsArrival(project=started, arrived_on=day, amount_wan=Decimal(amount),
                                 origin="local"))  # fmt: skip
    segment = ChainSegment(
        chain_key="automotive",
        code="M201",
        name="车桥与传动轴",
        name_en="Axles and drive shafts",
        level="segment",
    )
    names = {"汉江车桥": True, "武当车桥": True, "外地车桥": False}
    for name, local in names.items():
        session.add(Enterprise(name=name, name_normalised=name, name_initials="x",
                               is_local=local, segments=[segment]))  # fmt: skip
    session.commit()
    return {"maojian": maojian, "zhangwan": zhangwan}


def test_citywide_figures(session, make_user, small_city):
    board = build_dashboard(session, make_user("official"), AS_OF)
    assert board.leads_by_stage == [("clue", 1), ("initial_contact", 0), ("site_visit", 0),
                                    ("negotiation", 1), ("signed", 5)]  # fmt: skip
    # Signed this year up to the day: 甲 30000 + 乙 12000 + 丙 8000 (丁 was last year, 庚 later).
    assert (board.signed_count, board.signed_amount_wan) == (3, Decimal(50000))
    # Funds this year up to the day: 1000 + 500 (not December's 700 nor July's 400).
    assert board.funds_in_place_wan == Decimal(1500)
    assert board.projects_by_pool == [
        ("reserve", 1, Decimal(12000)), ("construction", 1, Decimal(30000)),
        ("in_effect", 1, Decimal(5000))]  # fmt: skip
    assert board.projects_by_sector[0] == ("industry", 3, Decimal(47000))
    # Of 3 signed this year, 2 have a project (甲, 乙); of those 1 started (甲), in statistics.
    assert (board.landing.numerator, board.landing.denominator) == (2, 3)
    assert (board.starting.numerator, board.starting.denominator) == (1, 2)
    assert (board.in_statistics.numerator, board.in_statistics.denominator) == (1, 1)
    assert board.landing.percent == pytest.approx(66.667, abs=0.001)
    assert board.enterprises_by_segment == [("M201", "车桥与传动轴", "Axles and drive shafts", 2)]


def test_staff_with_a_unit_see_their_units_figures(session, make_user, small_city):
    board = build_dashboard(session, make_user("staff", unit=small_city["zhangwan"]), AS_OF)
    assert dict(board.leads_by_stage)["signed"] == 1
    assert (board.signed_count, board.signed_amount_wan) == (1, Decimal(8000))
    assert (board.landing.numerator, board.landing.denominator) == (0, 1)
    assert board.starting.percent is None  # nothing landed: no rate rather than a made-up one
    assert board.funds_in_place_wan == 0
    assert [count for _, count, _ in board.projects_by_pool] == [0, 0, 1]


def test_staff_without_a_unit_see_no_leads_or_projects_and_city_staff_all(session, make_user,
                                                                          small_city):  # fmt: skip
    board = build_dashboard(session, make_user("staff", unit=None), AS_OF)
    assert sum(count for _, count in board.leads_by_stage) == 0
    assert sum(count for _, count, _ in board.projects_by_pool) == 0
    assert (board.signed_count, board.funds_in_place_wan) == (0, 0)
    city = build_dashboard(session, make_user("staff"), AS_OF)  # the city bureau's
    assert sum(count for _, count in city.leads_by_stage) == 7
    assert sum(count for _, count, _ in city.projects_by_pool) == 3


def test_the_dashboard_page_of_staff_without_a_unit_counts_nothing(client, login, make_user,
                                                                  small_city):  # fmt: skip
    login(make_user("staff", unit=None))
    page = client.get("/?as_of=2026-06-22").text
    assert "签约项目落地率" in page and "2 / 3" not in page and "0 / 0" in page


def test_dashboard_page_shows_the_figures_in_chinese(client, login, make_user, small_city):
    login(make_user("admin"))
    page = client.get("/?as_of=2026-06-22").text
    assert "签约项目落地率" in page and "66.7%" in page and "2 / 3" in page
    # The headline figures: the number, then its unit.
    assert '5.00<span class="unit">亿元</span>' in page  # 50,000 万元 signed this year
    assert '1,500<span class="unit">万元</span>' in page  # funds in place
    assert 'href="/projects?pool=construction"' in page
    assert 'href="/leads?signed_from=2026-01-01&amp;signed_to=2026-06-22"' in page
    assert "数据截至 2026-06-22" in page


def test_a_bad_as_of_date_falls_back_to_today_with_a_message(client, login, make_user):
    login(make_user("admin"))
    page = client.get("/?as_of=2026-13-45")
    assert page.status_code == 200
    assert "日期格式应为 YYYY-MM-DD" in page.text
    for impossible in ("9999-12-31", "1900-01-01"):
        page = client.get(f"/?as_of={impossible}")
        assert page.status_code == 200
        assert "日期应在 2000-01-01 到今天之间" in page.text


def test_a_past_day_reckons_stages_from_their_history(session, make_user):
    from datetime import datetime

    from crm.models import StageChange

    leader = make_user("official")
    project = Project(name="有历史的项目", project_type="new_build", sector="industry",
                      leader=leader, total_investment_wan=Decimal(100), stage="newly_started")  # fmt: skip
    session.add(project)
    session.flush()
    for before, after, at in ((None, "planning", datetime(2025, 1, 10, 10)),
                              ("planning", "ready_to_start", datetime(2025, 3, 1, 15)),
                              ("ready_to_start", "newly_started", datetime(2025, 6, 1, 15))):  # fmt: skip
        session.add(StageChange(subject="project", project_id=project.id, from_stage=before,
                                to_stage=after, changed_at=at))  # fmt: skip
    session.commit()
    today = date(2026, 6, 22)

    def pools(day):
        board = build_dashboard(session, leader, day, today=today)
        return {pool: count for pool, count, _ in board.projects_by_pool if count}

    assert pools(date(2024, 12, 31)) == {}  # not there yet
    assert pools(date(2025, 3, 1)) == {"reserve": 1}  # the change that day counts
    assert pools(date(2025, 12, 31)) == {"construction": 1}
    assert pools(today) == {"construction": 1}
