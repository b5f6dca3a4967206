"""/api/v1/projects and the items of a project: each route, and its 4xx answers."""

from datetime import date
from decimal import Decimal

import pytest

from crm.models import Lead, StageChange


@pytest.fixture
def leader(make_user):
    return make_user("official", display_name="王市长")


@pytest.fixture
def staff_headers(make_user, bearer):
    return bearer(make_user("staff"))


def create(client, headers, leader, **values):
    body = {"name": "新能源电池项目", "total_investment_wan": "12000", "leader_id": leader.id}
    return client.post("/api/v1/projects", json=body | values, headers=headers)


def test_create_read_list_update_delete(client, staff_headers, leader):
    answer = create(client, staff_headers, leader)
    assert answer.status_code == 201
    record = answer.get_json()
    assert (record["pool"], record["stage"], record["size_tier"]) == ("reserve", "planning",
                                                                      "over_100m")  # fmt: skip
    assert answer.headers["Location"] == f"/api/v1/projects/{record['id']}"
    path = answer.headers["Location"]
    assert client.get(path, headers=staff_headers).get_json()["name"] == "新能源电池项目"
    items = client.get("/api/v1/projects?pool=reserve&tier=over_100m",
                       headers=staff_headers).get_json()["items"]  # fmt: skip
    assert [item["id"] for item in items] == [record["id"]]
    assert client.get("/api/v1/projects?pool=construction",
                      headers=staff_headers).get_json()["items"] == []  # fmt: skip
    moved = client.patch(path, json={"stage": "newly_started", "started_on": "2026-01-05",
                                     "version": record["version"]}, headers=staff_headers)  # fmt: skip
    assert moved.status_code == 200 and moved.get_json()["pool"] == "construction"
    log = client.get(f"{path}/stage-changes", headers=staff_headers).get_json()["items"]
    assert [(e["from_stage"], e["to_stage"]) for e in log] == [
        (None, "planning"), ("planning", "newly_started")]  # fmt: skip
    stale = client.patch(path, json={"plan": "x", "version": record["version"]},
                         headers=staff_headers)  # fmt: skip
    assert stale.status_code == 409 and stale.get_json()["current"]["stage"] == "newly_started"
    assert client.delete(path, headers=staff_headers).status_code == 204
    assert client.get(path, headers=staff_headers).status_code == 404


def test_refusals(client, staff_headers, leader, make_user, bearer):
    assert create(client, staff_headers, leader, colour="red").status_code == 400
    assert create(client, staff_headers, leader, pool="reserve").status_code == 400  # read-only
    wrong = create(client, staff_headers, make_user("staff"))
    assert wrong.status_code == 422 and "leader_id" in wrong.get_json()["error"]["fields"]
    no_date = create(client, staff_headers, leader, stage="newly_started")
    assert "started_on" in no_date.get_json()["error"]["fields"]
    assert create(client, bearer(leader), leader).status_code == 403
    assert client.get("/api/v1/projects?stage=nowhere", headers=staff_headers).status_code == 422
    assert client.get("/api/v1/projects/999999", headers=staff_headers).status_code == 404


def test_outside_scope_is_not_found(client, leader, make_user, make_unit, bearer):
    city = make_unit("市招商局", "city_bureau")
    ours = bearer(make_user("staff", unit=make_unit("茅箭区招商局", parent=city)))
    theirs = bearer(make_user("staff", unit=make_unit("张湾区招商局", parent=city)))
    project = create(client, ours, leader).get_json()
    path = f"/api/v1/projects/{project['id']}"
    assert client.get(path, headers=theirs).status_code == 404
    assert client.patch(path, json={"plan": "x", "version": 1}, headers=theirs).status_code == 404
    assert client.get(f"{path}/milestones", headers=theirs).status_code == 404
    assert client.get("/api/v1/projects", headers=theirs).get_json()["items"] == []
    assert client.get(path, headers=bearer(leader)).status_code == 200  # officials read all


def test_items_of_a_project(client, staff_headers, leader):
    project = create(client, staff_headers, leader).get_json()
    base = f"/api/v1/projects/{project['id']}"
    template = client.post(f"{base}/milestones/template", headers=staff_headers)
    assert template.status_code == 201 and len(template.get_json()["items"]) == 6
    again = client.post(f"{base}/milestones/template", headers=staff_headers)
    assert again.status_code == 200 and again.get_json()["items"] == []
    milestones = client.get(f"{base}/milestones", headers=staff_headers).get_json()["items"]
    first = milestones[0]
    assert first["name"] == "立项" and first["overdue"] is False
    path = f"/api/v1/milestones/{first['id']}"
    refused = client.patch(path, json={"status": "done", "version": first["version"]},
                           headers=staff_headers)  # fmt: skip
    assert refused.status_code == 422
    done = client.patch(path, json={"status": "done", "actual_on": "2026-01-05",
                                    "version": first["version"]}, headers=staff_headers)  # fmt: skip
    assert done.status_code == 200 and done.get_json()["status"] == "done"
    assert client.patch(path, json={"name": "x", "version": first["version"]},
                        headers=staff_headers).status_code == 409  # fmt: skip
    assert client.delete(path, headers=staff_headers).status_code == 204
    assert client.get(path, headers=staff_headers).status_code == 404

    problem = client.post(f"{base}/problems", json={"description": "用地指标不足"},
                          headers=staff_headers)  # fmt: skip
    assert problem.status_code == 201
    assert problem.headers["Location"] == f"/api/v1/problems/{problem.get_json()['id']}"
    funds = client.post(f"{base}/funds-arrivals", json={"arrived_on": "2026-01-05",
                        "amount_wan": "800"}, headers=staff_headers)  # fmt: skip
    assert funds.status_code == 201
    progress = client.post(f"{base}/progress-entries", json={
        "period_start_on": "2026-01-01", "investment_period_wan": "500",
        "investment_cumulative_wan": "500"}, headers=staff_headers)  # fmt: skip
    assert progress.status_code == 201
    record = client.get(base, headers=staff_headers).get_json()
    assert (record["funds_in_place_wan"], record["cumulative_investment_wan"]) == ("800", "500")
    assert client.post(f"{base}/problems", json={}, headers=staff_headers).status_code == 422
    assert client.post(f"{base}/problems", json={"x": 1}, headers=staff_headers).status_code == 400
    assert client.post("/api/v1/projects/999999/problems", json={"description": "x"},
                       headers=staff_headers).status_code == 404  # fmt: skip


def test_converting_a_signed_lead(client, session, make_user, bearer, leader):
    staff = make_user("staff")
    headers = bearer(staff)
    lead = Lead(name="电池隔膜项目", source="online", stage="signed",
                signed_amount_wan=Decimal(30000), signed_on=date(2026, 2, 1),
                owner_unit_id=staff.unit_id)  # fmt: skip
    unsigned = Lead(name="洽谈中", source="online", stage="negotiation")
    session.add_all([lead, unsigned])
    session.flush()
    session.add(StageChange(subject="lead", lead_id=lead.id, to_stage="signed"))
    session.commit()
    answer = client.post(f"/api/v1/leads/{lead.id}/project", json={"leader_id": leader.id},
                         headers=headers)  # fmt: skip
    assert answer.status_code == 201
    record = answer.get_json()
    assert (record["lead_id"], record["total_investment_wan"], record["signed_on"]) == (
        lead.id, "30000", "2026-02-01")  # fmt: skip
    log = client.get(f"/api/v1/projects/{record['id']}/stage-changes",
                     headers=headers).get_json()["items"]  # fmt: skip
    assert [e["subject"] for e in log] == ["lead", "project"]
    again = client.post(f"/api/v1/leads/{lead.id}/project", json={"leader_id": leader.id},
                        headers=headers)  # fmt: skip
    assert again.status_code == 409 and again.get_json()["project_id"] == record["id"]
    assert "电池隔膜项目" in again.get_json()["error"]["message"]
    assert client.post(f"/api/v1/leads/{unsigned.id}/project", json={"leader_id": leader.id},
                       headers=headers).status_code == 422  # fmt: skip
    assert client.post("/api/v1/leads/999999/project", json={},
                       headers=headers).status_code == 404  # fmt: skip
    assert client.post(f"/api/v1/leads/{lead.id}/project", json={},
                       headers=bearer(leader)).status_code == 403  # fmt: skip


def test_notes_by_the_leader_and_the_staff_not_by_other_officials(
    client, staff_headers, leader, make_user, bearer
):
    project = create(client, staff_headers, leader).get_json()
    url = f"/api/v1/projects/{project['id']}/notes"
    written = client.post(url, json={"notes": "月底前解决用电问题"}, headers=bearer(leader))
    assert written.status_code == 201 and written.get_json()["author"]
    assert client.post(url, json={"notes": "补充"}, headers=staff_headers).status_code == 201
    other = bearer(make_user("official"))
    assert client.post(url, json={"notes": "越权"}, headers=other).status_code == 403
    assert client.post(url, json={"notes": ""}, headers=staff_headers).status_code == 422
    assert (
        client.post(url, json={"notes": "x", "kind": "party"}, headers=staff_headers).status_code
        == 422
    )
    assert (
        client.post(url, json={"notes": "x", "extra": 1}, headers=staff_headers).status_code == 400
    )
    listed = client.get(url, headers=other).get_json()["items"]
    assert [note["notes"] for note in listed] == ["补充", "月底前解决用电问题"]  # newest first
    assert client.get("/api/v1/projects/999999/notes", headers=other).status_code == 404
