"""Who may change which enterprise: a district's staff their district (its zones too) and records
without one; only the city bureau's staff and admins delete and merge; staff without a unit
change nothing. Through the API, the pages and the import, each refusal saying why."""

import io

import pytest
from sqlalchemy import select

from crm.models import District, Enterprise
from crm.services.enterprise_import import import_enterprises, map_columns
from crm.services.enterprises import create_enterprise
from crm.services.scope import scope_description
from crm.spreadsheets import read_table
from tests.support import csrf_token

API = "/api/v1/enterprises"
OUTSIDE = "该企业属于张湾区，不在茅箭区招商局的辖区内，您不能修改。"
MOVE_OUT = "不能把企业移到张湾区：不在茅箭区招商局的辖区内。"
CITY_ONLY = "只有管理员和市招商局的工作人员可以删除或合并企业。"
NO_UNIT = "您的账号未设所属单位，不能新建或修改企业；请联系管理员设置单位。"


@pytest.fixture
def city(session, places, make_unit):
    """茅箭区 with a functional zone inside it, 张湾区; the city bureau, 茅箭区's bureau and a park
    committee below it without a district of its own; an enterprise in each place and one in
    none."""
    maojian = session.scalar(select(District).where(District.code == "420302"))
    zone = District(code="420391", name="茅箭经开区", kind="functional_zone", parent=maojian)
    session.add(zone)
    session.commit()
    bureau = make_unit("市招商局", "city_bureau")
    maojian_bureau = make_unit("茅箭区招商局", parent=bureau, district=maojian)
    park = make_unit("茅箭工业园管委会", "park_committee", parent=maojian_bureau)
    records = {}
    for key, name, district in (
        ("maojian", "十堰茅箭精工有限公司", "420302"),
        ("zone", "十堰经开电驱有限公司", "420391"),
        ("zhangwan", "十堰张湾锻造有限公司", "420303"),
        ("nowhere", "十堰未定区县有限公司", None),
    ):
        records[key] = create_enterprise(session, {"name": name, "district": district}, None)
    session.commit()
    return {"bureau": bureau, "maojian_bureau": maojian_bureau, "park": park, **records}


@pytest.fixture
def district_staff(make_user, city):
    return make_user("staff", unit=city["maojian_bureau"])


def district_code(session, enterprise) -> str | None:
    session.expire_all()
    district = session.get(Enterprise, enterprise.id).district
    return district.code if district else None


def error_of(response) -> dict:
    return response.get_json()["error"]


# ---- the API ----


def test_district_staff_change_their_district_its_zones_and_records_without_one(
    client, session, city, district_staff, make_user, bearer
):
    headers = bearer(district_staff)
    for key in ("maojian", "zone", "nowhere"):
        enterprise = city[key]
        response = client.patch(f"{API}/{enterprise.id}", headers=headers,
                                json={"version": enterprise.version, "employees": 12})  # fmt: skip
        assert response.status_code == 200, (key, response.get_json())
        assert response.get_json()["employees"] == 12
    # A unit without a district works in its nearest ancestor's: the park committee in 茅箭区.
    park_staff = bearer(make_user("staff", unit=city["park"]))
    response = client.patch(f"{API}/{city['maojian'].id}", headers=park_staff,
                            json={"version": 2, "employees": 13})  # fmt: skip
    assert response.status_code == 200
    response = client.patch(f"{API}/{city['zhangwan'].id}", headers=park_staff,
                            json={"version": 1, "employees": 13})  # fmt: skip
    assert response.status_code == 403


def test_district_staff_may_not_change_another_districts_enterprise(
    client, session, city, district_staff, bearer
):
    enterprise = city["zhangwan"]
    response = client.patch(f"{API}/{enterprise.id}", headers=bearer(district_staff),
                            json={"version": enterprise.version, "employees": 12})  # fmt: skip
    assert response.status_code == 403
    assert error_of(response) == {"code": "forbidden", "message": OUTSIDE, "fields": {}}
    session.expire_all()
    stored = session.get(Enterprise, enterprise.id)
    assert (stored.employees, stored.version) == (None, 1)


def test_district_staff_may_not_move_an_enterprise_out_of_their_district(
    client, session, city, district_staff, bearer
):
    headers = bearer(district_staff)
    for key in ("maojian", "nowhere"):
        enterprise = city[key]
        response = client.patch(f"{API}/{enterprise.id}", headers=headers,
                                json={"version": enterprise.version, "district": "420303",
                                      "employees": 12})  # fmt: skip
        assert response.status_code == 403, key
        assert error_of(response)["message"] == MOVE_OUT
        assert district_code(session, enterprise) == ("420302" if key == "maojian" else None)
    # Within the district, into its zone, is theirs to do.
    enterprise = city["maojian"]
    response = client.patch(f"{API}/{enterprise.id}", headers=headers,
                            json={"version": enterprise.version, "district": "420391"})  # fmt: skip
    assert response.status_code == 200
    assert district_code(session, enterprise) == "420391"


def test_district_staff_create_only_in_their_district_or_none(
    client, session, city, district_staff, bearer
):
    headers = bearer(district_staff)
    refused = client.post(API, headers=headers, json={"name": "十堰新张湾有限公司",
                                                      "district": "420303"})  # fmt: skip
    assert refused.status_code == 403
    assert error_of(refused)["message"] == "张湾区不在茅箭区招商局的辖区内，不能在那里新建企业。"
    assert session.scalar(select(Enterprise).where(Enterprise.name == "十堰新张湾有限公司")) is None
    for name, district in (("十堰新茅箭有限公司", "420302"), ("十堰新未定有限公司", None)):
        response = client.post(API, headers=headers, json={"name": name, "district": district})
        assert response.status_code == 201, response.get_json()


def test_only_city_staff_and_admins_delete(client, session, city, district_staff, make_user,
                                           bearer):  # fmt: skip
    for key in ("maojian", "nowhere"):  # even their own district's
        response = client.delete(f"{API}/{city[key].id}", headers=bearer(district_staff))
        assert response.status_code == 403
        assert error_of(response)["message"] == CITY_ONLY
        session.expire_all()
        assert session.get(Enterprise, city[key].id).deleted_at is None
    city_staff = make_user("staff", unit=city["bureau"])
    for user, key in ((city_staff, "zhangwan"), (make_user("admin"), "maojian")):
        assert client.delete(f"{API}/{city[key].id}", headers=bearer(user)).status_code == 204
        session.expire_all()
        assert session.get(Enterprise, city[key].id).deleted_at is not None


def test_only_city_staff_and_admins_merge(client, session, city, district_staff, make_user,
                                          bearer):  # fmt: skip
    keep, other = city["maojian"], city["zone"]
    body = {"other": other.id, "version": keep.version, "other_version": other.version}
    response = client.post(f"{API}/{keep.id}/merge", headers=bearer(district_staff), json=body)
    assert response.status_code == 403
    assert error_of(response)["message"] == CITY_ONLY
    session.expire_all()
    assert session.get(Enterprise, other.id).merged_into_id is None
    city_staff = bearer(make_user("staff", unit=city["bureau"]))
    response = client.post(f"{API}/{keep.id}/merge", headers=city_staff, json=body)
    assert response.status_code == 200
    session.expire_all()
    assert session.get(Enterprise, other.id).merged_into_id == keep.id


def test_city_staff_and_admins_change_any_enterprise(client, session, city, make_user, bearer):
    url, version = f"{API}/{city['zhangwan'].id}", 1
    for user in (make_user("staff", unit=city["bureau"]), make_user("admin")):
        for district in ("420302", "420303"):  # there and back
            response = client.patch(url, headers=bearer(user),
                                    json={"version": version, "district": district})  # fmt: skip
            assert response.status_code == 200
            version = response.get_json()["version"]
    assert district_code(session, city["zhangwan"]) == "420303"


def test_staff_without_a_unit_change_no_enterprise(client, session, city, make_user, bearer):
    headers = bearer(make_user("staff", unit=None))
    for key in ("maojian", "nowhere"):
        enterprise = city[key]
        response = client.patch(f"{API}/{enterprise.id}", headers=headers,
                                json={"version": enterprise.version, "employees": 12})  # fmt: skip
        assert response.status_code == 403
        assert error_of(response)["message"] == NO_UNIT
        session.expire_all()
        assert session.get(Enterprise, enterprise.id).version == 1
    response = client.post(API, headers=headers, json={"name": "十堰无主有限公司"})
    assert (response.status_code, error_of(response)["message"]) == (403, NO_UNIT)
    assert client.delete(f"{API}/{city['nowhere'].id}", headers=headers).status_code == 403
    # Reading is not changing: the enterprises are the city's to read.
    assert client.get(f"{API}/{city['maojian'].id}", headers=headers).status_code == 200


# ---- the pages ----


def page_controls(html: str, enterprise) -> dict[str, bool]:
    return {
        "edit": f'href="/enterprises/{enterprise.id}/edit"' in html,
        "merge": f'href="/enterprises/{enterprise.id}/merge"' in html,
        "delete": f'action="/enterprises/{enterprise.id}/delete"' in html,
    }


def test_pages_show_district_staff_only_the_controls_they_may_use(client, login, city,
                                                                  district_staff):  # fmt: skip
    login(district_staff)
    for key, editable in (("maojian", True), ("zone", True), ("nowhere", True),
                          ("zhangwan", False)):  # fmt: skip
        html = client.get(f"/enterprises/{city[key].id}").text
        assert page_controls(html, city[key]) == {
            "edit": editable, "merge": False, "delete": False}, key  # fmt: skip
    assert 'href="/enterprises/new"' in client.get("/enterprises").text


def test_city_staff_see_every_control(client, login, city, make_user):
    login(make_user("staff", unit=city["bureau"]))
    html = client.get(f"/enterprises/{city['zhangwan'].id}").text
    assert page_controls(html, city["zhangwan"]) == {"edit": True, "merge": True, "delete": True}


def edit_form(enterprise, **fields) -> dict:
    return {"version": str(enterprise.version), "original": "{}", "name": enterprise.name,
            "is_local": "1", **fields}  # fmt: skip


def token_of(client) -> str:
    return csrf_token(client.get("/enterprises/new").text)


def test_pages_refuse_another_districts_enterprise_with_403(client, session, login, city,
                                                            district_staff):  # fmt: skip
    login(district_staff)
    enterprise = city["zhangwan"]
    url = f"/enterprises/{enterprise.id}/edit"
    opened = client.get(url)
    assert opened.status_code == 403 and OUTSIDE in opened.text
    token = token_of(client)
    posted = client.post(url, data={"csrf_token": token,
                                    **edit_form(enterprise, district="420303", employees="12")})  # fmt: skip
    assert posted.status_code == 403 and OUTSIDE in posted.text
    session.expire_all()
    stored = session.get(Enterprise, enterprise.id)
    assert (stored.employees, stored.version) == (None, 1)
    # Their own district's record is theirs to edit.
    own = city["maojian"]
    saved = client.post(f"/enterprises/{own.id}/edit", data={"csrf_token": token,
                        **edit_form(own, district="420302", employees="12")})  # fmt: skip
    assert saved.status_code == 302
    session.expire_all()
    assert session.get(Enterprise, own.id).employees == 12


def test_the_edit_page_refuses_a_move_to_another_district(client, session, login, city,
                                                          district_staff):  # fmt: skip
    login(district_staff)
    enterprise = city["maojian"]
    posted = client.post(f"/enterprises/{enterprise.id}/edit", data={
        "csrf_token": token_of(client), **edit_form(enterprise, district="420303")})  # fmt: skip
    assert posted.status_code == 403
    assert MOVE_OUT in posted.text and 'name="name"' in posted.text  # the form, kept
    assert district_code(session, enterprise) == "420302"


def test_pages_refuse_deleting_and_merging_to_district_staff(client, session, login, city,
                                                             district_staff):  # fmt: skip
    login(district_staff)
    keep, other = city["maojian"], city["zone"]
    token = token_of(client)
    deleted = client.post(f"/enterprises/{keep.id}/delete", data={"csrf_token": token})
    assert deleted.status_code == 403 and CITY_ONLY in deleted.text
    merged = client.post(f"/enterprises/{keep.id}/merge", data={
        "csrf_token": token, "other": other.id, "version": keep.version,
        "other_version": other.version})  # fmt: skip
    assert merged.status_code == 403
    assert client.get(f"/enterprises/{keep.id}/merge").status_code == 403
    session.expire_all()
    assert session.get(Enterprise, keep.id).deleted_at is None
    assert session.get(Enterprise, other.id).merged_into_id is None


def test_city_staff_delete_and_merge_through_the_pages(client, session, login, city, make_user):
    login(make_user("staff", unit=city["bureau"]))
    keep, other, gone = city["maojian"], city["zone"], city["zhangwan"]
    token = token_of(client)
    merged = client.post(f"/enterprises/{keep.id}/merge", data={
        "csrf_token": token, "other": other.id, "version": keep.version,
        "other_version": other.version})  # fmt: skip
    assert merged.status_code == 302
    deleted = client.post(f"/enterprises/{gone.id}/delete", data={"csrf_token": token})
    assert deleted.status_code == 302
    session.expire_all()
    assert session.get(Enterprise, other.id).merged_into_id == keep.id
    assert session.get(Enterprise, gone.id).deleted_at is not None


def test_pages_let_staff_without_a_unit_change_nothing(client, session, login, city, make_user):
    login(make_user("staff", unit=None))
    enterprise = city["nowhere"]
    html = client.get(f"/enterprises/{enterprise.id}").text
    assert page_controls(html, enterprise) == {"edit": False, "merge": False, "delete": False}
    assert 'href="/enterprises/new"' not in client.get("/enterprises").text
    opened = client.get("/enterprises/new")
    assert opened.status_code == 403 and NO_UNIT in opened.text
    token = csrf_token(client.get(f"/enterprises/{enterprise.id}").text)
    posted = client.post(f"/enterprises/{enterprise.id}/edit",
                         data={"csrf_token": token, **edit_form(enterprise, employees="12")})  # fmt: skip
    assert posted.status_code == 403 and NO_UNIT in posted.text
    session.expire_all()
    assert session.get(Enterprise, enterprise.id).version == 1


# ---- the import ----


def import_rows(session, actor, rows: list[str], header: str = "编号,企业名称,区县,从业人数"):
    data = ("\r\n".join([header, *rows]) + "\r\n").encode("utf-8")
    table = read_table(data, "企业.csv")
    return import_enterprises(session, table, map_columns(table), actor)


def test_an_import_row_outside_the_users_district_is_a_row_error(app, session, city,
                                                                 district_staff):  # fmt: skip
    maojian, zhangwan = city["maojian"], city["zhangwan"]
    with app.app_context():
        outcome = import_rows(session, district_staff, [
            f"{maojian.id},{maojian.name},茅箭区,20",
            f"{zhangwan.id},{zhangwan.name},张湾区,20",  # another district's record
            f"{maojian.id},{maojian.name},张湾区,20",  # their own, moved out
            ",十堰新张湾有限公司,张湾区,5",  # a new one in another district
            ",十堰新茅箭有限公司,茅箭区,5",
        ])  # fmt: skip
    assert outcome.refused
    assert [(error.row, error.column, error.message) for error in outcome.errors] == [
        (3, "编号", OUTSIDE),
        (4, "区县", MOVE_OUT),
        (5, "区县", "张湾区不在茅箭区招商局的辖区内，不能在那里新建企业。"),
    ]
    session.expire_all()
    assert session.get(Enterprise, zhangwan.id).employees is None
    assert session.get(Enterprise, maojian.id).employees is None


def test_the_api_import_names_the_row_outside_the_users_district(client, session, city,
                                                                district_staff, bearer):  # fmt: skip
    zhangwan = city["zhangwan"]
    data = f"编号,企业名称,从业人数\r\n{zhangwan.id},{zhangwan.name},20\r\n".encode()
    response = client.post(f"{API}/import", headers=bearer(district_staff),
                           data={"file": (io.BytesIO(data), "企业.csv")})  # fmt: skip
    assert response.status_code == 422
    assert response.get_json()["rows_with_errors"] == [
        {"row": 2, "column": "编号", "message": OUTSIDE}
    ]
    session.expire_all()
    assert session.get(Enterprise, zhangwan.id).employees is None


def test_staff_without_a_unit_may_not_import(client, city, make_user, bearer):
    data = "企业名称\r\n十堰无主有限公司\r\n".encode()
    response = client.post(f"{API}/import", headers=bearer(make_user("staff", unit=None)),
                           data={"file": (io.BytesIO(data), "企业.csv")})  # fmt: skip
    assert (response.status_code, error_of(response)["message"]) == (403, NO_UNIT)


# ---- the scope in words ----


def test_each_units_scope_is_described_in_words(app, session, city):
    with app.app_context():
        assert scope_description(session, city["bureau"]).startswith("全市：")
        described = scope_description(session, city["park"])
        assert described.startswith("茅箭工业园管委会：") and "茅箭区" in described
        assert "不能删除或合并企业" in described
        assert scope_description(session, None).startswith("未设所属单位")
