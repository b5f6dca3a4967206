"""Service requests (企业诉求): the service's rules and scope, the API's five routes with their
refusals, and the pages (the enterprise page's forms, the list of open and overdue ones)."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from crm.clock import city_today
from crm.models import District, ServiceRequest
from crm.schemas.service_requests import ServiceRequestFilters
from crm.services import service_requests as service
from crm.services.enterprises import create_enterprise
from crm.services.errors import Forbidden, NotFound, StaleVersion, ValidationError
from tests.support import csrf_token

API = "/api/v1/service-requests"


@pytest.fixture
def city(session, places, make_unit):
    """The city bureau, 茅箭区's and 张湾区's bureaus, 市经信局, a chain leader in 茅箭区 and a firm
    in 张湾区."""
    maojian = session.scalar(select(District).where(District.code == "420302"))
    zhangwan = session.scalar(select(District).where(District.code == "420303"))
    bureau = make_unit("市招商局", "city_bureau")
    units = {
        "bureau": bureau,
        "maojian": make_unit("茅箭区招商局", parent=bureau, district=maojian),
        "zhangwan": make_unit("张湾区招商局", parent=bureau, district=zhangwan),
        "jingxin": make_unit("市经信局", "city_department"),
    }
    leader = create_enterprise(session, {"name": "东风商用车有限公司", "district": "420302",
                                         "is_chain_leader": True}, None)  # fmt: skip
    other = create_enterprise(session, {"name": "十堰张湾锻造有限公司", "district": "420303"}, None)
    session.commit()
    return {**units, "leader": leader, "other": other}


@pytest.fixture
def in_app(app):
    """The service's dates are the city's (crm.clock): they need the application."""
    with app.app_context():
        yield


def make_request(session, enterprise, actor=None, **values):
    item = service.create_service_request(
        session, {"enterprise_id": enterprise.id, "request": "增加供电容量", **values}, actor
    )
    session.commit()
    return item


# ---- the service ----


def test_a_request_is_made_answered_and_closed(in_app, session, city, make_user):
    staff = make_user("staff", unit=city["maojian"])
    item = make_request(session, city["leader"], staff, responsible_unit_id=city["jingxin"].id,
                        deadline_on="2030-01-31")  # fmt: skip
    assert (item.status, item.deadline_on, item.created_by_id) == ("open", date(2030, 1, 31),
                                                                   staff.id)  # fmt: skip
    with pytest.raises(ValidationError) as refused:  # answered without an answer
        service.update_service_request(session, item, {"status": "answered"}, item.version, staff)
    assert set(refused.value.fields) == {"response"}
    session.rollback()
    service.update_service_request(session, item, {"status": "answered", "response": "已扩容"},
                                   item.version, staff)  # fmt: skip
    session.commit()
    with pytest.raises(StaleVersion):
        service.update_service_request(session, item, {"status": "closed"}, 1, staff)
    values = service.service_request_values(session, item, today=date(2026, 6, 1))
    assert values["enterprise_name"] == "东风商用车有限公司"
    assert values["responsible_unit_name"] == "市经信局" and values["overdue"] is False


def test_the_rules_name_every_wrong_field(in_app, session, city):
    with pytest.raises(ValidationError) as refused:
        service.create_service_request(session, {"enterprise_id": 999_999, "request": " ",
                                                 "responsible_unit_id": 999_999,
                                                 "status": "done"}, None)  # fmt: skip
    assert set(refused.value.fields) == {"enterprise_id", "request", "responsible_unit_id",
                                         "status"}  # fmt: skip
    item = make_request(session, city["leader"])
    with pytest.raises(ValidationError) as moved:
        service.update_service_request(session, item, {"enterprise_id": city["other"].id}, 1, None)
    assert set(moved.value.fields) == {"enterprise_id"}


def test_overdue_is_reckoned_in_the_citys_days(in_app, session, city, make_user):
    today = date(2026, 6, 22)
    late = make_request(session, city["leader"], deadline_on="2026-06-21")
    due = make_request(session, city["leader"], deadline_on="2026-06-22")
    done = make_request(session, city["leader"], deadline_on="2026-01-01", status="closed",
                        response="已办结")  # fmt: skip
    make_request(session, city["other"])  # no deadline: never overdue
    official = make_user("official")

    def ids(**filters):
        statement = service.listed(session, ServiceRequestFilters(**filters), official, today)
        return {row.id for row in session.execute(statement)}

    assert ids(overdue=True) == {late.id}
    assert due.id in ids(overdue=False) and done.id in ids(overdue=False)
    assert ids(open=False) == {done.id}
    assert ids(enterprise=city["other"].id, open=True) == ids(enterprise=city["other"].id)
    assert service.is_overdue(late, today) and not service.is_overdue(due, today)


def test_who_may_handle_a_request(in_app, session, city, make_user):
    maojian = make_user("staff", unit=city["maojian"])
    zhangwan = make_user("staff", unit=city["zhangwan"])
    jingxin = make_user("staff", unit=city["jingxin"])
    # 张湾区's staff may not raise one for 茅箭区's firm, unless their unit answers it.
    with pytest.raises(Forbidden):
        make_request(session, city["leader"], zhangwan)
    session.rollback()
    item = make_request(session, city["leader"], zhangwan, responsible_unit_id=city["zhangwan"].id)
    # 市经信局 answers what it is responsible for, though the firm is not in its district.
    assigned = make_request(session, city["leader"], maojian,
                            responsible_unit_id=city["jingxin"].id)  # fmt: skip
    service.update_service_request(session, assigned, {"status": "in_progress"}, 1, jingxin)
    with pytest.raises(Forbidden):  # nor may it take over another's
        service.update_service_request(session, item, {"status": "in_progress"}, 1, jingxin)
    session.rollback()
    with pytest.raises(Forbidden):  # officials read, never write
        make_request(session, city["leader"], make_user("official"))
    session.rollback()
    with pytest.raises(Forbidden):
        make_request(session, city["leader"], make_user("staff", unit=None))
    session.rollback()
    # Deleted: gone from reads, kept in the table.
    service.delete_service_request(session, item, maojian)
    session.commit()
    with pytest.raises(NotFound):
        service.get_service_request(session, item.id, maojian)
    assert session.get(ServiceRequest, item.id).deleted_at is not None


# ---- the API ----


def test_the_api_lists_creates_reads_changes_and_deletes(client, session, city, make_user,
                                                         bearer):  # fmt: skip
    headers = bearer(make_user("staff", unit=city["maojian"]))
    body = {"enterprise_id": city["leader"].id, "request": "申请技改补贴",
            "responsible_unit_id": city["maojian"].id, "deadline_on": "2020-01-31"}  # fmt: skip
    created = client.post(API, json=body, headers=headers)
    assert created.status_code == 201, created.get_json()
    record = created.get_json()
    assert record["overdue"] is True and record["status"] == "open"
    assert created.headers["Location"].endswith(f"{API}/{record['id']}")
    listed = client.get(API, headers=headers, query_string={"overdue": "true"}).get_json()
    assert [item["id"] for item in listed["items"]] == [record["id"]]
    assert listed["items"][0]["enterprise_name"] == "东风商用车有限公司"
    by_unit = client.get(API, headers=headers, query_string={"unit": city["jingxin"].id})
    assert by_unit.get_json()["items"] == []
    url = f"{API}/{record['id']}"
    changed = client.patch(url, headers=headers, json={"version": record["version"],
                                                       "status": "answered", "response": "已兑现"})  # fmt: skip
    assert changed.status_code == 200 and changed.get_json()["overdue"] is False
    stale = client.patch(url, headers=headers, json={"version": record["version"],
                                                     "status": "closed"})  # fmt: skip
    assert stale.status_code == 409 and stale.get_json()["current"]["status"] == "answered"
    assert client.delete(url, headers=headers).status_code == 204
    assert client.get(url, headers=headers).status_code == 404


def test_the_api_refuses_what_it_should(client, session, city, make_user, bearer):
    item = make_request(session, city["leader"])
    zhangwan = bearer(make_user("staff", unit=city["zhangwan"]))
    official = bearer(make_user("official"))
    url = f"{API}/{item.id}"
    assert client.get(API).status_code == 401
    assert client.get(url, headers=official).status_code == 200  # read by everyone
    assert client.post(API, json={"enterprise_id": city["leader"].id, "request": "x"},
                       headers=official).status_code == 403  # fmt: skip
    refused = client.patch(url, headers=zhangwan, json={"version": 1, "status": "in_progress"})
    assert refused.status_code == 403
    assert "您不能办理" in refused.get_json()["error"]["message"]
    assert client.delete(url, headers=zhangwan).status_code == 403
    assert (
        client.patch(url, headers=zhangwan, json={"status": "x"}).status_code == 422
    )  # no version
    invalid = client.post(API, headers=zhangwan, json={"enterprise_id": city["leader"].id,
                                                       "request": "x", "deadline_on": "明天"})  # fmt: skip
    assert invalid.status_code == 422 and "deadline_on" in invalid.get_json()["error"]["fields"]
    unknown = client.post(API, headers=zhangwan, json={"enterprise_id": city["leader"].id,
                                                       "request": "x", "overdue": True})  # fmt: skip
    assert unknown.status_code == 400 and "overdue" in unknown.get_json()["error"]["fields"]
    assert client.get(API, headers=official, query_string={"overdue": "maybe"}).status_code == 422
    assert client.get(f"{API}/999999", headers=official).status_code == 404
    not_json = client.post(API, headers=zhangwan, data="x", content_type="text/plain")
    assert not_json.status_code == 415


# ---- the pages ----


def test_the_enterprise_page_adds_and_answers_a_request(
    in_app, client, session, city, make_user, login
):
    login(make_user("staff", unit=city["maojian"]))
    page_url = f"/enterprises/{city['leader'].id}"
    page = client.get(page_url).text
    assert 'data-testid="add-request"' in page
    added = client.post(f"{page_url}/service-requests", data={
        "csrf_token": csrf_token(page), "request": "配套厂房不足",
        "responsible_unit_id": str(city["maojian"].id),
        "deadline_on": (city_today() - timedelta(days=1)).isoformat()})  # fmt: skip
    assert added.status_code == 302
    page = client.get(page_url).text
    assert "已登记企业诉求" in page and "配套厂房不足" in page and "已逾期" in page
    item = session.scalar(select(ServiceRequest).where(ServiceRequest.request == "配套厂房不足"))
    read_version = item.version
    answered = client.post(f"/service-requests/{item.id}", data={
        "csrf_token": csrf_token(page), "version": str(item.version),
        "response": "已协调标准厂房", "status": "closed"})  # fmt: skip
    assert answered.status_code == 302
    page = client.get(page_url).text
    assert "已保存诉求的办理情况" in page and "已协调标准厂房" in page
    # The same form again, with the old version: refused, said so, nothing overwritten.
    client.post(f"/service-requests/{item.id}", data={
        "csrf_token": csrf_token(page), "version": str(read_version),
        "response": "覆盖", "status": "answered"})  # fmt: skip
    page = client.get(page_url).text
    assert "刚被他人修改" in page and "覆盖" not in page


def test_other_districts_see_requests_but_get_no_forms(
    in_app, client, session, city, make_user, login
):
    make_request(session, city["leader"], responsible_unit_id=city["maojian"].id)
    login(make_user("staff", unit=city["zhangwan"]))
    page = client.get(f"/enterprises/{city['leader'].id}").text
    assert "增加供电容量" in page and 'data-testid="answer-request"' not in page
    # Their own unit may still be made responsible for one: the add form is there.
    assert 'data-testid="add-request"' in page


def test_the_list_page_shows_open_and_overdue_requests(
    in_app, client, session, city, make_user, login
):
    late = (city_today() - timedelta(days=3)).isoformat()
    make_request(session, city["leader"], deadline_on=late)
    make_request(session, city["other"], status="closed", response="已办结")
    login(make_user("official"))
    page = client.get("/service-requests").text
    assert page.count('data-testid="service-request-row"') == 1  # open ones first of all
    assert "已逾期 1 件" in page and "东风商用车有限公司" in page
    everything = client.get("/service-requests?all=1").text
    assert everything.count('data-testid="service-request-row"') == 2
    assert client.get("/service-requests?overdue=maybe").status_code == 200  # said, not a 500
    assert "/service-requests" in client.get("/enterprises").text  # linked from the list
