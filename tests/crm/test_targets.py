"""全年目标任务: the rules a target keeps, the API resource, the grid page with its optimistic
locking, and the spreadsheet import (GBK CSV, bad rows, nothing written on error) and export."""

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from crm.models import District, Target, Unit
from crm.services import target_sheet, targets
from crm.services.errors import Forbidden, StaleVersion, ValidationError
from crm.spreadsheets import read_table
from tests.support import csrf_token


@pytest.fixture
def owners(session, make_unit):
    maojian = District(code="420302", name="茅箭区", kind="county_district")
    zhangwan = District(code="420303", name="张湾区", kind="county_district")
    session.add_all([maojian, zhangwan])
    session.commit()
    city = make_unit("市招商局", kind="city_bureau")
    bureau = make_unit("茅箭区招商局", parent=city, district=maojian)
    return {"maojian": maojian, "zhangwan": zhangwan, "city": city, "bureau": bureau}


def all_targets(session) -> set[tuple]:
    return {
        (t.year, t.district_id, t.unit_id, t.indicator, Decimal(t.value))
        for t in session.scalars(select(Target))
    }


def test_a_target_keeps_its_rules(session, owners, make_user):
    admin = make_user("admin")
    district = owners["maojian"].id
    base = {"district_id": district, "year": 2026, "indicator": "signed_count", "value": 12}
    target = targets.create_target(session, base, admin)
    for wrong, field in (
        ({"unit_id": owners["bureau"].id}, "district_id"),  # both owners
        ({"district_id": None}, "district_id"),  # neither
        ({"district_id": 99999}, "district_id"),
        ({"year": 1999}, "year"),
        ({"indicator": "jobs"}, "indicator"),
        ({"value": "2.5"}, "value"),  # a count of projects
        ({"indicator": "landing_rate", "value": "101"}, "value"),  # a rate in per cent
        ({"value": "-1"}, "value"),
        ({}, "indicator"),  # the same target twice
    ):
        with pytest.raises(ValidationError) as refused:
            targets.create_target(session, base | wrong, admin)
        assert field in refused.value.fields, wrong
    assert targets.create_target(
        session, base | {"indicator": "landing_rate", "value": "85.5"}, admin
    )
    with pytest.raises(StaleVersion):
        targets.update_target(session, target, {"value": 13}, target.version + 1, admin)
    # A district's staff read targets but may not set them.
    staff = make_user("staff", unit=owners["bureau"])
    with pytest.raises(Forbidden):
        targets.create_target(session, base | {"indicator": "projects_started"}, staff)


def test_the_api_resource(client, session, owners, make_user, bearer):
    headers = bearer(make_user("staff"))  # the city bureau's staff
    body = {"unit_id": owners["city"].id, "year": 2026, "indicator": "landing_rate",
            "value": "70"}  # fmt: skip
    created = client.post("/api/v1/targets", json=body, headers=headers)
    assert created.status_code == 201, created.json
    assert (created.json["owner_name"], created.json["value"]) == ("市招商局", "70")
    url = f"/api/v1/targets/{created.json['id']}"
    listed = client.get("/api/v1/targets?year=2026", headers=headers).json["items"]
    assert [item["indicator"] for item in listed] == ["landing_rate"]
    changed = client.patch(url, json={"value": "75", "version": 1}, headers=headers)
    assert changed.status_code == 200 and changed.json["value"] == "75"
    assert client.patch(url, json={"value": "80", "version": 1}, headers=headers).status_code == 409
    bad = client.post("/api/v1/targets", json=body | {"value": "120"}, headers=headers)
    assert bad.status_code == 422 and "value" in bad.json["error"]["fields"]
    district_staff = bearer(make_user("staff", unit=owners["bureau"]))
    assert client.get(url, headers=district_staff).status_code == 200
    assert client.delete(url, headers=district_staff).status_code == 403
    assert client.delete(url, headers=headers).status_code == 204
    paths = client.get("/api/v1/openapi.json", headers=headers).json["paths"]
    assert {"/targets", "/targets/{target_id}", "/targets/import"} <= set(paths)


def test_the_grid_saves_all_or_nothing_and_says_which_cell_is_wrong(
    client, session, owners, make_user, login
):
    login(make_user("admin"))
    page = client.get("/targets?year=2026&of=district")
    assert page.status_code == 200 and "茅箭区" in page.text and "签约项目落地率(%)" in page.text
    maojian, zhangwan = owners["maojian"].id, owners["zhangwan"].id
    form = {
        "csrf_token": csrf_token(page.text),
        f"district-{maojian}-signed_count": "10",
        f"district-{maojian}-landing_rate": "150",  # wrong: a rate above 100
        f"district-{zhangwan}-funds_in_place_wan": "20,000",
    }
    refused = client.post("/targets?year=2026&of=district", data=form)
    assert refused.status_code == 422
    assert "比率为百分数，应在 0 到 100 之间" in refused.text
    assert 'value="150"' in refused.text and 'value="20,000"' in refused.text  # nothing lost
    assert all_targets(session) == set()  # nothing written
    form[f"district-{maojian}-landing_rate"] = "80"
    saved = client.post("/targets?year=2026&of=district", data=form)
    assert saved.status_code == 302
    assert all_targets(session) == {
        (2026, maojian, None, "signed_count", Decimal(10)),
        (2026, maojian, None, "landing_rate", Decimal(80)),
        (2026, zhangwan, None, "funds_in_place_wan", Decimal(20000)),
    }
    # Someone else changes a target after this page was read: the save names the cell.
    page = client.get("/targets?year=2026&of=district")
    target = session.scalar(select(Target).where(Target.indicator == "signed_count"))
    target.value = Decimal(11)
    session.commit()
    form = _inputs(page.text)
    form[f"district-{maojian}-signed_count"] = "12"
    form[f"district-{zhangwan}-funds_in_place_wan"] = ""  # would remove it
    conflict = client.post("/targets?year=2026&of=district", data=form)
    assert conflict.status_code == 422 and "他人已将此项改为 11" in conflict.text
    assert (2026, zhangwan, None, "funds_in_place_wan", Decimal(20000)) in all_targets(session)
    # Saved again having seen it: the removal and the new value go through.
    again = client.post("/targets?year=2026&of=district", data=_inputs(conflict.text))
    assert again.status_code == 302
    assert {t[3]: t[4] for t in all_targets(session)} == {
        "signed_count": Decimal(12),
        "landing_rate": Decimal(80),
    }


def _inputs(page: str) -> dict:
    import re

    return dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page))


def test_the_grid_is_read_only_for_district_staff_and_shows_names_escaped(
    client, session, owners, make_user, login, make_unit
):
    make_unit('<script>alert("x")</script>', kind="task_team", parent=owners["city"])
    login(make_user("staff", unit=owners["bureau"]))
    page = client.get("/targets?of=unit")
    assert page.status_code == 200 and "readonly" in page.text
    assert "&lt;script&gt;" in page.text and '<script>alert("x")' not in page.text
    form = {"csrf_token": csrf_token(page.text), f"unit-{owners['city'].id}-landing_rate": "70"}
    assert client.post("/targets?of=unit", data=form).status_code == 403
    assert all_targets(session) == set()


HEADER = "年度,区县或部门,签约项目数,到位资金(万元),签约项目落地率(%)"


def run(session, data: bytes, actor, name="目标.csv", **options):
    table = read_table(data, name)
    mapping = target_sheet.map_columns(table)
    assert target_sheet.mapping_problems(mapping) == []
    return target_sheet.import_targets(session, table, mapping, actor, **options)


def test_a_gbk_csv_sets_targets_and_bad_rows_write_nothing(app, session, owners, make_user):
    admin = make_user("admin")
    rows = [
        HEADER,
        '2026,茅箭区,10,"50,000",80',
        "2026,420303,6,,",  # 张湾区 by its code; empty cells leave targets alone
        "2026,市招商局,,,70",  # the city's own
    ]
    with app.app_context():
        outcome = run(session, "\n".join(rows).encode("gbk"), admin)
        session.commit()
    assert not outcome.refused and (outcome.created, outcome.updated) == (5, 0)
    maojian, zhangwan, city = owners["maojian"].id, owners["zhangwan"].id, owners["city"].id
    assert all_targets(session) == {
        (2026, maojian, None, "signed_count", Decimal(10)),
        (2026, maojian, None, "funds_in_place_wan", Decimal(50000)),
        (2026, maojian, None, "landing_rate", Decimal(80)),
        (2026, zhangwan, None, "signed_count", Decimal(6)),
        (2026, None, city, "landing_rate", Decimal(70)),
    }
    before = all_targets(session)
    bad = [
        HEADER,
        "2026,茅箭区,11,,",  # fine, but not written: the file has errors
        "26x,张湾区,1,,",
        "2026,竹山县,1,,",
        "2026,张湾区,1.5,-3,101",
        "2026,茅箭区,12,,",  # the same target as row 2
    ]
    with app.app_context():
        refused = run(session, "\n".join(bad).encode("gbk"), admin)
        session.commit()  # the refused batch is recorded; no target is
    assert [(e.row, e.column, e.message) for e in refused.errors] == [
        (3, "年度", "应为年份，如 2026"),
        (4, "区县或部门", "找不到区县或部门“竹山县”"),
        (5, "签约项目数", "项目数应为整数"),
        (5, "到位资金(万元)", "不能为负数"),
        (5, "签约项目落地率(%)", "比率为百分数，应在 0 到 100 之间"),
        (6, "签约项目数", "与第 2 行设定的是同一项目标"),
    ]
    assert all_targets(session) == before
    assert session.scalar(select(func.count()).select_from(Target)) == 5


def test_the_export_imports_back_unchanged(app, session, owners, make_user):
    admin = make_user("admin")
    session.add(Target(district_id=owners["maojian"].id, year=2026, indicator="signed_count",
                       value=Decimal(10)))  # fmt: skip
    session.add(Target(unit_id=owners["city"].id, year=2026, indicator="in_statistics_rate",
                       value=Decimal("92.5")))  # fmt: skip
    session.commit()
    with app.app_context():
        data = target_sheet.export_workbook(session, 2026, admin)
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet.title == "2026年目标任务"
    assert [cell.value for cell in sheet[1]][:4] == ["年度", "区县或部门", "签约项目数",
                                                     "签约金额(万元)"]  # fmt: skip
    names = [row[1].value for row in sheet.iter_rows(min_row=2)]
    assert names == ["茅箭区", "张湾区", "市招商局", "茅箭区招商局"]
    assert sheet["C2"].value == 10
    with app.app_context():
        outcome = run(session, data, admin, "targets-2026.xlsx")
        session.commit()
    assert not outcome.refused and (outcome.created, outcome.updated) == (0, 0)
    assert session.scalar(select(func.count()).select_from(Target)) == 2


def test_the_import_page_serves_targets(client, session, owners, make_user, login):
    login(make_user("staff"))
    page = client.get("/imports/targets")
    assert page.status_code == 200 and "<h1>导入全年目标</h1>" in page.text
    assert client.get("/targets/export.xlsx?year=2026").status_code == 200
    assert session.get(Unit, owners["city"].id) is not None
