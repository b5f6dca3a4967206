"""The leads and activities API: the five routes each, the stage log, scope and 4xx answers."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from crm.clock import city_today
from crm.models import Enterprise, Lead, StageChange
from crm.services.enterprises import create_enterprise

API = "/api/v1/leads"


@pytest.fixture
def enterprise(session):
    record = create_enterprise(session, {"name": "十堰汉江精工有限公司"}, None)
    session.commit()
    return record


@pytest.fixture
def staff(make_user, bearer):
    return bearer(make_user("staff"))


def new_lead(client, headers, enterprise, **fields) -> dict:
    body = {"name": "电驱动系统项目", "source": "online", "enterprise": enterprise.id} | fields
    response = client.post(API, json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@pytest.fixture
def today(app):
    with app.app_context():
        return city_today()


def error_of(response) -> dict:
    return response.get_json()["error"]


def test_create_read_list_patch_delete(client, staff, enterprise, places, app):
    lead = new_lead(
        client, staff, enterprise, intended_investment_wan="5000", district="420302",
        segments=["M503"], likelihood=60, next_step="发送用地方案", sector="industry",
    )  # fmt: skip
    assert lead["stage"] == "clue" and lead["status"] == "active"
    assert lead["enterprise_name"] == "十堰汉江精工有限公司"
    assert lead["intended_investment_wan"] == "5000"
    assert lead["district"] == "420302" and lead["segments"] == ["M503"]
    assert lead["owner_unit_name"] == "市招商局" and lead["owner_name"]
    assert lead["referrals"] == [] and "new_enterprise" not in lead
    read = client.get(f"{API}/{lead['id']}", headers=staff)
    assert read.get_json() == lead
    items = client.get(API, headers=staff).get_json()["items"]
    assert [item["id"] for item in items] == [lead["id"]]
    assert items[0]["enterprise_name"] == "十堰汉江精工有限公司"

    changed = client.patch(
        f"{API}/{lead['id']}", json={"version": lead["version"], "likelihood": 80}, headers=staff
    )
    assert changed.status_code == 200
    assert changed.get_json()["likelihood"] == 80
    assert changed.get_json()["version"] == lead["version"] + 1
    assert client.delete(f"{API}/{lead['id']}", headers=staff).status_code == 204
    assert client.get(f"{API}/{lead['id']}", headers=staff).status_code == 404


def test_a_new_enterprise_is_created_by_the_registrys_rules(client, staff, enterprise, session):
    body = {
        "name": "新项目",
        "source": "exhibition",
        "new_enterprise": {"name": "襄阳新能源有限公司", "is_local": False},
    }
    response = client.post(API, json=body, headers=staff)
    assert response.status_code == 201, response.get_json()
    created = session.get(Enterprise, response.get_json()["enterprise"])
    assert created.name == "襄阳新能源有限公司" and not created.is_local

    # A name the registry already holds: refused at the nested field, nothing written.
    body["new_enterprise"] = {"name": "十堰 汉江精工有限公司"}
    response = client.post(API, json=body, headers=staff)
    assert response.status_code == 422
    assert "已有同名企业" in error_of(response)["fields"]["new_enterprise.name"][0]
    assert session.scalar(select(func.count()).select_from(Lead)) == 1


def test_4xx(client, staff, enterprise, make_user, bearer):
    assert (
        client.post(
            API,
            json={"name": "x", "source": "online", "enterprise": enterprise.id, "colour": 1},
            headers=staff,
        ).status_code
        == 400
    )
    invalid = client.post(API, json={"name": "", "source": "tv"}, headers=staff)
    assert invalid.status_code == 422
    assert set(error_of(invalid)["fields"]) >= {"name", "source", "enterprise"}
    lead = new_lead(client, staff, enterprise)
    stale = client.patch(
        f"{API}/{lead['id']}", json={"version": lead["version"] + 5, "name": "y"}, headers=staff
    )
    assert stale.status_code == 409 and stale.get_json()["current"]["name"] == lead["name"]
    no_version = client.patch(f"{API}/{lead['id']}", json={"name": "y"}, headers=staff)
    assert no_version.status_code == 422
    read_only = client.patch(
        f"{API}/{lead['id']}", json={"version": 1, "enterprise_name": "y"}, headers=staff
    )
    assert read_only.status_code == 400
    official = bearer(make_user("official"))
    assert client.get(f"{API}/{lead['id']}", headers=official).status_code == 200
    refused = client.patch(
        f"{API}/{lead['id']}", json={"version": 1, "name": "y"}, headers=official
    )
    assert refused.status_code == 403
    assert client.post(API, json={}, headers=official).status_code == 403
    assert client.get(f"{API}/999999", headers=staff).status_code == 404
    assert client.get(f"{API}?stage=nope", headers=staff).status_code == 422
    assert client.get(API).status_code == 401


def test_signing_needs_the_verify_right_amount_and_date(
    today, client, staff, enterprise, make_user, bearer, session
):
    lead = new_lead(client, staff, enterprise)
    url = f"{API}/{lead['id']}"
    refused = client.patch(
        url,
        json={
            "version": 1,
            "stage": "signed",
            "signed_amount_wan": "3000",
            "signed_on": today.isoformat(),
        },
        headers=staff,
    )
    assert refused.status_code == 403
    assert "核实" in error_of(refused)["message"]
    verifier = bearer(make_user("official", can_verify=True))
    assert (
        client.patch(url, json={"version": 1, "stage": "signed"}, headers=verifier).status_code
        == 403
    )  # officials do not write
    admin = bearer(make_user("admin"))
    missing = client.patch(url, json={"version": 1, "stage": "signed"}, headers=admin)
    assert missing.status_code == 422
    assert set(error_of(missing)["fields"]) == {"signed_amount_wan", "signed_on"}
    future = client.patch(
        url,
        json={
            "version": 1,
            "stage": "signed",
            "signed_amount_wan": "3000",
            "signed_on": (today + timedelta(days=3)).isoformat(),
        },
        headers=admin,
    )
    assert future.status_code == 422
    signed = client.patch(
        url,
        json={
            "version": 1,
            "stage": "signed",
            "signed_amount_wan": "3000",
            "signed_on": today.isoformat(),
        },
        headers=admin,
    )
    assert signed.status_code == 200, signed.get_json()
    # Staff may neither take it back nor change the signed amount.
    assert (
        client.patch(url, json={"version": 2, "stage": "negotiation"}, headers=staff).status_code
        == 403
    )
    assert (
        client.patch(url, json={"version": 2, "signed_amount_wan": "1"}, headers=staff).status_code
        == 403
    )
    assert (
        client.patch(
            url, json={"version": 2, "next_step": "对接项目落地"}, headers=staff
        ).status_code
        == 200
    )

    log = client.get(f"{url}/stage-changes", headers=staff).get_json()["items"]
    assert [(entry["from_stage"], entry["to_stage"]) for entry in log] == [
        (None, "clue"),
        ("clue", "signed"),
    ]
    assert log[1]["changed_by_name"]


def test_stages_skip_forward_and_go_back_logged(client, staff, enterprise, session):
    lead = new_lead(client, staff, enterprise)
    url = f"{API}/{lead['id']}"
    version = lead["version"]
    for stage in ("site_visit", "initial_contact", "negotiation"):
        response = client.patch(url, json={"version": version, "stage": stage}, headers=staff)
        assert response.status_code == 200
        version = response.get_json()["version"]
    # A change that is not of the stage writes nothing to the log.
    client.patch(url, json={"version": version, "likelihood": 10}, headers=staff)
    log = client.get(f"{url}/stage-changes", headers=staff).get_json()["items"]
    assert [entry["to_stage"] for entry in log] == [
        "clue",
        "site_visit",
        "initial_contact",
        "negotiation",
    ]
    assert session.scalar(select(func.count()).select_from(StageChange)) == 4


def test_lost_needs_reason_and_who_won(client, staff, enterprise):
    lead = new_lead(client, staff, enterprise, stage="negotiation")
    url = f"{API}/{lead['id']}"
    response = client.patch(url, json={"version": 1, "status": "lost"}, headers=staff)
    assert response.status_code == 422
    assert set(error_of(response)["fields"]) == {"lost_reason", "lost_to"}
    response = client.patch(
        url,
        json={"version": 1, "status": "lost", "lost_reason": "土地价格", "lost_to": "襄阳"},
        headers=staff,
    )
    assert response.status_code == 200
    assert response.get_json()["lost_to"] == "襄阳"
    moved = client.patch(url, json={"version": 2, "stage": "site_visit"}, headers=staff)
    assert moved.status_code == 422 and "stage" in error_of(moved)["fields"]


def test_filters(today, client, staff, enterprise, places):
    first = new_lead(
        client, staff, enterprise, name="电池项目", district="420302", segments=["M501"]
    )
    new_lead(client, staff, enterprise, name="电驱项目", source="exhibition", stage="site_visit",
             next_step_on=(today - timedelta(days=1)).isoformat())  # fmt: skip

    def ids(query):
        response = client.get(f"{API}?{query}", headers=staff)
        assert response.status_code == 200, response.get_json()
        return [item["name"] for item in response.get_json()["items"]]

    assert ids("q=电池") == ["电池项目"]
    assert ids("q=汉江") == ["电池项目", "电驱项目"]  # the enterprise's name
    assert ids("stage=site_visit") == ["电驱项目"]
    assert ids("source=exhibition") == ["电驱项目"]
    assert ids("district=420302") == ["电池项目"]
    assert ids("segment=M501") == ["电池项目"]
    assert ids("overdue=true") == ["电驱项目"]
    assert ids("overdue=false") == ["电池项目"]
    assert ids(f"owner={first['owner']}") == ["电池项目", "电驱项目"]
    assert ids(f"owner_unit={first['owner_unit']}&status=active") == ["电池项目", "电驱项目"]
    assert ids("status=lost") == []


def test_scope(client, session, make_user, make_unit, bearer, enterprise):
    city = make_unit("市招商局", "city_bureau")
    maojian = make_unit("茅箭区招商局", parent=city)
    zhangwan = make_unit("张湾区招商局", parent=city)
    mine = bearer(make_user("staff", unit=maojian))
    theirs = bearer(make_user("staff", unit=zhangwan))
    lead = new_lead(client, mine, enterprise)
    assert lead["owner_unit"] == maojian.id
    url = f"{API}/{lead['id']}"
    assert client.get(url, headers=theirs).status_code == 404
    assert client.patch(url, json={"version": 1, "name": "x"}, headers=theirs).status_code == 404
    assert client.delete(url, headers=theirs).status_code == 404
    assert client.get(f"{url}/stage-changes", headers=theirs).status_code == 404
    assert client.get(f"{url}/activities", headers=theirs).status_code == 404
    assert client.get(API, headers=theirs).get_json()["items"] == []
    # Staff may create only for a unit in their scope, nor move a lead out of it.
    outside = client.post(
        API,
        json={
            "name": "x",
            "source": "online",
            "enterprise": enterprise.id,
            "owner_unit": zhangwan.id,
        },
        headers=mine,
    )
    assert outside.status_code == 403 and "范围" in error_of(outside)["message"]
    moved = client.patch(url, json={"version": 1, "owner_unit": zhangwan.id}, headers=mine)
    assert moved.status_code == 403
    assert client.get(url, headers=bearer(make_user("official"))).status_code == 200
    nobody = bearer(make_user("staff", unit=None))
    assert (
        client.post(
            API, json={"name": "x", "source": "online", "enterprise": enterprise.id}, headers=nobody
        ).status_code
        == 403
    )


def test_activities(today, client, staff, enterprise, make_user, make_unit, bearer):
    lead = new_lead(client, staff, enterprise)
    url = f"{API}/{lead['id']}/activities"
    today = today.isoformat()
    created = client.post(
        url,
        json={
            "kind": "visit",
            "occurred_on": today,
            "participants": "李招商；王总",
            "notes": "看了厂房",
            "follow_up": "寄送政策",
        },
        headers=staff,
    )
    assert created.status_code == 201, created.get_json()
    activity = created.get_json()
    assert activity["lead"] == lead["id"] and activity["enterprise"] == enterprise.id
    assert created.headers["Location"] == f"/api/v1/activities/{activity['id']}"
    assert client.get(url, headers=staff).get_json()["items"][0]["id"] == activity["id"]
    item = f"/api/v1/activities/{activity['id']}"
    assert client.get(item, headers=staff).get_json() == activity
    changed = client.patch(item, json={"version": 1, "notes": "看了厂房和宿舍"}, headers=staff)
    assert changed.status_code == 200 and changed.get_json()["notes"] == "看了厂房和宿舍"
    assert client.patch(item, json={"version": 1, "notes": "x"}, headers=staff).status_code == 409
    assert (
        client.post(url, json={"kind": "lunch", "occurred_on": today}, headers=staff).status_code
        == 422
    )
    assert (
        client.post(
            url, json={"kind": "call", "occurred_on": today, "x": 1}, headers=staff
        ).status_code
        == 400
    )
    assert (
        client.post(
            f"{API}/999999/activities", json={"kind": "call", "occurred_on": today}, headers=staff
        ).status_code
        == 404
    )
    official = bearer(make_user("official"))
    assert (
        client.post(url, json={"kind": "call", "occurred_on": today}, headers=official).status_code
        == 403
    )
    other = bearer(
        make_user(
            "staff", unit=make_unit("张湾区招商局", parent=make_unit("市招商局", "city_bureau"))
        )
    )
    assert client.get(item, headers=other).status_code == 404
    assert client.delete(item, headers=staff).status_code == 204
    assert client.get(item, headers=staff).status_code == 404


def test_notes_keep_their_line_breaks_but_not_other_control_characters(
    today, client, staff, enterprise
):
    lead = new_lead(client, staff, enterprise, basis="产业链推荐\r\n· 补链\n· 已向链主供货")
    assert lead["basis"] == "产业链推荐\n· 补链\n· 已向链主供货"
    url = f"{API}/{lead['id']}/activities"
    body = {"kind": "visit", "occurred_on": today.isoformat()}
    kept = client.post(url, json=body | {"notes": "一、看了厂房\n二、\t谈了用地"}, headers=staff)
    assert kept.status_code == 201 and kept.get_json()["notes"] == "一、看了厂房\n二、\t谈了用地"
    refused = client.post(url, json=body | {"notes": "看了\x00厂房"}, headers=staff)
    assert refused.status_code == 422
    assert error_of(refused)["fields"]["notes"] == ["不能包含控制字符"]
    named = client.post(API, json={"name": "两行\n名称", "source": "online",
                                   "enterprise": enterprise.id}, headers=staff)  # fmt: skip
    assert named.status_code == 422  # a name stays one line
