"""Project pages: the list with its tabs and filters, create with errors at the field, the
project's page and its actions, edit with a conflict, lead conversion, and officials' pages."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from crm.models import Lead, Milestone, Project, StageChange
from crm.services.projects import create_project
from tests.support import csrf_token


@pytest.fixture
def leader(make_user):
    return make_user("official", display_name="王市长")


def make(session, app, leader, **values):
    with app.app_context():
        data = {"name": "新能源电池项目", "total_investment_wan": "12000", "leader_id": leader.id}
        project = create_project(session, data | values, None)
        session.commit()  # inside: leaving the context removes the session
    return project


def post(client, path, data, page_path):
    page = client.get(page_path)
    return client.post(path, data={**data, "csrf_token": csrf_token(page.text)})


def test_list_tabs_and_filters(client, login, make_user, session, app, leader):
    make(session, app, leader, name="整车项目", total_investment_wan="150000", stage="newly_started",
         started_on="2026-01-05")  # fmt: skip
    make(session, app, leader, name="配件项目", total_investment_wan="900")
    login(make_user("staff"))
    page = client.get("/projects")
    assert page.status_code == 200 and "整车项目" in page.text and "配件项目" in page.text
    assert "储备库" in page.text and "10亿元以上" in page.text
    construction = client.get("/projects?pool=construction").text
    assert "整车项目" in construction and "配件项目" not in construction
    assert "配件项目" in client.get("/projects?tier=&q=配件").text
    assert "没有符合条件的项目" in client.get("/projects?tier=over_1b&stage=planning").text
    assert "未知区县代码" in client.get("/projects?district=999999").text
    assert client.get("/projects?sort=name").status_code == 200


def test_create_with_errors_at_the_field(client, login, make_user, session, leader):
    staff = make_user("staff")
    login(staff)
    page = client.get("/projects/new")
    assert page.status_code == 200 and "王市长" in page.text
    answer = client.post("/projects/new", data={
        "csrf_token": csrf_token(page.text), "name": "新能源电池项目", "total_investment_wan": "500",
        "project_type": "new_build", "sector": "industry", "stage": "newly_started",
        "status": "on_track", "leader_id": str(staff.id)})  # fmt: skip
    assert answer.status_code == 422
    assert "不是在职的领导账号" in answer.text and "须填写实际开工日期" in answer.text
    answer = client.post("/projects/new", data={
        "csrf_token": csrf_token(page.text), "name": "新能源电池项目", "total_investment_wan": "500",
        "project_type": "new_build", "sector": "industry", "stage": "planning",
        "status": "on_track", "leader_id": str(leader.id), "plan": "三月底前完成供地"})  # fmt: skip
    assert answer.status_code == 302
    project = session.scalar(select(Project).where(Project.name == "新能源电池项目"))
    assert project.plan == "三月底前完成供地" and project.owner_unit_id == staff.unit_id


def test_detail_and_its_actions(client, login, make_user, session, app, leader):
    project = make(session, app, leader)
    login(make_user("staff"))
    path = f"/projects/{project.id}"
    page = client.get(path)
    assert "王市长" in page.text and "储备库" in page.text and "正在谋划" in page.text
    post(client, f"{path}/milestones/template", {}, path)
    post(client, f"{path}/milestones/template", {}, path)
    names = session.scalars(select(Milestone.name).where(Milestone.project_id == project.id)).all()
    assert len(names) == 6
    first = session.scalar(select(Milestone).where(Milestone.name == "立项"))
    post(client, f"{path}/milestones/{first.id}/done", {}, path)
    assert session.scalar(select(Milestone.status).where(Milestone.id == first.id)) == "done"
    post(client, f"{path}/problems", {"description": "用地指标不足"}, path)
    post(client, f"{path}/funds", {"arrived_on": "2026-01-05", "amount_wan": "800",
                                   "origin": "local"}, path)  # fmt: skip
    version = session.scalar(select(Project.version).where(Project.id == project.id))
    refused = post(client, f"{path}/stage", {"stage": "newly_started", "version": version}, path)
    assert refused.status_code == 302
    assert "须填写实际开工日期" in client.get(path).text
    version = session.scalar(select(Project.version).where(Project.id == project.id))
    post(client, f"{path}/stage", {"stage": "newly_started", "started_on": "2026-01-05",
                                   "version": version}, path)  # fmt: skip
    page = client.get(path).text
    assert "建设库" in page and "用地指标不足" in page and "2026-01-05" in page
    assert "正在谋划 → 新开工" in page
    assert session.scalar(select(Project.funds_in_place_wan).where(Project.id == project.id)) == 800


def test_edit_conflict_is_shown_not_overwritten(client, login, make_user, session, app, leader):
    project = make(session, app, leader)
    login(make_user("staff"))
    form = client.get(f"/projects/{project.id}/edit").text
    with app.app_context():
        from crm.services.projects import update_project

        current = session.get(Project, project.id)
        update_project(session, current, {"plan": "他人的方案"}, current.version, None)
        session.commit()
    answer = client.post(f"/projects/{project.id}/edit", data={
        "csrf_token": csrf_token(form), "name": "新能源电池项目", "total_investment_wan": "12000",
        "project_type": "new_build", "sector": "industry", "stage": "planning",
        "status": "on_track", "leader_id": str(leader.id), "plan": "我的方案", "version": "1",
        "original": '{"plan": null}'})  # fmt: skip
    assert answer.status_code == 409 and "他人的方案" in answer.text
    assert session.get(Project, project.id).plan == "他人的方案"


def test_scope_hides_other_units_projects(client, login, make_user, make_unit, session, app,
                                          leader):  # fmt: skip
    city = make_unit("市招商局", "city_bureau")
    project = make(session, app, leader, owner_unit_id=make_unit("茅箭区招商局", parent=city).id)
    login(make_user("staff", unit=make_unit("张湾区招商局", parent=city)))
    assert client.get(f"/projects/{project.id}").status_code == 404
    assert "新能源电池项目" not in client.get("/projects").text


def test_officials_see_their_projects_and_write_notes(client, login, make_user, session, app,
                                                      leader):  # fmt: skip
    project = make(session, app, leader)
    login(leader)
    home = client.get("/")
    assert "我牵头的项目" in home.text and "新能源电池项目" in home.text
    path = f"/projects/{project.id}"
    assert client.get(f"{path}/edit").status_code == 403
    page = client.get(path)
    assert "批示与调度" in page.text and "保存阶段" not in page.text
    post(client, f"{path}/notes", {"notes": "月底前完成供地", "kind": "meeting"}, path)
    assert "月底前完成供地" in client.get(path).text
    assert post(client, f"{path}/stage", {"stage": "ready_to_start"}, path).status_code == 403


def test_a_signed_lead_converts_on_its_page(client, login, make_user, session, leader):
    staff = make_user("staff")
    lead = Lead(name="电池隔膜项目", source="online", stage="signed",
                signed_amount_wan=Decimal(30000), signed_on=date(2026, 2, 1),
                owner_unit_id=staff.unit_id)  # fmt: skip
    session.add(lead)
    session.flush()
    session.add(StageChange(subject="lead", lead_id=lead.id, to_stage="signed"))
    session.commit()
    login(staff)
    path = f"/leads/{lead.id}/convert"
    page = client.get(path)
    assert page.status_code == 200 and "电池隔膜项目" in page.text and "30000" in page.text
    answer = client.post(path, data={
        "csrf_token": csrf_token(page.text), "name": "电池隔膜项目", "total_investment_wan": "30000",
        "project_type": "new_build", "sector": "industry", "stage": "planning",
        "status": "on_track", "leader_id": str(leader.id), "signed_on": "2026-02-01",
        "owner_unit_id": str(staff.unit_id)})  # fmt: skip
    assert answer.status_code == 302
    project = session.scalar(select(Project).where(Project.lead_id == lead.id))
    detail = client.get(answer.headers["Location"]).text
    assert "线索" in detail and "签约" in detail
    again = client.get(path)
    assert again.status_code == 302 and again.headers["Location"] == f"/projects/{project.id}"


def test_the_team_is_edited_on_the_form(client, login, make_user, session, app, leader):
    from crm.models import ProjectMember

    project = make(session, app, leader)
    staff = make_user("staff")
    login(staff)
    form = client.get(f"/projects/{project.id}/edit").text
    answer = client.post(f"/projects/{project.id}/edit", data={
        "csrf_token": csrf_token(form), "name": "新能源电池项目", "total_investment_wan": "12000",
        "project_type": "new_build", "sector": "industry", "stage": "planning",
        "status": "on_track", "leader_id": str(leader.id), "version": "1", "original": "{}",
        "members": f"{staff.name} 前期手续\n张工 现场协调\n\n"})  # fmt: skip
    assert answer.status_code == 302, answer.text
    members = session.query(ProjectMember).filter_by(project_id=project.id).all()
    assert {(m.user_id, m.name, m.duty) for m in members} == {
        (staff.id, None, "前期手续"),
        (None, "张工", "现场协调"),
    }
    shown = client.get(f"/projects/{project.id}/edit").text
    assert f"{staff.name} 前期手续" in shown and "张工 现场协调" in shown
