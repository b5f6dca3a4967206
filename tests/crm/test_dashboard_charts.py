"""The leaders' dashboard (领导驾驶舱): its charts' figures as of a day, worked out by hand, the
lists they link to, the user's scope, and figures kept only while the data is unchanged."""

import json
import re
from datetime import date, datetime
from decimal import Decimal

import pytest
from flask import url_for
from sqlalchemy import select, text

from crm.models import (
    ChainSegment,
    District,
    Enterprise,
    FundsArrival,
    Lead,
    Project,
    StageChange,
    Target,
)
from crm.services.dashboard import build_dashboard, dashboard_for, data_tokens
from crm.services.dashboard_charts import chart_data
from crm.services.targets import targets_for
from crm.views.home import _chart_words
from tests.support import PASSWORD, csrf_token

TODAY = date(2026, 11, 28)
AS_OF = date(2026, 6, 22)


def at(day: str) -> datetime:
    return datetime.fromisoformat(day + "T10:00")


@pytest.fixture
def city(session, places, make_user, make_unit):
    """Six leads and four projects with their stage log (see each line for what AS_OF sees)."""
    maojian_unit = make_unit("茅箭区招商局")
    zhangwan_unit = make_unit("张湾区招商局")
    leader = make_user("official")
    maojian = session.scalar(select(District).where(District.code == "420302"))
    zhangwan = session.scalar(select(District).where(District.code == "420303"))
    m501, m502 = (
        session.scalar(select(ChainSegment).where(ChainSegment.code == code))
        for code in ("M501", "M502")
    )

    def lead(name, stage, changes=(), unit=maojian_unit, **values):
        row = Lead(name=name, source="online", stage=stage, owner_unit=unit, **values)
        session.add(row)
        session.flush()
        before = None
        for to_stage, day in changes:
            session.add(StageChange(subject="lead", lead_id=row.id, from_stage=before,
                                    to_stage=to_stage, changed_at=at(day)))  # fmt: skip
            before = to_stage
        return row

    def project(name, stage, changes=(), unit=maojian_unit, **values):
        row = Project(name=name, project_type="new_build", leader=leader, stage=stage,
                      owner_unit=unit, **values)  # fmt: skip
        session.add(row)
        session.flush()
        before = None
        for to_stage, day in changes:
            session.add(StageChange(subject="project", project_id=row.id, from_stage=before,
                                    to_stage=to_stage, changed_at=at(day)))  # fmt: skip
            before = to_stage
        return row

    # 甲 and 乙 signed this year before AS_OF; 丙 was in talks on AS_OF, signed in August;
    # 丁 came in July; 戊 (张湾) signed in March, no stage log; 己 deleted in September.
    a = lead("甲", "signed", [("clue", "2026-01-05"), ("signed", "2026-02-10")],
             signed_on=date(2026, 2, 10), signed_amount_wan=Decimal(30000), segments=[m501])  # fmt: skip
    b = lead("乙", "signed", [("clue", "2026-03-01"), ("signed", "2026-05-03")],
             signed_on=date(2026, 5, 3), signed_amount_wan=Decimal(12000), segments=[m502])  # fmt: skip
    lead("丙", "signed",
         [("clue", "2026-04-01"), ("negotiation", "2026-06-01"), ("signed", "2026-08-01")],
         signed_on=date(2026, 8, 1), signed_amount_wan=Decimal(5000))  # fmt: skip
    lead("丁", "clue", [("clue", "2026-07-01")])
    lead("戊", "signed", unit=zhangwan_unit, signed_on=date(2026, 3, 15),
         signed_amount_wan=Decimal(8000))  # fmt: skip
    lead("己", "negotiation", deleted_at=at("2026-09-01"))

    # 甲项目 started in May, entered the statistics in July (after AS_OF).
    started = project(
        "甲项目", "under_construction",
        [("planning", "2026-02-20"), ("newly_started", "2026-05-10"),
         ("under_construction", "2026-09-01")],
        lead=a, sector="industry", district=maojian, total_investment_wan=Decimal(30000),
        started_on=date(2026, 5, 10), in_statistics=True, in_statistics_on=date(2026, 7, 15),
    )  # fmt: skip
    project("乙项目", "planning", [("planning", "2026-05-20")], lead=b, sector="services",
            district=zhangwan, total_investment_wan=Decimal(12000))  # fmt: skip
    firm = Enterprise(name="汉江电池", name_normalised="汉江电池", name_initials="hjdc",
                      is_local=True, segments=[m501])  # fmt: skip
    project("老项目", "in_production", unit=zhangwan_unit, sector="industry",
            total_investment_wan=Decimal(5000), enterprise=firm)  # fmt: skip
    project("丁项目", "planning", [("planning", "2026-08-10")], sector="agriculture",
            district=maojian, total_investment_wan=Decimal(7000))  # fmt: skip
    for day, amount in (("2026-03-01", 1000), ("2026-06-20", 500), ("2026-07-01", 400)):
        session.add(FundsArrival(project=started, arrived_on=date.fromisoformat(day),
                                 amount_wan=Decimal(amount), origin="local"))  # fmt: skip
    bureau = make_unit("市招商局", kind="city_bureau")
    for indicator, value in (("signed_count", 10), ("signed_amount_wan", 100000)):
        session.add(Target(unit=bureau, year=2026, indicator=indicator, value=Decimal(value)))
    session.commit()
    return {"maojian": maojian_unit, "zhangwan": zhangwan_unit, "started": started}


def test_every_figure_as_of_a_past_day_comes_from_the_dated_history(session, make_user, city):
    board = build_dashboard(session, make_user("official"), AS_OF, today=TODAY)
    # 丙 was in talks, 己 not yet deleted, 丁 not there yet.
    assert board.leads_by_stage == [("clue", 0), ("initial_contact", 0), ("site_visit", 0),
                                    ("negotiation", 2), ("signed", 3)]  # fmt: skip
    assert board.projects_by_pool == [("reserve", 1, Decimal(12000)),
                                      ("construction", 1, Decimal(30000)),
                                      ("in_effect", 1, Decimal(5000))]  # fmt: skip
    assert board.projects_by_sector == [("industry", 2, Decimal(35000)),
                                        ("agriculture", 0, Decimal(0)),
                                        ("services", 1, Decimal(12000)),
                                        ("infrastructure", 0, Decimal(0))]  # fmt: skip
    assert [(row.code, row.count, row.amount_wan) for row in board.projects_by_district] == [
        ("420302", 1, Decimal(30000)), ("420303", 1, Decimal(12000)), (None, 1, Decimal(5000))]  # fmt: skip
    # 甲项目 through its lead's segment, 老项目 through its enterprise's.
    assert [(row.code, row.count, row.amount_wan) for row in board.projects_by_segment] == [
        ("M501", 2, Decimal(35000)), ("M502", 1, Decimal(12000))]  # fmt: skip
    assert [(row.name, row.stage) for row in board.top_projects] == [
        ("甲项目", "newly_started"), ("乙项目", "planning"), ("老项目", "in_production")]  # fmt: skip
    assert (board.signed_count, board.signed_amount_wan) == (3, Decimal(50000))
    assert (board.funds_in_place_wan, board.funds_projects) == (Decimal(1500), 1)
    # Signed 甲, 乙, 戊; landed 甲, 乙; started 甲; not yet in the statistics on AS_OF.
    assert (board.landing.numerator, board.landing.denominator) == (2, 3)
    assert (board.starting.numerator, board.starting.denominator) == (1, 2)
    assert (board.in_statistics.numerator, board.in_statistics.denominator) == (0, 1)
    assert [(m.month, m.signed_amount_wan, m.funds_in_place_wan, m.projects_started)
            for m in board.trend] == [
        (1, 0, 0, 0), (2, 30000, 0, 0), (3, 8000, 1000, 0), (4, 0, 0, 0), (5, 12000, 0, 1),
        (6, 0, 500, 0)]  # fmt: skip


def test_today_the_figures_are_the_current_state(session, make_user, city):
    board = build_dashboard(session, make_user("official"), TODAY, today=TODAY)
    assert dict(board.leads_by_stage) == {"clue": 1, "initial_contact": 0, "site_visit": 0,
                                          "negotiation": 0, "signed": 4}  # fmt: skip
    assert [count for _, count, _ in board.projects_by_pool] == [2, 1, 1]
    assert (board.signed_count, board.signed_amount_wan) == (4, Decimal(55000))
    assert (board.in_statistics.numerator, board.in_statistics.denominator) == (1, 1)
    assert len(board.trend) == 11
    assert board.top_projects[0].stage == "under_construction"


def test_staff_see_their_units_figures_only(session, make_user, city):
    staff = make_user("staff", unit=city["zhangwan"])
    board = build_dashboard(session, staff, AS_OF, today=TODAY)
    assert dict(board.leads_by_stage)["signed"] == 1  # 戊
    assert [count for _, count, _ in board.projects_by_pool] == [0, 0, 1]
    assert [(row.code, row.amount_wan) for row in board.projects_by_district] == [
        (None, Decimal(5000))]  # fmt: skip
    assert [row.name for row in board.top_projects] == ["老项目"]
    assert [m.signed_amount_wan for m in board.trend][2] == Decimal(8000)
    assert sum(m.funds_in_place_wan for m in board.trend) == 0
    nobody = build_dashboard(session, make_user("staff", unit=None), AS_OF, today=TODAY)
    assert nobody.top_projects == [] and nobody.projects_by_segment == []


def test_the_chart_data_names_every_figure_and_the_list_behind_it(app, session, make_user,
                                                                  city):  # fmt: skip
    board = build_dashboard(session, make_user("official"), AS_OF, today=TODAY)
    with app.test_request_context():
        charts = chart_data(board, targets_for(session, 2026), url_for, _chart_words())
    assert "Noto Sans CJK SC" in charts["font"]
    assert [(row["name"], row["value"], row["url"]) for row in charts["funnel"]][3:] == [
        ("深度洽谈", 2, "/leads?stage=negotiation"), ("签约", 3, "/leads?stage=signed")]  # fmt: skip
    assert charts["sectors"][0] == {"name": "工业", "count": 2, "amount": 35000.0,
                                    "url": "/projects?sector=industry"}  # fmt: skip
    assert [(row["name"], row["url"]) for row in charts["districts"]] == [
        ("茅箭区", "/projects?district=420302"), ("张湾区", "/projects?district=420303"),
        ("未填", None)]  # fmt: skip
    assert [(row["name"], row["amount"], row["url"]) for row in charts["segments"]] == [
        ("动力电池电芯", 35000.0, "/projects?segment=M501"),
        ("电池管理系统", 12000.0, "/projects?segment=M502")]  # fmt: skip
    landing = charts["rates"][0]
    assert (landing["name"], landing["value"], landing["target"]) == ("签约项目落地率", 66.7, None)
    assert landing["url"] == "/projects?lead_signed_from=2026-01-01&lead_signed_to=2026-06-22"
    # Targets of the city (the city bureau's, no district): 3 of 10 signed, 50,000 of 100,000.
    signed = charts["signed"]
    assert (signed["count_percent"], signed["amount_percent"]) == (30.0, 50.0)
    february, june = charts["trend"][1], charts["trend"][5]
    assert (february["name"], february["signed"]) == ("2月", 30000.0)
    assert february["signed_url"] == "/leads?signed_from=2026-02-01&signed_to=2026-02-28"
    assert june["funds_url"] == "/projects?funds_from=2026-06-01&funds_to=2026-06-22"
    may = charts["trend"][4]
    assert (may["started"], may["started_url"]) == (
        1, "/projects?started_from=2026-05-01&started_to=2026-05-31")  # fmt: skip
    top = charts["top"][0]
    assert (top["name"], top["stage"], top["district"]) == ("甲项目", "新开工", "茅箭区")
    assert top["url"] == f"/projects/{city['started'].id}"
    assert charts["enterprises"] == [
        {"name": "动力电池电芯", "count": 1, "url": "/enterprises?segment=M501&is_local=true"}]  # fmt: skip


def page_charts(client, query: str = "") -> dict:
    page = client.get("/" + query).text
    found = re.search(r'<script type="application/json" id="dashboard-data">(.*?)</script>', page)
    return json.loads(found.group(1))


def projects_listed(client, query: str) -> set[str]:
    page = client.get("/projects?" + query).text
    return {name for name in ("甲项目", "乙项目", "老项目", "丁项目") if name in page}


def test_the_lists_behind_the_charts_show_the_same_projects(client, login, make_user, city):
    login(make_user("admin"))
    assert projects_listed(client, "segment=M501") == {"甲项目", "老项目"}
    assert projects_listed(client, "district=420303") == {"乙项目"}
    assert projects_listed(client, "started_from=2026-05-01&started_to=2026-05-31") == {"甲项目"}
    assert "未知产业链环节代码" in client.get("/projects?segment=NOPE").text


def test_the_page_holds_the_charts_data_and_the_tables(client, login, make_user, city):
    login(make_user("admin"))
    charts = page_charts(client, "?as_of=2026-06-22")
    assert charts["as_of"] == "2026-06-22"
    assert [row["value"] for row in charts["funnel"]] == [0, 0, 0, 2, 3]
    page = client.get("/?as_of=2026-06-22").text
    assert 'data-chart="funnel"' in page and 'data-testid="top-projects"' in page
    assert 'href="/projects?segment=M501"' in page


def test_hostile_names_stay_data_in_the_charts_json(client, login, make_user, city, session):
    project = session.get(Project, city["started"].id)
    project.name = '</script><script>alert("x")</script>'
    session.commit()
    login(make_user("admin"))
    page = client.get("/").text
    assert "<script>alert" not in page
    assert page_charts(client)["top"][0]["name"] == project.name


def test_a_change_is_seen_on_the_next_request(client, login, make_user, city, session):
    login(make_user("admin"))
    before = page_charts(client)
    assert page_charts(client) == before  # kept, unchanged
    lead = session.scalar(select(Lead).where(Lead.name == "丁"))
    lead.stage = "site_visit"
    session.add(FundsArrival(project_id=city["started"].id, arrived_on=TODAY - (TODAY - AS_OF),
                             amount_wan=Decimal(250), origin="local"))  # fmt: skip
    session.commit()
    after = page_charts(client)
    assert [row["value"] for row in after["funnel"]][:3] == [0, 0, 1]
    assert after["trend"][5]["funds"] == before["trend"][5]["funds"] + 250
    # The enterprises' panel follows the chain data's version.
    firm = session.scalar(select(Enterprise).where(Enterprise.name == "汉江电池"))
    firm.is_local = False
    session.commit()
    assert page_charts(client)["enterprises"] == []


def test_kept_figures_are_reused_until_the_data_changes(session, make_user, city):
    official = make_user("official")
    first = dashboard_for(session, official, TODAY, TODAY)
    assert dashboard_for(session, official, TODAY, TODAY) is first
    staff = make_user("staff", unit=city["zhangwan"])
    assert dashboard_for(session, staff, TODAY, TODAY) is not first  # another scope
    session.get(Project, city["started"].id).total_investment_wan = Decimal(31000)
    session.commit()
    again = dashboard_for(session, official, TODAY, TODAY)
    assert again is not first and again.top_projects[0].total_investment_wan == 31000


WATCHED_CHANGES = (
    "UPDATE leads SET stage = 'clue' WHERE name = '丁'",
    "UPDATE projects SET total_investment_wan = 1 WHERE name = '丁项目'",
    "UPDATE projects SET deleted_at = CURRENT_TIMESTAMP WHERE name = '丁项目'",
    "DELETE FROM stage_changes WHERE to_stage = 'under_construction'",
    "UPDATE funds_arrivals SET amount_wan = 2",
    "DELETE FROM lead_segments",
    "UPDATE districts SET name = '茅箭' WHERE code = '420302'",
)


@pytest.mark.parametrize("change", WATCHED_CHANGES)
def test_every_table_the_figures_read_moves_the_version(session, city, change):
    """The triggers of migration 7d1f0c2b9e44 are all there (a later migration recreating one
    of these tables on SQLite would drop them)."""
    before = data_tokens(session)
    session.execute(text(change))
    assert data_tokens(session)[0] != before[0]


def test_an_unwatched_column_leaves_the_version(session, city):
    before = data_tokens(session)
    session.execute(text("UPDATE leads SET next_step = 'call' WHERE name = '丁'"))
    assert data_tokens(session) == before


def logged_in(app, user):
    """A browser of its own, logged in as `user`."""
    browser = app.test_client()
    page = browser.get("/login").text
    browser.post("/login", data={"name": user.name, "password": PASSWORD,
                                 "csrf_token": csrf_token(page)})  # fmt: skip
    return browser


def test_each_scope_gets_its_own_kept_figures(app, client, make_user, city):
    admin = logged_in(app, make_user("admin"))
    staff = logged_in(app, make_user("staff", unit=city["zhangwan"]))
    assert [row["value"] for row in page_charts(admin)["funnel"]][-1] == 4
    charts = page_charts(staff)
    assert [row["value"] for row in charts["funnel"]][-1] == 1  # 戊 only
    assert [row["name"] for row in charts["top"]] == ["老项目"]
    assert [row["name"] for row in page_charts(admin)["top"]][:2] == ["甲项目", "乙项目"]
