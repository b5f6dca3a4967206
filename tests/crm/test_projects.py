"""Projects' rules in the service: stages and their facts, the pool, one leader, milestones and
their template, overdue in the city's time, problems, progress, funds, notes, conversion of a
signed lead, and the unit scope."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from crm.models import Lead, Milestone, StageChange
from crm.services import projects
from crm.services.enterprises import create_enterprise
from crm.services.errors import Forbidden, NotFound, StaleVersion, ValidationError
from crm.services.projects import (
    FUNDS_KIND,
    MILESTONE_KIND,
    PROBLEM_KIND,
    PROGRESS_KIND,
    apply_milestone_template,
    convert_lead,
    create_item,
    create_project,
    get_project,
    is_overdue,
    update_item,
    update_project,
)


@pytest.fixture(autouse=True)
def city_context(app):
    """Dates are checked against today in the city's time zone, which the app's config names."""
    with app.app_context():
        yield


@pytest.fixture
def leader(make_user):
    return make_user("official", display_name="王市长")


@pytest.fixture
def enterprise(session):
    enterprise = create_enterprise(session, {"name": "十堰汉江精工有限公司"}, None)
    session.commit()
    return enterprise


def add_item(kind, session, project_id, data, actor):
    return create_item(kind, session, data, actor, parent_id=project_id)


def new(session, leader, actor=None, **values):
    data = {"name": "新能源电池项目", "total_investment_wan": "12000", "leader_id": leader.id}
    return create_project(session, data | values, actor)


def stages(session, project):
    return [
        (change.from_stage, change.to_stage)
        for change in session.scalars(
            select(StageChange).where(StageChange.project_id == project.id).order_by(
                StageChange.id)
        )
    ]  # fmt: skip


def test_a_new_project_is_in_the_reserve_pool_with_its_first_stage_logged(
    session, leader, make_user
):
    staff = make_user("staff")
    project = new(session, leader, staff)
    session.commit()
    assert (project.stage, project.pool) == ("planning", "reserve")
    assert project.owner_unit_id == staff.unit_id
    assert stages(session, project) == [(None, "planning")]
    change = session.scalar(select(StageChange).where(StageChange.project_id == project.id))
    assert change.changed_by_id == staff.id


def test_the_pool_follows_the_stage(session, leader):
    project = new(session, leader)
    for stage, pool, facts in (
        ("ready_to_start", "reserve", {}),
        ("newly_started", "construction", {"started_on": "2026-03-01"}),
        ("under_construction", "construction", {}),
        ("completed", "in_effect", {"completed_on": "2026-10-01"}),
        ("in_production", "in_effect", {"full_output_wan": "50000", "full_tax_wan": "3000"}),
    ):
        update_project(session, project, {"stage": stage, **facts}, project.version, None)
        session.commit()
        session.refresh(project)
        assert project.pool == pool
    assert len(stages(session, project)) == 6
    assert stages(session, project)[-1] == ("completed", "in_production")


def test_each_stage_needs_its_facts(session, leader):
    project = new(session, leader)
    with pytest.raises(ValidationError) as refused:
        update_project(session, project, {"stage": "newly_started"}, project.version, None)
    assert "实际开工日期" in refused.value.fields["started_on"][0]
    with pytest.raises(ValidationError) as refused:
        update_project(
            session, project, {"stage": "completed", "started_on": "2026-03-01"}, 1, None
        )
    assert "竣工日期" in refused.value.fields["completed_on"][0]
    with pytest.raises(ValidationError) as refused:
        update_project(
            session, project,
            {"stage": "in_production", "started_on": "2026-03-01", "completed_on": "2026-05-01"},
            1, None,
        )  # fmt: skip
    assert set(refused.value.fields) == {"full_output_wan", "full_tax_wan"}
    with pytest.raises(ValidationError) as refused:
        new(session, leader, stage="completed", started_on="2026-05-01", completed_on="2026-04-01")
    assert "不能早于开工日期" in refused.value.fields["completed_on"][0]


def test_stages_move_back_only_one_step(session, leader):
    project = new(session, leader, stage="under_construction", started_on="2026-01-05")
    session.commit()
    with pytest.raises(ValidationError) as refused:
        update_project(session, project, {"stage": "planning"}, project.version, None)
    assert "退回上一阶段" in refused.value.fields["stage"][0]
    update_project(session, project, {"stage": "newly_started"}, project.version, None)
    assert stages(session, project)[-1] == ("under_construction", "newly_started")


def test_one_leader_who_is_an_active_official(session, make_user, leader):
    staff = make_user("staff", display_name="李招商")
    with pytest.raises(ValidationError) as refused:
        new(session, staff)
    assert "不是在职的领导账号" in refused.value.fields["leader_id"][0]
    retired = make_user("official")
    retired.active = False
    with pytest.raises(ValidationError):
        new(session, retired)
    with pytest.raises(ValidationError) as refused:
        create_project(session, {"name": "x", "total_investment_wan": 1}, None)
    assert refused.value.fields["leader_id"] == ["必填"]
    project = new(session, leader)
    with pytest.raises(ValidationError):
        update_project(session, project, {"leader_id": None}, project.version, None)


def test_team_plan_and_members(session, leader, make_user, make_unit):
    member = make_user("staff")
    team = make_unit("新能源专班", "task_team")
    project = new(
        session, leader, team_unit_id=team.id, plan="三月底前完成供地",
        members=[{"user_id": member.id, "duty": "专班联络员"}, {"name": "张工", "duty": "技术"}],
    )  # fmt: skip
    session.commit()
    values = projects.project_values(session, project)
    assert values["team_unit_id"] == team.id
    assert [(m.user_id, m.name) for m in values["members"]] == [(member.id, None), (None, "张工")]
    with pytest.raises(ValidationError) as refused:
        update_project(session, project, {"members": [{"duty": "无名"}]}, project.version, None)
    assert "user_id" in refused.value.fields["members"][0]


def test_upgrade_projects_belong_to_a_local_enterprise(session, leader, enterprise):
    with pytest.raises(ValidationError) as refused:
        new(session, leader, project_type="upgrade")
    assert "技改" in refused.value.fields["enterprise_id"][0]
    project = new(session, leader, project_type="upgrade", enterprise_id=enterprise.id)
    assert project.enterprise_id == enterprise.id
    enterprise.is_local = False
    with pytest.raises(ValidationError) as refused:
        new(session, leader, project_type="upgrade", enterprise_id=enterprise.id)
    assert "外地企业" in refused.value.fields["enterprise_id"][0]


def test_statistics_flag_needs_its_date_and_size_tiers(session, leader):
    with pytest.raises(ValidationError) as refused:
        new(session, leader, in_statistics=True)
    assert "in_statistics_on" in refused.value.fields
    project = new(session, leader, in_statistics=True, in_statistics_on="2026-02-01")
    assert projects.size_tier(project.total_investment_wan) == "over_100m"
    assert projects.size_tier(Decimal("9999.99")) is None
    assert projects.size_tier(Decimal(100_000)) == "over_1b"


def test_versions_are_checked(session, leader):
    project = new(session, leader)
    session.commit()
    with pytest.raises(StaleVersion):
        update_project(session, project, {"plan": "x"}, project.version + 1, None)


# ---- milestones ----


def test_the_template_adds_the_preparatory_milestones_once(session, leader):
    project = new(session, leader)
    add_item(MILESTONE_KIND, session, project.id, {"name": "环评", "planned_on": "2026-06-01"},
                None)  # fmt: skip
    added = apply_milestone_template(session, project, None, today=date(2026, 1, 10))
    assert [m.name for m in added] == ["立项", "用地", "能评", "规划许可", "施工许可"]
    assert added[0].planned_on == date(2026, 2, 9)
    assert apply_milestone_template(session, project, None, today=date(2026, 1, 10)) == []
    names = session.scalars(select(Milestone.name).where(Milestone.project_id == project.id))
    assert sorted(names) == sorted(projects.TEMPLATE_MILESTONES)


def test_the_template_is_for_projects_not_yet_started(session, leader):
    project = new(session, leader, stage="newly_started", started_on="2026-01-05")
    with pytest.raises(ValidationError):
        apply_milestone_template(session, project, None)


def test_a_milestone_due_today_is_overdue_only_after_the_citys_midnight(session, leader):
    zone = ZoneInfo("Asia/Shanghai")
    due = date(2026, 3, 31)
    # 15:59 UTC on the 31st is 23:59 in Shiyan: still the day it is due.
    before = datetime(2026, 3, 31, 15, 59, tzinfo=ZoneInfo("UTC")).astimezone(zone).date()
    after = datetime(2026, 3, 31, 16, 0, tzinfo=ZoneInfo("UTC")).astimezone(zone).date()
    assert (before, after) == (date(2026, 3, 31), date(2026, 4, 1))
    assert not is_overdue(due, "pending", before)
    assert is_overdue(due, "pending", after)
    assert not is_overdue(due, "done", after)

    project = new(session, leader)
    milestone = add_item(
        MILESTONE_KIND, session, project.id, {"name": "立项", "planned_on": due}, None
    )
    assert not projects.milestone_values(milestone, before)["overdue"]
    assert projects.milestone_values(milestone, after)["overdue"]
    assert projects.overdue_count(session, project.id, after) == 1
    overdue = projects.ProjectFilters(overdue=True)
    assert len(projects.list_projects(session, overdue, None, today=after)[0]) == 1
    assert projects.list_projects(session, overdue, None, today=before)[0] == []


def test_a_done_milestone_has_its_actual_date(session, leader):
    project = new(session, leader)
    milestone = add_item(
        MILESTONE_KIND, session, project.id, {"name": "立项", "planned_on": "2026-03-01"}, None
    )
    with pytest.raises(ValidationError) as refused:
        update_item(MILESTONE_KIND, session, milestone, {"status": "done"}, 1, None)
    assert "actual_on" in refused.value.fields
    projects.mark_milestone_done(session, milestone, None, today=date(2026, 3, 2))
    assert (milestone.status, milestone.actual_on) == ("done", date(2026, 3, 2))


# ---- problems, progress, funds, notes ----


def test_problems_progress_and_funds(session, leader, make_unit):
    project = new(session, leader)
    unit = make_unit("市自然资源和规划局", "task_team")
    problem = add_item(PROBLEM_KIND, session, project.id,
                          {"description": "用地指标不足", "responsible_unit_id": unit.id,
                           "deadline_on": "2026-04-30"}, None)  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        update_item(PROBLEM_KIND, session, problem, {"status": "solved"}, 1, None)
    assert "response" in refused.value.fields
    update_item(PROBLEM_KIND, session, problem,
                {"status": "solved", "response": "已调剂指标"}, 1, None)  # fmt: skip
    assert projects.problem_values(problem)["response"] == "已调剂指标"

    entry = {"period_start_on": "2026-03-01", "investment_period_wan": "500",
             "investment_cumulative_wan": "2500"}  # fmt: skip
    add_item(PROGRESS_KIND, session, project.id, entry, None)
    with pytest.raises(ValidationError) as refused:
        add_item(PROGRESS_KIND, session, project.id, entry, None)
    assert "已填报" in refused.value.fields["period_start_on"][0]
    with pytest.raises(ValidationError):
        add_item(PROGRESS_KIND, session, project.id, entry | {"period_start_on": "2026-04-02"},
                    None)  # fmt: skip
    assert projects.cumulative_investment(session, project.id) == Decimal(2500)

    add_item(FUNDS_KIND, session, project.id, {"arrived_on": "2026-03-05", "amount_wan": "800"},
                None)  # fmt: skip
    arrival = add_item(FUNDS_KIND, session, project.id,
                          {"arrived_on": "2026-03-20", "amount_wan": "200"}, None)  # fmt: skip
    assert project.funds_in_place_wan == Decimal(1000)
    projects.delete_item(FUNDS_KIND, session, arrival, None)
    assert project.funds_in_place_wan == Decimal(800)
    with pytest.raises(ValidationError) as refused:
        add_item(FUNDS_KIND, session, project.id,
                    {"arrived_on": "2026-03-05", "amount_wan": "1", "origin": "foreign"}, None)  # fmt: skip
    assert {"currency", "amount_usd"} <= set(refused.value.fields)


def test_leaders_note_on_the_projects_they_lead(session, leader, make_user):
    project = new(session, leader)
    other = make_user("official")
    projects.add_note(session, project, "要求月底前完成供地", leader)
    with pytest.raises(Forbidden):
        projects.add_note(session, project, "越权批示", other)
    with pytest.raises(ValidationError):
        projects.add_note(session, project, "  ", leader)
    notes = projects.notes_of(session, project)
    assert [(n.Activity.notes, n.author) for n in notes] == [("要求月底前完成供地", "王市长")]


# ---- conversion ----


def test_a_signed_lead_converts_once_keeping_its_history(session, leader, enterprise, make_user):
    staff = make_user("staff")
    lead = Lead(name="电池隔膜项目", source="online", stage="signed", enterprise=enterprise,
                signed_amount_wan=Decimal(30000), signed_on=date(2026, 2, 1),
                owner_unit_id=staff.unit_id, sector="industry")  # fmt: skip
    session.add(lead)
    session.flush()
    session.add_all(
        StageChange(subject="lead", lead_id=lead.id, from_stage=old, to_stage=new_stage)
        for old, new_stage in ((None, "clue"), ("clue", "negotiation"), ("negotiation", "signed"))
    )
    session.commit()
    project = convert_lead(session, lead, {"leader_id": leader.id}, staff)
    session.commit()
    assert (project.lead_id, project.enterprise_id, project.total_investment_wan) == (
        lead.id, enterprise.id, Decimal(30000))  # fmt: skip
    assert (project.signed_on, project.owner_unit_id) == (date(2026, 2, 1), staff.unit_id)
    log = projects.stage_log(session, project)
    assert [(e.subject, e.to_stage) for e in log] == [
        ("lead", "clue"), ("lead", "negotiation"), ("lead", "signed"), ("project", "planning")]  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        convert_lead(session, lead, {"leader_id": leader.id}, staff)
    assert refused.value.holders == {"lead": project.id}
    assert project.name in refused.value.fields["lead"][0]


def test_only_signed_leads_convert(session, leader):
    lead = Lead(name="洽谈中的线索", source="online", stage="negotiation")
    session.add(lead)
    session.flush()
    with pytest.raises(ValidationError) as refused:
        convert_lead(session, lead, {"leader_id": leader.id}, None)
    assert "已签约" in refused.value.fields["lead"][0]


# ---- scope ----


def test_staff_see_and_change_only_their_units_projects(session, leader, make_user, make_unit):
    city = make_unit("市招商局", "city_bureau")
    maojian = make_unit("茅箭区招商局", parent=city)
    zhangwan = make_unit("张湾区招商局", parent=city)
    ours = make_user("staff", unit=maojian)
    theirs = make_user("staff", unit=zhangwan)
    project = new(session, leader, ours)
    session.commit()
    assert get_project(session, project.id, ours) is project
    with pytest.raises(NotFound):
        get_project(session, project.id, theirs)
    for reader in (make_user("official"), make_user("admin"), make_user("staff")):
        assert get_project(session, project.id, reader) is project
    filters = projects.ProjectFilters()
    assert projects.list_projects(session, filters, theirs)[0] == []
    assert len(projects.list_projects(session, filters, ours)[0]) == 1
    with pytest.raises(Forbidden):
        update_project(session, project, {"plan": "x"}, project.version, theirs)
    with pytest.raises(Forbidden):
        new(session, leader, ours, owner_unit_id=zhangwan.id)
    with pytest.raises(Forbidden):
        new(session, leader, make_user("staff", unit=None))
    with pytest.raises(Forbidden):  # officials read, and write only notes
        update_project(session, project, {"plan": "x"}, project.version, leader)


def test_filters(session, leader, make_user, places):
    big = new(session, leader, name="整车项目", total_investment_wan="150000", district="420302",
              signed_on="2025-06-01", stage="newly_started", started_on="2025-09-01")  # fmt: skip
    new(session, leader, name="配件项目", total_investment_wan="900", signed_on="2026-01-10")
    session.commit()

    def names(**filters):
        rows, _more = projects.list_projects(session, projects.ProjectFilters(**filters), None)
        return sorted(row.name for row in rows)

    assert names(tier="over_1b") == ["整车项目"]
    assert names(tier="over_100m") == ["整车项目"]
    assert names(pool="construction") == ["整车项目"]
    assert names(stage="planning") == ["配件项目"]
    assert names(district="420302") == ["整车项目"]
    assert names(signed_year=2026) == ["配件项目"]
    assert names(q="配件") == ["配件项目"]
    assert names(leader=leader.id) == ["整车项目", "配件项目"]
    assert names(in_statistics=False) == ["整车项目", "配件项目"]
    with pytest.raises(ValidationError):
        names(district="999999")
    assert big.pool == "construction"
