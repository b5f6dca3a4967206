"""月督办: generation from each source (idempotent, the stalled threshold, the 三未 lists), the
yellow → red cards and escalation, answering (the assignee only, the version), the API resource,
and the pages. The dataset is built by hand; the right answers are written in the tests."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from crm.clock import city_today
from crm.models import (
    District,
    FundsArrival,
    Milestone,
    Project,
    ProjectProblem,
    ProjectProgress,
    ServiceRequest,
    StageChange,
    SupervisionItem,
)
from crm.services import supervision as service
from crm.services.enterprises import create_enterprise
from crm.services.errors import Forbidden, StaleVersion, ValidationError
from tests.support import csrf_token

AS_OF = date(2026, 3, 20)
API = "/api/v1/supervision-items"


@pytest.fixture
def in_app(app):
    with app.app_context():
        yield


def _project(session, name, leader, unit, district, stage, signed_on, started_on=None, **more):
    project = Project(
        name=name,
        project_type="new_build",
        sector="industry",
        total_investment_wan=Decimal(50000),
        leader_id=leader.id,
        owner_unit_id=unit.id,
        district_id=district.id,
        stage=stage,
        signed_on=signed_on,
        started_on=started_on,
        **more,
    )
    session.add(project)
    session.flush()
    return project


@pytest.fixture
def city(session, places, make_unit, make_user):
    """Seven projects of two leaders, with the milestones, problems, progress, funds and
    service requests that make each source's answer known (see test_each_source)."""
    maojian = session.scalar(select(District).where(District.code == "420302"))
    zhangwan = session.scalar(select(District).where(District.code == "420303"))
    bureau = make_unit("市招商局", "city_bureau")
    unit = make_unit("茅箭区招商局", parent=bureau, district=maojian)
    other_unit = make_unit("张湾区招商局", parent=bureau, district=zhangwan)
    jingxin = make_unit("市经信局", "city_department")
    wang = make_user("official", "wang", display_name="王副市长")
    li = make_user("official", "li", display_name="李副区长")
    staff = make_user("staff", "zhou")
    firm = create_enterprise(
        session, {"name": "十堰汽车零部件有限公司", "district": "420302"}, None
    )
    lone = create_enterprise(session, {"name": "十堰锻造有限公司", "district": "420303"}, None)

    p1 = _project(session, "汽车零部件项目", wang, unit, maojian, "under_construction",
                  date(2025, 6, 1), date(2025, 9, 1), enterprise_id=firm.id)  # fmt: skip
    p2 = _project(session, "新能源电池项目", wang, unit, maojian, "planning", date(2025, 10, 1))
    p3 = _project(session, "智能装备项目", li, other_unit, zhangwan, "newly_started",
                  date(2025, 11, 1), date(2026, 1, 5))  # fmt: skip
    p4 = _project(session, "物流园项目", li, other_unit, zhangwan, "under_construction",
                  date(2023, 1, 1), date(2023, 6, 1))  # fmt: skip
    p5 = _project(session, "已竣工项目", li, other_unit, zhangwan, "completed", date(2024, 1, 1),
                  date(2024, 3, 1), completed_on=date(2025, 3, 1))  # fmt: skip
    p6 = _project(session, "新签约项目", wang, unit, maojian, "planning", date(2026, 3, 1))
    p7 = _project(session, "已删除项目", wang, unit, maojian, "planning", date(2025, 1, 1),
                  deleted_at=datetime(2026, 1, 1))  # fmt: skip
    m1 = Milestone(project_id=p1.id, name="主体封顶", planned_on=date(2026, 3, 1))
    session.add_all([
        m1,
        Milestone(project_id=p1.id, name="土地摘牌", planned_on=date(2026, 2, 1),
                  actual_on=date(2026, 2, 10), status="done"),
        Milestone(project_id=p1.id, name="设备进场", planned_on=date(2026, 3, 25)),
        Milestone(project_id=p7.id, name="开工", planned_on=date(2026, 1, 1)),
        ProjectProgress(project_id=p1.id, period="month", period_start_on=date(2026, 3, 2),
                        investment_period_wan=Decimal(800), investment_cumulative_wan=Decimal(9000)),
        ProjectProgress(project_id=p4.id, period="month", period_start_on=date(2026, 3, 9),
                        investment_period_wan=Decimal(300), investment_cumulative_wan=Decimal(30000)),
        FundsArrival(project_id=p3.id, arrived_on=date(2026, 3, 1), amount_wan=Decimal(500),
                     origin="local"),
        StageChange(subject="project", project_id=p3.id, from_stage="ready_to_start",
                    to_stage="newly_started", changed_at=datetime(2026, 1, 5, 2)),
    ])  # fmt: skip
    pr1 = ProjectProblem(project_id=p1.id, description="用电增容未批复", deadline_on=date(2026, 3, 10),
                         responsible_unit_id=jingxin.id)  # fmt: skip
    session.add_all([
        pr1,
        ProjectProblem(project_id=p1.id, description="道路", deadline_on=date(2026, 3, 10),
                       status="solved"),
    ])  # fmt: skip
    sr1 = ServiceRequest(enterprise_id=firm.id, request="增加供电容量", deadline_on=date(2026, 3, 15),
                         responsible_unit_id=jingxin.id)  # fmt: skip
    sr2 = ServiceRequest(enterprise_id=lone.id, request="办理环评", deadline_on=date(2026, 3, 1),
                         responsible_unit_id=other_unit.id, status="in_progress")  # fmt: skip
    session.add_all([
        sr1,
        sr2,
        ServiceRequest(enterprise_id=firm.id, request="已答复", deadline_on=date(2026, 3, 1),
                       status="answered", response="已办"),
    ])  # fmt: skip
    session.commit()
    return {
        "wang": wang, "li": li, "staff": staff, "unit": unit, "other_unit": other_unit,
        "jingxin": jingxin, "p1": p1, "p2": p2, "p3": p3, "p4": p4, "p5": p5, "p6": p6,
        "m1": m1, "pr1": pr1, "sr1": sr1, "sr2": sr2, "maojian": maojian,
    }  # fmt: skip


def _keys(items) -> set:
    return {
        (item.source, item.milestone_id or item.problem_id or item.service_request_id
         or item.project_id)
        for item in items
    }  # fmt: skip


def _generated(session, city, as_of=AS_OF, **settings):
    result = service.generate(
        session, as_of, city["staff"], service.SupervisionSettings(**settings)
    )
    session.commit()
    return result


# ---- generation ----


def test_each_source(in_app, session, city):
    result = _generated(session, city)
    assert _keys(result.created) == {
        ("overdue_milestone", city["m1"].id),
        ("problem", city["pr1"].id),
        ("service_request", city["sr1"].id),
        ("service_request", city["sr2"].id),
        ("stalled_project", city["p2"].id),  # nothing since signing on 2025-10-01
        ("not_started", city["p2"].id),  # 170 days in the reserve pool
        ("not_building", city["p3"].id),  # started 2026-01-05, no investment since
        ("not_completed", city["p4"].id),  # started 2023-06-01
    }
    by_key = {next(iter(_keys([item]))): item for item in result.created}
    milestone = by_key[("overdue_milestone", city["m1"].id)]
    assert milestone.assignee_id == city["wang"].id
    assert milestone.assignee_unit_id == city["unit"].id
    assert milestone.opened_on == AS_OF
    assert milestone.deadline_on == date(2026, 4, 4)  # 15 days
    # Its record is late already: the item opens with a yellow card, at the unit.
    assert (milestone.status, milestone.card, milestone.level) == ("open", "yellow", "unit")
    assert [event.kind for event in milestone.events] == ["opened"]
    # A problem and a request go to their responsible unit, and the project's leader.
    problem = by_key[("problem", city["pr1"].id)]
    assert (problem.assignee_id, problem.assignee_unit_id) == (city["wang"].id, city["jingxin"].id)
    request = by_key[("service_request", city["sr1"].id)]
    assert (request.project_id, request.assignee_id) == (city["p1"].id, city["wang"].id)
    lone = by_key[("service_request", city["sr2"].id)]
    assert (lone.project_id, lone.assignee_id) == (None, None)
    assert lone.assignee_unit_id == city["other_unit"].id
    assert result.kept == 0 and result.carded == 0


def test_generating_twice_creates_no_duplicates(in_app, session, city):
    first = _generated(session, city)
    again = _generated(session, city)
    assert (len(first.created), len(again.created), again.kept) == (8, 0, 8)
    # Two weeks later the open items are kept; only what became late since is new: the
    # milestone due 2026-03-25, and three projects 30 days without a step.
    later = _generated(session, city, date(2026, 4, 2))
    m3 = session.scalar(select(Milestone).where(Milestone.name == "设备进场"))
    assert _keys(later.created) == {
        ("overdue_milestone", m3.id),
        ("stalled_project", city["p1"].id),  # progress on 2026-03-02
        ("stalled_project", city["p3"].id),  # funds on 2026-03-01
        ("stalled_project", city["p6"].id),  # signed on 2026-03-01
    }
    assert later.kept == 8
    assert session.query(SupervisionItem).count() == 12


def test_a_closed_item_comes_back_next_month_if_still_overdue(in_app, session, city):
    _generated(session, city)
    item = session.scalar(
        select(SupervisionItem).where(SupervisionItem.milestone_id == city["m1"].id)
    )
    service.close(session, item, item.version, city["staff"], on=date(2026, 3, 25))
    session.commit()
    key = ("overdue_milestone", city["m1"].id)
    assert key not in _keys(_generated(session, city, date(2026, 3, 28)).created)  # same month
    assert key in _keys(_generated(session, city, date(2026, 4, 2)).created)


def test_the_stalled_threshold_is_configurable(in_app, session, city):
    def stalled(days):
        return {c.project_id for c in service.stalled_projects(session, AS_OF, days)}

    assert stalled(30) == {city["p2"].id}
    assert stalled(170) == {city["p2"].id}  # 2025-10-01 is 170 days before
    assert stalled(171) == set()
    # p3's last step is its funds on 2026-03-01 (19 days), p1's progress on 2026-03-02 (18).
    # p6 was signed on 2026-03-01, 19 days before.
    assert stalled(19) == {city["p2"].id, city["p3"].id, city["p6"].id}
    assert stalled(18) == {city["p1"].id, city["p2"].id, city["p3"].id, city["p6"].id}


def test_the_lag_lists_and_their_day_limits(in_app, session, city):
    def lists(**days):
        found = service.lag_lists(session, AS_OF, service.SupervisionSettings(**days))
        return {source: {c.project_id for c in listed} for source, listed in found.items()}

    assert lists() == {
        "not_started": {city["p2"].id},
        "not_building": {city["p3"].id},
        "not_completed": {city["p4"].id},
    }
    assert lists(not_started_days=19, not_building_days=75, not_completed_days=200) == {
        "not_started": {city["p2"].id, city["p6"].id},  # p6 signed 2026-03-01
        "not_building": set(),  # p3 started 74 days before
        "not_completed": {city["p1"].id, city["p4"].id},  # p3 started 74 days before
    }
    # As of 2026-01-04 p3 had not started: its stage came from the stage log.
    before = service.lag_lists(session, date(2026, 1, 4), service.SupervisionSettings())
    assert city["p3"].id not in {c.project_id for c in before["not_building"]}


def test_settings_are_checked(app):
    assert service.SupervisionSettings.from_config({"stalled_days": 45}).stalled_days == 45
    for wrong in ({"stalled": 3}, {"stalled_days": 0}, {"deadline_days": "15"}):
        with pytest.raises(service.SupervisionSettingsError):
            service.SupervisionSettings.from_config(wrong)


def test_a_wrong_setting_stops_the_start(tmp_path):
    from app import create_app

    with pytest.raises(service.SupervisionSettingsError, match="stalled_dayz"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x",
                    "SUPERVISION": {"stalled_dayz": 3}})  # fmt: skip


# ---- cards and escalation ----


def _item(session, city, source="overdue_milestone"):
    _generated(session, city)
    return session.scalar(select(SupervisionItem).where(SupervisionItem.source == source))


def test_a_stalled_item_goes_yellow_then_red_with_the_level(in_app, session, city):
    item = _item(session, city, "stalled_project")
    assert (item.card, item.level) == ("none", "unit")
    assert service.sweep_cards(session, date(2026, 4, 4)) == 0  # due that day: not yet late
    assert service.sweep_cards(session, date(2026, 4, 5)) == 8
    assert (item.card, item.level) == ("yellow", "joint_meeting")
    assert item.events[-1].kind == "carded"
    assert item.events[-1].happened_on == date(2026, 4, 5)
    assert service.sweep_cards(session, date(2026, 4, 20)) == 0  # one lapse, one card
    # Given one more chance, and late again: red, to the city government.
    today = city_today()
    service.reopen(session, item, today + timedelta(days=5), item.version, city["staff"],
                   "限期整改")  # fmt: skip
    assert (item.status, item.card) == ("open", "yellow")
    service.sweep_cards(session, today + timedelta(days=6))
    assert (item.card, item.level) == ("red", "city_government")
    assert service.sweep_cards(session, today + timedelta(days=30)) == 0
    session.commit()


def test_an_overdue_records_item_opens_yellow_and_is_red_when_late_again(in_app, session, city):
    item = _item(session, city)  # the milestone was due on 2026-03-01: its first lapse
    assert (item.card, item.level) == ("yellow", "unit")
    assert item.events[0].card == "yellow"
    service.sweep_cards(session, date(2026, 4, 5))  # its own deadline passed unanswered
    assert (item.card, item.level) == ("red", "joint_meeting")
    today = city_today()
    service.reopen(session, item, today + timedelta(days=5), item.version, city["staff"], "再限")
    service.sweep_cards(session, today + timedelta(days=6))
    assert (item.card, item.level) == ("red", "city_government")


def test_a_late_sweep_keeps_the_last_event_the_state(in_app, session, city):
    item = _item(session, city, "stalled_project")
    service.escalate(session, item, "city_government", item.version, city["staff"], "多部门",
                     on=date(2026, 4, 8))  # fmt: skip
    service.sweep_cards(session, date(2026, 4, 10))  # late: the deadline passed on 2026-04-04
    assert (item.card, item.level) == ("yellow", "city_government")  # the top level stays
    assert item.events[-1].happened_on == date(2026, 4, 8)
    state = service.state_on(item, date(2026, 4, 8))
    assert (state.card, state.level) == ("yellow", "city_government")


def test_a_reopened_item_that_is_late_gets_red_at_once(in_app, session, city):
    item = _item(session, city, "not_completed")
    service.answer(session, item, "已协调", item.version, city["li"], on=date(2026, 3, 22))
    assert service.sweep_cards(session, date(2026, 4, 10)) == 7  # the answered one is not late
    assert (item.card, item.level) == ("none", "unit")
    today = city_today()
    service.reopen(session, item, today + timedelta(days=3), item.version, city["staff"],
                   "反馈不实")  # fmt: skip
    service.sweep_cards(session, today + timedelta(days=4))
    assert (item.card, item.level) == ("red", "joint_meeting")


def test_escalating_by_hand_needs_a_reason_and_a_higher_level(in_app, session, city):
    item = _item(session, city)
    with pytest.raises(ValidationError) as error:
        service.escalate(session, item, "joint_meeting", item.version, city["staff"], " ")
    assert "reason" in error.value.fields
    with pytest.raises(ValidationError) as error:
        service.escalate(session, item, "unit", item.version, city["staff"], "理由")
    assert "level" in error.value.fields
    service.escalate(session, item, "city_government", item.version, city["staff"], "涉及多部门")
    assert item.level == "city_government"
    assert item.events[-1].text == "涉及多部门"
    with pytest.raises(Forbidden):
        service.escalate(session, item, "joint_meeting", item.version, city["wang"], "理由")


def test_reopening_needs_a_future_deadline_and_a_reason(in_app, session, city):
    item = _item(session, city)
    with pytest.raises(ValidationError) as error:
        service.reopen(session, item, city_today(), item.version, city["staff"], "")
    assert set(error.value.fields) == {"deadline_on", "reason"}


# ---- answering ----


def test_only_the_assignee_answers(in_app, session, city):
    item = _item(session, city)
    with pytest.raises(Forbidden):
        service.answer(session, item, "我来答", item.version, city["li"])
    with pytest.raises(Forbidden):
        service.answer(session, item, "我来答", item.version, city["staff"])
    with pytest.raises(StaleVersion):
        service.answer(session, item, "旧版本", item.version - 1, city["wang"])
    with pytest.raises(ValidationError):
        service.answer(session, item, "  ", item.version, city["wang"])
    service.answer(session, item, "已召开协调会", item.version, city["wang"], on=date(2026, 3, 22))
    assert (item.status, item.response) == ("answered", "已召开协调会")
    assert item.responded_at is not None
    event = item.events[-1]
    assert (event.kind, event.happened_on, event.created_by_id) == (
        "answered", date(2026, 3, 22), city["wang"].id,
    )  # fmt: skip
    # Staff close it: 销号.
    service.close(session, item, item.version, city["staff"], "已落实", on=date(2026, 3, 23))
    assert item.status == "closed"
    with pytest.raises(Forbidden):  # closed: nothing more to answer
        service.answer(session, item, "补充", item.version, city["wang"])


def test_state_as_of_a_day_reads_the_events(in_app, session, city):
    item = _item(session, city)
    service.answer(session, item, "已协调", item.version, city["wang"], on=date(2026, 3, 22))
    service.close(session, item, item.version, city["staff"], on=date(2026, 3, 25))
    assert not service.state_on(item, date(2026, 3, 19)).known
    assert service.state_on(item, date(2026, 3, 21)).status == "open"
    answered = service.state_on(item, date(2026, 3, 22))
    assert (answered.status, answered.response) == ("answered", "已协调")
    assert service.state_on(item, date(2026, 3, 25)).status == "closed"


# ---- the API ----


def test_the_api_reads_and_answers(in_app, client, session, city, bearer):
    item = _item(session, city)
    wang, li, staff = city["wang"], city["li"], city["staff"]
    listed = client.get(API, query_string={"mine": "true"}, headers=bearer(wang)).json
    assert {row["id"] for row in listed["items"]} >= {item.id}
    assert all(row["assignee_id"] == wang.id for row in listed["items"])
    assert client.get(API, query_string={"mine": "true"}, headers=bearer(li)).json["items"] == [
        row for row in client.get(API, query_string={"mine": "true"}, headers=bearer(li)).json[
            "items"] if row["assignee_id"] == li.id
    ]  # fmt: skip
    record = client.get(f"{API}/{item.id}", headers=bearer(wang)).json
    assert (record["source"], record["status"], record["card"]) == ("overdue_milestone", "open",
                                                                     "yellow")  # fmt: skip
    body = {"response": "已协调解决", "version": record["version"]}
    assert client.patch(f"{API}/{item.id}", json=body, headers=bearer(li)).status_code == 403
    assert client.patch(f"{API}/{item.id}", json=body, headers=bearer(staff)).status_code == 403
    stale = client.patch(f"{API}/{item.id}", json={**body, "version": 0}, headers=bearer(wang))
    assert stale.status_code == 409 and stale.json["current"]["status"] == "open"
    answered = client.patch(f"{API}/{item.id}", json=body, headers=bearer(wang))
    assert answered.status_code == 200, answered.json
    assert (answered.json["status"], answered.json["response"]) == ("answered", "已协调解决")
    # The assignee may only answer; staff close.
    close = {"status": "closed", "version": answered.json["version"]}
    assert client.patch(f"{API}/{item.id}", json=close, headers=bearer(wang)).status_code == 403
    closed = client.patch(f"{API}/{item.id}", json=close, headers=bearer(staff))
    assert closed.status_code == 200 and closed.json["status"] == "closed"
    # One step at a time; an escalation says why.
    both = {"status": "open", "level": "city_government", "reason": "x"}
    mixed = client.patch(f"{API}/{item.id}", json={**both, "version": closed.json["version"]},
                         headers=bearer(staff))  # fmt: skip
    assert mixed.status_code == 422 and "level" in mixed.json["error"]["fields"]
    escalated = client.patch(f"{API}/{item.id}", headers=bearer(staff), json={
        "level": "joint_meeting", "reason": "跨部门", "version": closed.json["version"]})  # fmt: skip
    assert escalated.status_code == 200 and escalated.json["level"] == "joint_meeting"
    # No creating or deleting by hand.
    assert client.post(API, json={}, headers=bearer(staff)).status_code == 405
    assert client.delete(f"{API}/{item.id}", headers=bearer(staff)).status_code == 405


def test_the_api_filters_and_refuses_ambassadors(in_app, client, session, city, bearer,
                                                 make_user):  # fmt: skip
    _generated(session, city)
    staff = bearer(city["staff"])
    rows = client.get(API, query_string={"source": "service_request"}, headers=staff).json
    assert len(rows["items"]) == 2
    district = client.get(API, query_string={"district": city["maojian"].id}, headers=staff).json
    assert {row["project_name"] for row in district["items"]} == {
        "汽车零部件项目",
        "新能源电池项目",
    }
    assert client.get(API, query_string={"card": "purple"}, headers=staff).status_code == 422
    ambassador = bearer(make_user("ambassador"))
    assert client.get(API, headers=ambassador).status_code == 403


def test_unit_staff_see_only_their_units_items(in_app, client, session, city, bearer, make_user):
    _generated(session, city)
    staff = make_user("staff", unit=city["other_unit"])
    rows = client.get(API, headers=bearer(staff)).json["items"]
    assert {row["project_name"] for row in rows} == {"智能装备项目", "物流园项目", None}
    mine = session.scalar(
        select(SupervisionItem).where(SupervisionItem.project_id == city["p1"].id)
    )
    assert client.get(f"{API}/{mine.id}", headers=bearer(staff)).status_code == 404


# ---- the pages ----


def test_the_leader_sees_and_answers_on_the_pages(in_app, client, session, city, login):
    item = _item(session, city)
    login(city["wang"])
    home = client.get("/")
    assert "我的督办" in home.text and item.description in home.text
    page = client.get(f"/supervision/{item.id}")
    assert 'data-testid="answer-form"' in page.text
    assert 'data-testid="manage"' not in page.text
    posted = client.post(f"/supervision/{item.id}/answer", data={
        "response": "<b>已协调</b>", "version": item.version, "csrf_token": csrf_token(page.text)})  # fmt: skip
    assert posted.status_code == 302
    shown = client.get(f"/supervision/{item.id}").text
    assert "&lt;b&gt;已协调&lt;/b&gt;" in shown and "<b>已协调</b>" not in shown
    mine = client.get("/supervision").text  # an official's list opens on their own items
    assert "汽车零部件项目" in mine and "智能装备项目" not in mine


def test_another_official_cannot_answer(in_app, client, session, city, login):
    item = _item(session, city)
    login(city["li"])
    page = client.get(f"/supervision/{item.id}")
    assert page.status_code == 200 and 'data-testid="answer-form"' not in page.text
    posted = client.post(f"/supervision/{item.id}/answer", data={
        "response": "x", "version": item.version, "csrf_token": csrf_token(page.text)})  # fmt: skip
    assert posted.status_code == 403


def test_a_stale_answer_keeps_the_text(in_app, client, session, city, login):
    item = _item(session, city)
    login(city["wang"])
    page = client.get(f"/supervision/{item.id}")
    posted = client.post(f"/supervision/{item.id}/answer", data={
        "response": "我的反馈", "version": 0, "csrf_token": csrf_token(page.text)})  # fmt: skip
    assert posted.status_code == 409
    assert "我的反馈" in posted.text and "刚被他人修改" in posted.text


def test_staff_generate_reopen_and_escalate_on_the_pages(in_app, client, session, city, login):
    login(city["staff"])
    page = client.get("/supervision")
    token = csrf_token(page.text)
    done = client.post("/supervision/generate", data={"as_of": AS_OF.isoformat(),
                                                       "csrf_token": token})  # fmt: skip
    assert done.status_code == 302
    assert "已生成督办事项 8 件" in client.get("/supervision").text
    item = session.scalar(select(SupervisionItem).where(SupervisionItem.source == "problem"))
    wrong = client.post(f"/supervision/{item.id}/reopen", data={
        "deadline_on": "2026-02-30", "reason": "再办", "version": item.version,
        "csrf_token": token})  # fmt: skip
    assert wrong.status_code == 422 and "再办" in wrong.text
    escalated = client.post(f"/supervision/{item.id}/escalate", data={
        "level": "joint_meeting", "reason": "需多部门协调", "version": item.version,
        "csrf_token": token})  # fmt: skip
    assert escalated.status_code == 302
    detail = client.get(f"/supervision/{item.id}").text
    assert "需多部门协调" in detail and "联席会议" in detail
    assert client.post("/supervision/generate", data={
        "as_of": (city_today() + timedelta(days=1)).isoformat(), "csrf_token": token,
    }, follow_redirects=True).text.count("不能为将来的日期生成督办") == 1  # fmt: skip


def test_officials_cannot_generate(in_app, client, session, city, login):
    login(city["wang"])
    page = client.get("/supervision")
    assert "生成本月督办" not in page.text
    posted = client.post("/supervision/generate", data={"csrf_token": csrf_token(page.text)})
    assert posted.status_code == 403


def test_the_supervise_command(app, session, city):
    result = app.test_cli_runner().invoke(args=["supervise", "--as-of", AS_OF.isoformat()])
    assert result.exit_code == 0, result.output
    assert "created 8" in result.output
    again = app.test_cli_runner().invoke(args=["supervise", "--as-of", AS_OF.isoformat()])
    assert "created 0" in again.output and "kept 8" in again.output
