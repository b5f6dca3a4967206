"""The enterprises API: every answer and error shape, authentication, pages, filters, audit."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from crm.clock import city_today
from crm.models import ApiToken, AuditEvent, Enterprise
from crm.models.base import utcnow
from crm.services.enterprises import create_enterprise
from crm.services.users import create_token
from tests.support import csrf_token

API = "/api/v1/enterprises"
VALID_USCC = "91110108551385082Q"
OTHER_USCC = "91420300MA4F00000Q"
INVALID = "输入有误，请检查标出的字段。"


@pytest.fixture
def staff(make_user, bearer):
    return bearer(make_user("staff"))


def error_of(response) -> dict:
    return response.get_json()["error"]


def create(client, headers, **fields) -> dict:
    response = client.post(API, json={"name": "十堰汉江精工有限公司"} | fields, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def live_count(session) -> int:
    return session.scalar(select(func.count()).select_from(Enterprise))


# ---- create and read ----

FULL_INPUT = {
    "name": " 十堰汉江精工（集团）有限公司 ",
    "uscc": "91110108 551385082q",
    "aliases": ["汉江精工", "Hanjiang Precision"],
    "is_leading": True,
    "is_chain_leader": False,
    "is_above_scale": True,
    "is_local": True,
    "district": "420302",
    "segments": ["M502", "M501"],
    "tags": ["specialised", "listed"],
    "location": {"lon": 110.79, "lat": 32.65},
    "output_wan": "12345.6700",
    "tax_wan": 800,
    "rd_spend_wan": 12.5,
    "registered_capital_wan": "0",
    "land_mu": "56.25",
    "energy_tce": "1000.1234",
    "emissions_t": None,
    "employees": 320,
    "safety_rating": "A",
    "environment_rating": None,
    "established_on": "2003-06-18",
    "legal_representative": "张伟",
    "address": "十堰市茅箭区东风大道1号",
    "industry_code": "C3670",
}


def test_create_answers_201_with_location_and_the_record(client, staff, places):
    response = client.post(API, json=FULL_INPUT, headers=staff)
    assert response.status_code == 201
    record = response.get_json()
    assert response.headers["Location"] == f"/api/v1/enterprises/{record['id']}"
    created_at, updated_at = record.pop("created_at"), record.pop("updated_at")
    assert created_at.endswith("Z") and updated_at.endswith("Z") and len(created_at) == 20
    assert record == {
        "id": record["id"],
        "version": 1,
        "name": "十堰汉江精工（集团）有限公司",
        # 十堰汉江精工集团有限公司: shi yan han jiang jing gong ji tuan you xian gong si
        "name_initials": "syhjjgjtyxgs",
        "uscc": "91110108551385082Q",
        "aliases": ["汉江精工", "Hanjiang Precision"],
        "is_leading": True,
        "is_chain_leader": False,
        "is_above_scale": True,
        "is_local": True,
        "district": "420302",
        "segments": ["M501", "M502"],
        "tags": ["listed", "specialised"],
        "location": {"lon": 110.79, "lat": 32.65},
        "location_source": "wgs84",
        "output_wan": "12345.67",
        "tax_wan": "800",
        "rd_spend_wan": "12.5",
        "registered_capital_wan": "0",
        "land_mu": "56.25",
        "energy_tce": "1000.1234",
        "emissions_t": None,
        "employees": 320,
        "safety_rating": "A",
        "environment_rating": None,
        "established_on": "2003-06-18",
        "legal_representative": "张伟",
        "address": "十堰市茅箭区东风大道1号",
        "industry_code": "C3670",
        "park": None,
    }
    again = client.get(response.headers["Location"], headers=staff).get_json()
    assert again == record | {"created_at": created_at, "updated_at": updated_at}


def test_a_name_is_enough_and_the_rest_takes_defaults(client, staff):
    record = create(client, staff, name="东风小康")
    assert record["name"] == "东风小康" and record["name_initials"] == "dfxk"
    assert (record["is_local"], record["is_leading"], record["is_chain_leader"]) == (
        True,
        False,
        False,
    )
    assert record["uscc"] is None and record["location"] is None and record["output_wan"] is None
    assert (record["aliases"], record["segments"], record["tags"]) == ([], [], [])


@pytest.mark.parametrize("empty", ["", "   ", None])
def test_an_empty_credit_code_is_stored_as_null(client, staff, session, empty):
    record = create(client, staff, uscc=empty)
    assert record["uscc"] is None
    assert session.get(Enterprise, record["id"]).uscc is None


def test_hostile_text_is_stored_and_returned_unchanged(client, staff):
    hostile = {
        "name": "<script>alert(\"x\")</script> & '汉江' 🏭",
        "address": "=cmd|' /C calc'!A0 <img src=x onerror=alert(1)>",
        "aliases": ["</textarea>", "{{ 7*7 }}", "'; DROP TABLE enterprises; --"],
    }
    record = create(client, staff, **hostile)
    again = client.get(f"{API}/{record['id']}", headers=staff).get_json()
    assert {key: again[key] for key in hostile} == hostile


# ---- invalid values: 422 with the field and its message ----


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "不能为空"),
        ("name", "   ", "不能为空"),
        ("name", None, "不能为空"),
        ("name", 5, "应为文本"),
        ("name", ["汉江"], "应为文本"),
        ("name", "汉" * 201, "最多 200 个字符，当前 201 个"),
        ("name", "x" * 10_000, "最多 200 个字符，当前 10000 个"),
        ("name", "汉江\x00精工", "不能包含控制字符"),
        ("name", "汉江\ud800", "不能包含控制字符"),
        ("address", "路" * 301, "最多 300 个字符，当前 301 个"),
        ("legal_representative", {"name": "张伟"}, "应为文本"),
        ("output_wan", "100000000000000", "应小于 100,000,000,000,000"),
        ("output_wan", 10**20, "应小于 100,000,000,000,000"),
        ("output_wan", 1e300, "应小于 100,000,000,000,000"),
        ("land_mu", "1000000000000", "应小于 1,000,000,000,000"),
        ("tax_wan", "-1", "不能为负数"),
        ("tax_wan", -0.5, "不能为负数"),
        ("output_wan", "1.23456", "最多保留 4 位小数"),
        ("land_mu", "1.234", "最多保留 2 位小数"),
        ("output_wan", "NaN", "应为数字，如 1234.5"),
        ("output_wan", "Infinity", "应为数字，如 1234.5"),
        ("output_wan", "1e3", "应为数字，如 1234.5"),
        ("output_wan", "1_000", "应为数字，如 1234.5"),
        ("output_wan", "１２", "应为数字，如 1234.5"),
        ("output_wan", "十二", "应为数字，如 1234.5"),
        ("output_wan", True, "应为数字"),
        ("output_wan", [1], "应为数字"),
        ("output_wan", {"value": 1}, "应为数字"),
        ("employees", 1.5, "应为整数"),
        ("employees", True, "应为整数"),
        ("employees", "12", "应为整数"),
        ("employees", -1, "不能为负数"),
        ("employees", 10**20, "不能超过 10000000"),
        ("is_leading", "true", "应为 true 或 false"),
        ("is_local", 1, "应为 true 或 false"),
        ("is_above_scale", None, "应为 true 或 false"),
        ("safety_rating", "E", "应为以下之一：A, B, C, D"),
        ("environment_rating", "a", "应为以下之一：A, B, C, D"),
        ("established_on", "2024-02-30", "日期不存在"),
        ("established_on", "20240101", "日期格式应为 YYYY-MM-DD"),
        ("established_on", "2024-06-01T08:00:00", "日期格式应为 YYYY-MM-DD"),
        ("established_on", 20240101, "日期格式应为 YYYY-MM-DD"),
        ("established_on", "1700-01-01", "日期不能早于 1800-01-01"),
        ("location", {"lon": 200, "lat": 30}, "经度应在 -180 到 180 之间"),
        ("location", {"lon": 110, "lat": -91}, "纬度应在 -90 到 90 之间"),
        ("location", {"lon": 10**400, "lat": 30}, "经度应在 -180 到 180 之间"),
        ("location", {"lon": "110", "lat": 30}, "经纬度应为数字"),
        ("location", {"lon": True, "lat": 30}, "经纬度应为数字"),
        ("location", {"lon": 110}, '应为 {"lon": 经度, "lat": 纬度}，可加 "system"'),
        (
            "location",
            {"lon": 110, "lat": 30, "alt": 0},
            '应为 {"lon": 经度, "lat": 纬度}，可加 "system"',
        ),
        ("location", [110, 30], '应为 {"lon": 经度, "lat": 纬度}，可加 "system"'),
        ("aliases", "汉江", "应为列表"),
        ("aliases", ["汉江", 3], "应为文本"),
        ("aliases", ["汉江", ""], "不能为空"),
        ("aliases", ["别名"] * 51, "最多 50 项"),
        ("aliases", ["汉江", "\u200b"], "不能只由空白或不可见字符组成"),
        ("aliases", ["\u2067汉江\u2069"], "不能包含文字方向控制字符（如 U+202E）"),
        *(
            ("name", invisible, "不能只由空白或不可见字符组成")
            for invisible in ("\u200b", "\u200c\u200d", "\u2060 \ufeff", "\u3000\u200b", "\u00ad")
        ),
        *(
            ("name", f"汉江{control}精工", "不能包含文字方向控制字符（如 U+202E）")
            for control in (
                "\u202a",
                "\u202b",
                "\u202c",
                "\u202d",
                "\u202e",
                "\u2066",
                "\u2067",
                "\u2068",
                "\u2069",
            )
        ),
        ("legal_representative", "\u200b", "不能只由空白或不可见字符组成"),
        ("legal_representative", "张\u202e三", "不能包含文字方向控制字符（如 U+202E）"),
        ("tags", "listed", "应为列表"),
        (
            "tags",
            ["listed", "unicorn"],
            "未知标签：unicorn；可选：fortune500, listed, specialised, state_owned, foreign",
        ),
        ("segments", ["M5"], "未知产业链环节代码：M5"),
        ("segments", ["M501", "X999", "Y1"], "未知产业链环节代码：X999, Y1"),
        ("segments", None, "应为列表"),
        ("district", "999999", "未知区县代码：999999"),
        ("district", 420302, "应为文本"),
        ("uscc", 91110108551385082, "应为文本"),
        ("uscc", "9111010855138508", "统一社会信用代码应为18位，当前为16位"),
        ("uscc", "91110108551385082A", "统一社会信用代码校验位不正确，请核对后重新输入"),
        (
            "uscc",
            "9111010855138508IO",
            "统一社会信用代码格式不正确：前8位应为数字，后10位为数字或字母（不含 I、O、Z、S、V）",
        ),
    ],
)
def test_invalid_values_answer_422_at_the_field(
    client, staff, session, places, field, value, message
):
    body = {"name": "测试企业"} | {field: value}
    # Sent as a client sends JSON: non-ASCII escaped, so a lone surrogate survives the trip.
    response = client.post(
        API, data=json.dumps(body), content_type="application/json", headers=staff
    )
    assert response.status_code == 422
    assert error_of(response) == {
        "code": "invalid",
        "message": INVALID,
        "fields": {field: [message]},
    }
    assert live_count(session) == 0


def test_an_establishment_date_after_today_is_refused(app, client, staff, session):
    with app.app_context():
        today = city_today()
    for day in ("9999-12-31", (today + timedelta(days=1)).isoformat()):
        response = client.post(API, json={"name": "测试企业", "established_on": day}, headers=staff)
        assert response.status_code == 422
        assert error_of(response)["fields"] == {
            "established_on": [f"日期不能晚于 {today.isoformat()}"]
        }
    assert create(client, staff, established_on=today.isoformat())["established_on"] == (
        today.isoformat()
    )


def test_a_name_with_visible_characters_around_invisible_ones_is_kept(client, staff):
    # A zero-width joiner inside a name is rare but harmless; only a name of nothing is refused.
    assert create(client, staff, name="汉江\u200d精工")["name"] == "汉江\u200d精工"


def test_a_missing_name_and_other_errors_are_reported_together(client, staff, session):
    response = client.post(API, json={"employees": -3, "tax_wan": "abc"}, headers=staff)
    assert response.status_code == 422
    assert error_of(response)["fields"] == {
        "name": ["必填"],
        "employees": ["不能为负数"],
        "tax_wan": ["应为数字，如 1234.5"],
    }


def test_english_is_answered_when_asked(client, staff):
    response = client.post(
        API,
        json={"name": "Test", "uscc": "9111010855138508"},
        headers=staff | {"Accept-Language": "en-GB,en;q=0.9"},
    )
    assert response.status_code == 422
    assert error_of(response)["code"] == "invalid"
    # The message comes from the English catalog.
    assert "must have 18 characters, not 16" in error_of(response)["fields"]["uscc"][0]


# ---- duplicate credit codes ----


def test_a_credit_code_already_held_names_the_holder(client, staff, session):
    holder = create(client, staff, name="汉江精工", uscc=VALID_USCC)
    # The same code in lower case and full width is the same code.
    response = client.post(
        API, json={"name": "另一家", "uscc": "９１１１０１０８５５１３８５０８２ｑ"}, headers=staff
    )
    assert response.status_code == 422
    assert error_of(response)["fields"] == {
        "uscc": [f"统一社会信用代码已被企业“汉江精工”（编号 {holder['id']}）使用"]
    }
    assert live_count(session) == 1


def test_a_deleted_holder_still_blocks_its_credit_code(client, staff):
    holder = create(client, staff, name="汉江精工", uscc=VALID_USCC)
    assert client.delete(f"{API}/{holder['id']}", headers=staff).status_code == 204
    response = client.post(API, json={"name": "另一家", "uscc": VALID_USCC}, headers=staff)
    assert error_of(response)["fields"] == {
        "uscc": [f"统一社会信用代码已被已删除的企业“汉江精工”（编号 {holder['id']}）使用"]
    }


def test_an_enterprise_keeps_its_own_credit_code_on_update(client, staff):
    record = create(client, staff, uscc=VALID_USCC)
    response = client.patch(
        f"{API}/{record['id']}", json={"uscc": VALID_USCC.lower(), "version": 1}, headers=staff
    )
    assert response.status_code == 200
    assert response.get_json()["uscc"] == VALID_USCC


# ---- malformed bodies: 400 ----


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"{",
        b"{'name': 'x'}",
        b'{"name": "x", "output_wan": NaN}',
        b'{"name": "x", "output_wan": Infinity}',
        b'{"name": "x"} trailing',
        b"\xff\xfe\x00",
        b"[" * 100_000 + b"]" * 100_000,
        b'{"name": "x", "employees": ' + b"9" * 5000 + b"}",
    ],
)
def test_malformed_json_answers_400(client, staff, raw):
    response = client.post(API, data=raw, headers=staff, content_type="application/json")
    assert response.status_code == 400
    assert error_of(response) == {
        "code": "malformed_json",
        "message": "请求体不是有效的 JSON。",
        "fields": {},
    }


@pytest.mark.parametrize("raw", [b"[]", b'[{"name": "x"}]', b'"x"', b"null", b"42"])
def test_a_body_that_is_not_an_object_answers_400(client, staff, raw):
    response = client.post(API, data=raw, headers=staff, content_type="application/json")
    assert response.status_code == 400
    assert error_of(response)["code"] == "not_an_object"
    assert error_of(response)["message"] == "请求体应为 JSON 对象。"


@pytest.mark.parametrize(
    "raw, key",
    [
        (b'{"name": "x", "name": "y"}', "name"),
        (b'{"name": "x", "location": {"lon": 110, "lat": 32, "lon": 111}}', "lon"),
        (b'{"name": "x", "aliases": [{"a": 1, "a": 2}]}', "a"),
    ],
)
def test_a_key_given_twice_at_any_depth_answers_400_naming_it(client, staff, session, raw, key):
    response = client.post(API, data=raw, headers=staff, content_type="application/json")
    assert response.status_code == 400
    assert error_of(response)["code"] == "duplicate_key"
    assert f"“{key}”" in error_of(response)["message"]
    assert live_count(session) == 0


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/jsonx",
        "text/json",
    ],
)
def test_a_body_not_sent_as_json_answers_415(client, staff, session, content_type):
    headers = staff | ({"Content-Type": content_type} if content_type else {})
    response = client.post(API, data=b'{"name": "x"}', headers=headers)
    assert response.status_code == 415
    assert response.mimetype == "application/json"
    assert error_of(response)["code"] == "unsupported_media_type"
    assert live_count(session) == 0


@pytest.mark.parametrize(
    "content_type",
    ["application/json; charset=utf-8", "Application/JSON", "application/merge-patch+json"],
)
def test_json_content_types_with_parameters_are_taken(client, staff, content_type):
    response = client.post(
        API, data=b'{"name": "x"}', headers=staff | {"Content-Type": content_type}
    )
    assert response.status_code == 201


def test_unknown_and_read_only_fields_answer_400_naming_each(client, staff, session):
    body = {
        "name": "汉江精工",
        "colour": "red",
        "name_normalised": "x",
        "id": 7,
        "version": 1,
        "name_initials": "x",
    }
    response = client.post(API, json=body, headers=staff)
    assert response.status_code == 400
    assert error_of(response) == {
        "code": "unknown_fields",
        "message": "请求中含有未知或只读字段。",
        "fields": {
            "colour": ["未知字段"],
            "name_normalised": ["未知字段"],
            "id": ["只读字段，不可修改"],
            "version": ["只读字段，不可修改"],
            "name_initials": ["只读字段，不可修改"],
        },
    }
    assert live_count(session) == 0


# ---- updates ----


def test_patch_changes_the_fields_sent_and_bumps_the_version(client, staff, places):
    record = create(client, staff, district="420302", employees=100, address="旧地址")
    response = client.patch(
        f"{API}/{record['id']}",
        json={"version": 1, "name": "东风小康汽车", "district": "420303", "address": None},
        headers=staff,
    )
    assert response.status_code == 200
    changed = response.get_json()
    assert changed["version"] == 2
    assert (changed["name"], changed["name_initials"]) == ("东风小康汽车", "dfxkqc")
    assert (changed["district"], changed["address"], changed["employees"]) == ("420303", None, 100)
    assert client.get(f"{API}/{record['id']}", headers=staff).get_json() == changed


def test_a_change_of_segments_or_tags_alone_bumps_the_version(client, staff, places):
    record = create(client, staff, segments=["M501"])
    url = f"{API}/{record['id']}"
    changed = client.patch(url, json={"version": 1, "segments": ["M502"]}, headers=staff)
    assert (changed.get_json()["version"], changed.get_json()["segments"]) == (2, ["M502"])
    tagged = client.patch(url, json={"version": 2, "tags": ["foreign"]}, headers=staff)
    assert (tagged.get_json()["version"], tagged.get_json()["tags"]) == (3, ["foreign"])


def test_a_patch_that_changes_nothing_keeps_the_version(client, staff):
    record = create(client, staff, employees=5)
    response = client.patch(
        f"{API}/{record['id']}", json={"version": 1, "employees": 5}, headers=staff
    )
    assert response.get_json()["version"] == 1


def test_a_stale_version_answers_409_with_the_current_record(client, staff):
    record = create(client, staff, employees=5)
    url = f"{API}/{record['id']}"
    assert client.patch(url, json={"version": 1, "employees": 6}, headers=staff).status_code == 200
    response = client.patch(url, json={"version": 1, "employees": 7}, headers=staff)
    assert response.status_code == 409
    body = response.get_json()
    assert body["error"] == {
        "code": "conflict",
        "message": "记录已被他人修改，请基于最新版本重新提交。",
        "fields": {},
    }
    assert body["current"] == client.get(url, headers=staff).get_json()
    assert (body["current"]["version"], body["current"]["employees"]) == (2, 6)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"employees": 6}, "必填：请附上读取记录时的 version"),
        ({"employees": 6, "version": "1"}, "应为整数"),
        ({"employees": 6, "version": True}, "应为整数"),
        ({"employees": 6, "version": None}, "应为整数"),
        ({"employees": 6, "version": 1.0}, "应为整数"),
    ],
)
def test_patch_needs_an_integer_version(client, staff, body, message):
    record = create(client, staff)
    response = client.patch(f"{API}/{record['id']}", json=body, headers=staff)
    assert response.status_code == 422
    assert error_of(response)["fields"] == {"version": [message]}


def test_patch_refuses_read_only_fields_and_bad_values(client, staff):
    record = create(client, staff)
    url = f"{API}/{record['id']}"
    read_only = client.patch(url, json={"version": 1, "created_at": "2020-01-01"}, headers=staff)
    assert (read_only.status_code, error_of(read_only)["fields"]) == (
        400,
        {"created_at": ["只读字段，不可修改"]},
    )
    no_name = client.patch(url, json={"version": 1, "name": None}, headers=staff)
    assert (no_name.status_code, error_of(no_name)["fields"]) == (422, {"name": ["不能为空"]})
    assert client.get(url, headers=staff).get_json()["version"] == 1


def test_patch_clears_optional_fields_with_null_or_empty(client, staff, places):
    record = create(
        client, staff, uscc=VALID_USCC, location={"lon": 110, "lat": 32}, district="420302"
    )
    response = client.patch(
        f"{API}/{record['id']}",
        json={"version": 1, "uscc": "", "location": None, "district": None, "tags": []},
        headers=staff,
    )
    cleared = response.get_json()
    assert (cleared["uscc"], cleared["location"], cleared["district"]) == (None, None, None)


# ---- delete ----


def test_delete_is_soft_and_the_record_then_answers_404(client, staff, session):
    record = create(client, staff)
    url = f"{API}/{record['id']}"
    response = client.delete(url, headers=staff)
    assert (response.status_code, response.data) == (204, b"")
    assert session.get(Enterprise, record["id"]).deleted_at is not None
    for answer in (
        client.get(url, headers=staff),
        client.patch(url, json={"version": 2, "name": "x"}, headers=staff),
        client.delete(url, headers=staff),
    ):
        assert answer.status_code == 404
        assert error_of(answer) == {
            "code": "not_found",
            "message": "记录不存在，或您无权查看。",
            "fields": {},
        }
    assert client.get(API, headers=staff).get_json()["items"] == []


@pytest.mark.parametrize("path", ["/0", "/999999", "/99999999999999999999", "/abc", "/-1"])
def test_absent_ids_answer_404_json(client, staff, path):
    response = client.get(API + path, headers=staff)
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_unsupported_methods_answer_405_json(client, staff):
    record = create(client, staff)
    response = client.put(f"{API}/{record['id']}", json={"name": "x"}, headers=staff)
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"


# ---- who may do what ----


def test_anonymous_callers_get_401_json_never_a_redirect(client, staff):
    record = create(client, staff)
    for response in (
        client.get(API),
        client.get(f"{API}/{record['id']}"),
        client.post(API, json={"name": "x"}),
        client.patch(f"{API}/{record['id']}", json={"version": 1}),
        client.delete(f"{API}/{record['id']}"),
    ):
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert error_of(response) == {
            "code": "unauthorized",
            "message": "请先登录。",
            "fields": {},
        }


def test_officials_read_but_may_not_write(client, staff, make_user, bearer):
    record = create(client, staff)
    official = bearer(make_user("official"))
    url = f"{API}/{record['id']}"
    assert client.get(API, headers=official).status_code == 200
    assert client.get(url, headers=official).status_code == 200
    for response in (
        client.post(API, json={"name": "x"}, headers=official),
        client.patch(url, json={"version": 1, "name": "x"}, headers=official),
        client.delete(url, headers=official),
    ):
        assert response.status_code == 403
        assert error_of(response) == {
            "code": "forbidden",
            "message": "您的角色无权执行此操作。",
            "fields": {},
        }
    assert client.get(url, headers=staff).get_json()["version"] == 1


def test_ambassadors_get_403_on_the_list_and_404_on_records(client, staff, make_user, bearer):
    record = create(client, staff)
    ambassador = bearer(make_user("ambassador"))
    url = f"{API}/{record['id']}"
    assert client.get(API, headers=ambassador).status_code == 403
    assert client.post(API, json={"name": "x"}, headers=ambassador).status_code == 403
    assert client.get(url, headers=ambassador).status_code == 404
    assert (
        client.patch(url, json={"version": 1, "name": "x"}, headers=ambassador).status_code == 404
    )
    assert client.delete(url, headers=ambassador).status_code == 404


def test_admins_write(client, make_user, bearer):
    admin = bearer(make_user("admin"))
    record = create(client, admin)
    assert client.delete(f"{API}/{record['id']}", headers=admin).status_code == 204


# ---- authentication: tokens and the session cookie ----


def test_a_token_authenticates_without_a_cookie_and_notes_its_use(client, session, make_user):
    user = make_user("staff")
    token = create_token(session, user)
    session.commit()
    response = client.get(API, headers={"Authorization": f"bearer {token}"})
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    record = session.scalar(select(ApiToken).where(ApiToken.token_hash == ApiToken.hash(token)))
    assert record.last_used_at is not None


def test_a_revoked_token_is_refused(client, session, make_user):
    user = make_user("staff")
    token = create_token(session, user)
    session.execute(
        update(ApiToken)
        .where(ApiToken.token_hash == ApiToken.hash(token))
        .values(revoked_at=utcnow())
    )
    session.commit()
    response = client.get(API, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert error_of(response) == {
        "code": "unauthorized",
        "message": "访问令牌无效或已撤销。",
        "fields": {},
    }


def test_the_token_of_an_inactive_user_is_refused(client, session, make_user, bearer):
    user = make_user("staff")
    headers = bearer(user)
    user.active = False
    session.commit()
    assert client.get(API, headers=headers).status_code == 401


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Bearer not-a-token", "访问令牌无效或已撤销。"),
        ("Bearer", "Authorization 请求头应为“Bearer 令牌”。"),
        ("Bearer   ", "Authorization 请求头应为“Bearer 令牌”。"),
        ("Bearer two words", "Authorization 请求头应为“Bearer 令牌”。"),
        ("Basic dXNlcjpwYXNz", "Authorization 请求头应为“Bearer 令牌”。"),
        ("", "Authorization 请求头应为“Bearer 令牌”。"),
    ],
)
def test_a_bad_authorization_header_answers_401(client, header, message):
    response = client.get(API, headers={"Authorization": header})
    assert response.status_code == 401
    assert error_of(response)["message"] == message


def test_a_bad_token_is_refused_even_beside_a_valid_session(client, login, make_user):
    login(make_user("staff"))
    assert client.get(API).status_code == 200
    assert client.get(API, headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_session_writes_need_the_csrf_header(client, login, make_user, session):
    login(make_user("staff"))
    refused = client.post(API, json={"name": "汉江精工"})
    assert refused.status_code == 400
    assert error_of(refused)["code"] == "csrf"
    wrong = client.post(API, json={"name": "汉江精工"}, headers={"X-CSRFToken": "forged"})
    assert wrong.status_code == 400
    assert live_count(session) == 0

    token = csrf_token(client.get("/").text)
    created = client.post(API, json={"name": "汉江精工"}, headers={"X-CSRFToken": token})
    assert created.status_code == 201
    url = created.headers["Location"]
    assert client.patch(url, json={"version": 1, "name": "汉江"}).status_code == 400
    changed = client.patch(url, json={"version": 1, "name": "汉江"}, headers={"X-CSRFToken": token})
    assert changed.status_code == 200
    assert client.delete(url).status_code == 400
    assert client.delete(url, headers={"X-CSRFToken": token}).status_code == 204


def test_session_reads_need_no_csrf_header(client, login, make_user):
    login(make_user("official"))
    assert client.get(API).status_code == 200


# ---- pages ----


def make_enterprises(session, count: int) -> list[int]:
    ids = [create_enterprise(session, {"name": f"企业{n:02d}"}, None).id for n in range(count)]
    session.commit()
    return ids


def test_pages_of_ten_over_25_records(client, staff, session):
    ids = make_enterprises(session, 25)
    pages = [client.get(f"{API}?per_page=10&page={n}", headers=staff).get_json() for n in (1, 2, 3)]
    assert [len(page["items"]) for page in pages] == [10, 10, 5]
    assert [page["next"] for page in pages] == [2, 3, None]
    assert [(page["page"], page["per_page"]) for page in pages] == [(1, 10), (2, 10), (3, 10)]
    assert [item["id"] for page in pages for item in page["items"]] == ids
    beyond = client.get(f"{API}?per_page=10&page=4", headers=staff).get_json()
    assert (beyond["items"], beyond["next"]) == ([], None)


def test_twenty_a_page_by_default_and_exactly_full_pages_have_no_next(client, staff, session):
    make_enterprises(session, 20)
    page = client.get(API, headers=staff).get_json()
    assert (len(page["items"]), page["page"], page["per_page"], page["next"]) == (20, 1, 20, None)


def test_list_items_show_the_summary(client, staff, places):
    record = create(client, staff, uscc=VALID_USCC, district="420302", output_wan="10.50")
    (item,) = client.get(API, headers=staff).get_json()["items"]
    assert item == {
        "id": record["id"],
        "version": 1,
        "uscc": VALID_USCC,
        "name": "十堰汉江精工有限公司",
        "name_initials": "syhjjgyxgs",
        "district": "420302",
        "is_leading": False,
        "is_chain_leader": False,
        "is_above_scale": False,
        "is_local": True,
        "output_wan": "10.5",
        "tax_wan": None,
        "employees": None,
        "updated_at": record["updated_at"],
    }


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("per_page=101", "per_page", "应为 1 到 100 之间的整数"),
        ("per_page=0", "per_page", "应为 1 到 100 之间的整数"),
        ("per_page=abc", "per_page", "应为 1 到 100 之间的整数"),
        ("per_page=", "per_page", "应为 1 到 100 之间的整数"),
        ("page=-1", "page", "应为 1 到 10000000 之间的整数"),
        ("page=0", "page", "应为 1 到 10000000 之间的整数"),
        ("page=1.5", "page", "应为 1 到 10000000 之间的整数"),
        ("page=%D9%A3", "page", "应为 1 到 10000000 之间的整数"),  # an Arabic-Indic 3
        ("page=99999999999999999999", "page", "应为 1 到 10000000 之间的整数"),
        ("is_leading=yes", "is_leading", "应为 true 或 false"),
        ("is_local=", "is_local", "应为 true 或 false"),
        (
            "tag=unicorn",
            "tag",
            "应为以下之一：fortune500, listed, specialised, state_owned, foreign",
        ),
        ("district=000000", "district", "未知区县代码：000000"),
        ("segment=M999", "segment", "未知产业链环节代码：M999"),
        ("segment=M5", "segment", "未知产业链环节代码：M5"),
        ("q=%00", "q", "不能包含控制字符"),
        ("q=" + "x" * 201, "q", "最多 200 个字符，当前 201 个"),
    ],
)
def test_bad_list_parameters_answer_422_naming_them(client, staff, places, query, field, message):
    response = client.get(f"{API}?{query}", headers=staff)
    assert response.status_code == 422
    assert error_of(response) == {
        "code": "invalid",
        "message": INVALID,
        "fields": {field: [message]},
    }


# ---- filters ----


@pytest.fixture
def directory(client, staff, places) -> dict[str, int]:
    """Four enterprises whose filters are worked out by hand below."""
    records = {
        "A": create(
            client,
            staff,
            name="十堰汉江精工有限公司",
            uscc=VALID_USCC,
            is_leading=True,
            district="420302",
            segments=["M501"],
            tags=["listed"],
        ),
        "B": create(
            client,
            staff,
            name="东风小康汽车有限公司",
            uscc=OTHER_USCC,
            is_chain_leader=True,
            is_local=False,
            district="420303",
            segments=["M502"],
        ),
        "C": create(client, staff, name="湖北三环锻造有限公司", is_above_scale=True),
        "D": create(client, staff, name="Tesla 上海超级工厂", tags=["foreign"]),
    }
    return {key: record["id"] for key, record in records.items()}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", "ABCD"),
        ("q=汉江", "A"),
        ("q=有限公司", "ABC"),
        ("q=dfxk", "B"),  # 东风小康汽车有限公司 → dfxkqcyxgs
        ("q=DFXK", "B"),
        ("q=syhj", "A"),
        ("q=xkqc", "B"),  # initials match anywhere: 东风小康汽车 → dfxkqc
        ("q=tesla", "D"),
        ("q=TESLA", "D"),
        ("q=%25", ""),  # % and _ are literal, not wildcards
        ("q=_", ""),
        ("q=%20%20", "ABCD"),  # blank: no filter
        ("uscc=91110108551385082q", "A"),
        ("uscc=%EF%BC%99%EF%BC%91110108551385082Q", "A"),  # full-width ９１ at the start
        ("uscc=91110108-5513-85082Q", "A"),
        ("uscc=91110108551385082A", ""),
        ("segment=M501", "A"),
        ("segment=M502", "B"),
        ("district=420303", "B"),
        ("is_leading=true", "A"),
        ("is_leading=false", "BCD"),
        ("is_chain_leader=true", "B"),
        ("is_above_scale=TRUE", "C"),
        ("is_local=false", "B"),
        ("tag=listed", "A"),
        ("tag=foreign", "D"),
        ("tag=fortune500", ""),
        ("q=有限公司&is_local=true", "AC"),
        ("district=420302&segment=M502", ""),
    ],
)
def test_filters(client, staff, directory, query, expected):
    response = client.get(f"{API}?{query}", headers=staff)
    assert response.status_code == 200
    found = [item["id"] for item in response.get_json()["items"]]
    assert found == [directory[key] for key in expected]


# ---- audit ----


def audit_rows(session, enterprise_id: int) -> list[tuple]:
    statement = (
        select(AuditEvent.action, AuditEvent.field, AuditEvent.old_value, AuditEvent.new_value)
        .where(AuditEvent.entity == "enterprises", AuditEvent.entity_id == enterprise_id)
        .order_by(AuditEvent.id)
    )
    return [tuple(row) for row in session.execute(statement)]


def test_create_update_and_delete_are_audited(client, session, make_user, bearer, places):
    user = make_user("staff")
    headers = bearer(user)
    record = create(
        client,
        headers,
        name="汉江精工",
        output_wan="12.50",
        segments=["M501"],
        tags=["listed"],
        aliases=["汉江"],
    )
    created = audit_rows(session, record["id"])
    assert ("create", "name", None, "汉江精工") in created
    assert ("create", "name_initials", None, "hjjg") in created
    assert ("create", "output_wan", None, "12.5") in created
    assert ("create", "aliases", None, '["汉江"]') in created
    assert ("create", "segments", None, "M501") in created
    assert ("create", "tags", None, "listed") in created
    assert not [row for row in created if row[1] == "tax_wan"]  # absent values are not events

    url = f"{API}/{record['id']}"
    response = client.patch(
        url,
        json={"version": 1, "name": "汉江精工集团", "segments": ["M501", "M502"], "tags": []},
        headers=headers,
    )
    assert response.status_code == 200
    updated = [row for row in audit_rows(session, record["id"]) if row[0] == "update"]
    assert sorted(updated) == [
        ("update", "name", "汉江精工", "汉江精工集团"),
        ("update", "name_initials", "hjjg", "hjjgjt"),
        ("update", "name_normalised", "汉江精工", "汉江精工集团"),
        ("update", "segments", "M501", "M501,M502"),
        ("update", "tags", "listed", None),
    ]

    assert client.delete(url, headers=headers).status_code == 204
    assert audit_rows(session, record["id"])[-1] == ("delete", None, None, None)
    users = session.scalars(
        select(AuditEvent.user_id).where(
            AuditEvent.entity == "enterprises", AuditEvent.entity_id == record["id"]
        )
    ).all()
    assert set(users) == {user.id}


def test_a_refused_write_leaves_no_trace(client, staff, session):
    response = client.post(API, json={"name": "汉江精工", "employees": -1}, headers=staff)
    assert response.status_code == 422
    assert (
        session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.entity == "enterprises")
        )
        == 0
    )


def test_json_is_sent_as_utf8_not_escaped(client, staff):
    response = client.post(API, json={"name": "十堰汉江精工有限公司"}, headers=staff)
    assert response.mimetype == "application/json"
    assert "十堰汉江精工有限公司".encode() in response.data
    assert b"\\u" not in response.data
