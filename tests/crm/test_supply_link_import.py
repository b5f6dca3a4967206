"""Supply links in and out as spreadsheets: the import (every rule per row, all or nothing, the
batch that records it, scope), the export it reads back, the pages, the command and the API."""

import io
import re

import openpyxl
import pytest
from sqlalchemy import func, select
from stdnum.cn import uscc

from crm.models import AuditEvent, District, ImportBatch, SupplyLink
from crm.schemas.supply_links import SupplyLinkFilters
from crm.services.enterprises import create_enterprise, delete_enterprise
from crm.services.errors import Forbidden
from crm.services.supply_link_export import HEADERS, export_supply_links
from crm.services.supply_link_import import import_supply_links, map_columns, mapping_problems
from crm.spreadsheets import read_table
from tests.support import csrf_token

HEADER = "供应商名称,供应商统一社会信用代码,客户名称,客户统一社会信用代码,环节代码,份额"


def code(serial: str) -> str:
    """A valid credit code: 9142030 + the serial, padded, and its check character."""
    body = f"9142030{serial:0>10}"
    return body + uscc.calc_check_digit(body)


BATTERY, MOTOR, TRUCK, BUS = code("1"), code("2"), code("3"), code("4")


@pytest.fixture(autouse=True)
def in_app(app):
    with app.app_context():
        yield


@pytest.fixture
def firms(session, places):
    """Two suppliers in 茅箭区, two customers in 张湾区, by name."""
    made = {}
    for name, credit, district in (
        ("十堰电池有限公司", BATTERY, "420302"),
        ("十堰电驱有限公司", MOTOR, "420302"),
        ("东风商用车有限公司", TRUCK, "420303"),
        ("十堰客车有限公司", BUS, "420303"),
    ):
        made[name] = create_enterprise(
            session, {"name": name, "uscc": credit, "district": district}, None
        )
    session.commit()
    return made


def csv_bytes(rows: list[str], encoding: str = "utf-8", header: str = HEADER) -> bytes:
    return ("\r\n".join([header, *rows]) + "\r\n").encode(encoding)


def run(session, data: bytes, actor=None, name: str = "供应关系.csv", **options):
    table = read_table(data, name)
    mapping = map_columns(table)
    assert mapping_problems(mapping) == []
    return import_supply_links(session, table, mapping, actor, **options)


def links(session) -> list[tuple]:
    return sorted(
        (link.supplier.name, link.customer.name, link.segment.code if link.segment else None,
         link.share)
        for link in session.scalars(select(SupplyLink))
    )  # fmt: skip


GOOD_ROWS = [
    f"十堰电池有限公司,{BATTERY},东风商用车有限公司,{TRUCK},M501,35%",
    f",{BATTERY},十堰客车有限公司,,M501,0.6",
    "十堰电驱有限公司,,东风商用车有限公司,,M503 电驱动系统,",
]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_a_good_file_creates_every_link_in_each_encoding(session, firms, make_user, encoding):
    user = make_user("staff")
    outcome = run(session, csv_bytes(GOOD_ROWS, encoding), user)
    session.commit()
    assert (outcome.refused, outcome.row_count, outcome.created, outcome.updated) == (
        False, 3, 3, 0)  # fmt: skip
    assert links(session) == [
        ("十堰电池有限公司", "东风商用车有限公司", "M501", 0.35),
        ("十堰电池有限公司", "十堰客车有限公司", "M501", 0.6),
        ("十堰电驱有限公司", "东风商用车有限公司", "M503", None),
    ]
    batch = session.get(ImportBatch, outcome.batch_id)
    assert (batch.kind, batch.status, batch.created_count, batch.created_by_id) == (
        "supply_links", "applied", 3, user.id)  # fmt: skip
    assert session.scalar(
        select(func.count()).select_from(AuditEvent).where(
            AuditEvent.entity == "supply_links", AuditEvent.action == "create",
            AuditEvent.field == "share")
    ) == 2  # fmt: skip


def test_an_existing_link_takes_the_rows_share_and_an_unchanged_one_is_left(session, firms):
    run(session, csv_bytes(GOOD_ROWS))
    session.commit()
    again = run(session, csv_bytes([GOOD_ROWS[0].replace("35%", "0.35"), GOOD_ROWS[2]]))
    assert (again.created, again.updated) == (0, 0)
    changed = run(session, csv_bytes([GOOD_ROWS[0].replace("35%", "40 ％"), GOOD_ROWS[2]]))
    session.commit()
    assert (changed.created, changed.updated) == (0, 1)
    link = session.scalar(select(SupplyLink).where(SupplyLink.share == 0.4))
    assert (link.supplier.name, link.version) == ("十堰电池有限公司", 2)
    assert session.scalar(select(func.count()).select_from(SupplyLink)) == 3


def test_every_bad_row_is_named_by_row_column_and_reason_and_nothing_is_written(session, firms):
    first = create_enterprise(session, {"name": "十堰同名有限公司"}, None)
    # The rules keep names apart; records from before them (or merged ones) may not be.
    second = create_enterprise(session, {"name": "十堰同名二有限公司"}, None)
    second.name_normalised = first.name_normalised
    gone = create_enterprise(session, {"name": "十堰已删除有限公司"}, None)
    delete_enterprise(session, gone, None)
    session.commit()
    wrong_check = BATTERY[:-1] + ("0" if BATTERY[-1] != "0" else "1")
    rows = [
        GOOD_ROWS[0],
        "十堰不存在有限公司,,东风商用车有限公司,,M501,0.2",
        f",{wrong_check},东风商用车有限公司,,M501,0.2",
        "十堰同名有限公司,,东风商用车有限公司,,M501,0.2",
        "十堰电池有限公司,,十堰电池有限公司,,M501,0.2",
        "十堰电池有限公司,,十堰客车有限公司,,X999,1.5",
        "十堰电池有限公司,,十堰客车有限公司,,M502,很多",
        ",,十堰客车有限公司,,M502,",
        "十堰已删除有限公司,,十堰客车有限公司,,M502,",
        f"十堰电池有限公司,,东风商用车有限公司,{TRUCK},M501,0.3",  # the same link as row 2
    ]
    outcome = run(session, csv_bytes(rows))
    session.commit()
    assert session.scalar(select(func.count()).select_from(SupplyLink)) == 0
    assert [(error.row, error.column, error.message) for error in outcome.errors] == [
        (3, "供应商名称", "企业库中没有名为“十堰不存在有限公司”的企业"),
        (4, "供应商统一社会信用代码", "统一社会信用代码校验位不正确，请核对后重新输入"),
        (5, "供应商名称",
         "企业库中有 2 家企业名为“十堰同名有限公司”，请填写统一社会信用代码以区分"),
        (6, "客户名称", "供应商和客户不能是同一家企业"),
        (7, "环节代码", "未知产业链环节代码：X999"),
        (7, "份额", "份额应在 0 到 1 之间（或写作百分数，如 35%）"),
        (8, "份额", "应为数字，如 1234.5"),
        (9, "供应商名称", "请填写供应商的名称或统一社会信用代码"),
        (10, "供应商名称", "企业库中没有名为“十堰已删除有限公司”的企业"),
        (11, "客户名称", "与第 2 行是同一条供应关系（供应商、客户和环节相同）"),
    ]  # fmt: skip
    batch = session.get(ImportBatch, outcome.batch_id)
    assert (batch.kind, batch.status, batch.error_count) == ("supply_links", "refused", 10)


def test_a_share_above_one_hundred_percent_or_with_too_many_places_is_refused(session, firms):
    rows = [f"十堰电池有限公司,,东风商用车有限公司,,M501,{share}" for share in ("120%", "0.12345")]
    outcome = run(session, csv_bytes(rows))
    assert [(error.row, error.message) for error in outcome.errors] == [
        (2, "份额应在 0 到 1 之间（或写作百分数，如 35%）"),
        (3, "最多保留 4 位小数"),
    ]


def test_a_file_naming_neither_supplier_nor_customer_columns_cannot_be_mapped(session):
    table = read_table(csv_bytes(["M501,0.3"], header="环节代码,份额"), "a.csv")
    assert mapping_problems(map_columns(table)) == [
        "缺少必需的列：供应商名称或供应商统一社会信用代码",
        "缺少必需的列：客户名称或客户统一社会信用代码",
    ]


def test_a_dry_run_checks_and_writes_nothing(session, firms):
    outcome = run(session, csv_bytes(GOOD_ROWS), dry_run=True)
    assert (outcome.refused, outcome.created, outcome.batch_id) == (False, 3, None)
    assert session.scalar(select(func.count()).select_from(SupplyLink)) == 0
    assert session.scalar(select(func.count()).select_from(ImportBatch)) == 0


# ---- scope ----


def test_district_staff_write_only_links_with_an_end_in_their_district(session, firms,
                                                                       make_user, make_unit):  # fmt: skip
    zhushan = District(code="420323", name="竹山县", kind="county_district")
    session.add(zhushan)
    city = make_unit("市招商局", kind="city_bureau")
    maojian = session.scalar(select(District).where(District.code == "420302"))
    inside = make_user("staff", unit=make_unit("茅箭区招商局", parent=city, district=maojian))
    outsider = make_user("staff", unit=make_unit("竹山县招商局", parent=city, district=zhushan))
    refused = run(session, csv_bytes(GOOD_ROWS), outsider)
    assert [(error.row, error.column, error.message) for error in refused.errors] == [
        (row, "供应商名称", "供应商和客户都不在您的辖区内，您不能修改这条供应关系。")
        for row in (2, 3, 4)
    ]
    assert run(session, csv_bytes(GOOD_ROWS), inside).created == 3
    with pytest.raises(Forbidden):
        run(session, csv_bytes(GOOD_ROWS), make_user("staff", unit=None))


# ---- the export, and back ----


def test_an_export_imports_back_unchanged_and_an_edited_share_updates(session, firms):
    run(session, csv_bytes(GOOD_ROWS))
    gone = create_enterprise(session, {"name": "十堰已删除有限公司"}, None)
    session.add(SupplyLink(supplier=gone, customer=firms["十堰客车有限公司"], share=0.1))
    delete_enterprise(session, gone, None)
    session.commit()
    file = io.BytesIO()
    assert export_supply_links(session, SupplyLinkFilters(), None, file) == 3
    workbook = openpyxl.load_workbook(io.BytesIO(file.getvalue()))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS == [
        "供应商名称", "供应商统一社会信用代码", "客户名称", "客户统一社会信用代码", "环节代码",
        "环节名称", "份额",
    ]  # fmt: skip
    assert rows[1] == ("十堰电池有限公司", BATTERY, "东风商用车有限公司", TRUCK, "M501",
                       "动力电池电芯", 0.35)  # fmt: skip
    assert workbook.active.cell(2, 7).number_format == "0.00%"
    assert rows[3][6] is None
    again = run(session, file.getvalue(), name="供应关系.xlsx")
    assert (again.refused, again.created, again.updated) == (False, 0, 0)

    workbook.active.cell(2, 7).value = 0.5
    edited = io.BytesIO()
    workbook.save(edited)
    outcome = run(session, edited.getvalue(), name="供应关系.xlsx")
    assert (outcome.created, outcome.updated) == (0, 1)
    one = io.BytesIO()
    filters = SupplyLinkFilters(enterprise=firms["十堰电驱有限公司"].id)
    assert export_supply_links(session, filters, None, one) == 1


# ---- pages, the command and the API ----


@pytest.fixture
def staff(make_user, login):
    user = make_user("staff")
    login(user)
    return user


def upload(client, data: bytes, name: str):
    page = client.get("/imports/supply_links")
    return client.post("/imports/supply_links", data={
        "csrf_token": csrf_token(page.text), "file": (io.BytesIO(data), name)})  # fmt: skip


def test_the_pages_import_a_gbk_file_and_show_the_outcome(client, session, firms, staff):
    listing = client.get("/enterprises")
    assert 'href="/imports/supply_links"' in listing.text
    assert 'href="/supply-links/export.xlsx"' in listing.text
    start = client.get("/imports/supply_links")
    assert "<h1>导入供应关系</h1>" in start.text and "环节代码" in start.text
    uploaded = upload(client, csv_bytes(GOOD_ROWS, "gbk"), "供应关系.csv")
    assert uploaded.status_code == 302
    columns_page = client.get(uploaded.headers["Location"])
    assert "共 3 行数据" in columns_page.text and "GB18030/GBK" in columns_page.text
    started = client.post(uploaded.headers["Location"], data={
        "csrf_token": csrf_token(columns_page.text), "column-0": "supplier_name",
        "column-1": "supplier_uscc", "column-2": "customer_name", "column-3": "customer_uscc",
        "column-4": "segment", "column-5": "share"})  # fmt: skip
    result = client.get(started.headers["Location"])
    assert "已导入 3 行：新建 3 条供应关系，更新 0 条。" in result.text
    assert session.scalar(select(func.count()).select_from(SupplyLink)) == 3
    assert "供应关系.csv" in client.get("/imports/supply_links").text  # the batch is listed


def test_the_pages_show_each_bad_row(client, session, firms, staff):
    uploaded = upload(client, csv_bytes(["十堰电池有限公司,,十堰电池有限公司,,M501,"]), "a.csv")
    columns_page = client.get(uploaded.headers["Location"])
    started = client.post(uploaded.headers["Location"], data={
        "csrf_token": csrf_token(columns_page.text), "column-0": "supplier_name",
        "column-2": "customer_name", "column-4": "segment"})  # fmt: skip
    result = client.get(started.headers["Location"])
    assert "未导入：文件中有错误" in result.text
    assert re.search(r'<td class="num">2</td><td>客户名称</td><td>供应商和客户不能是同一家企业',
                     result.text)  # fmt: skip


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "empty.csv", "“empty.csv”是空文件。"),
        (HEADER.encode(), "header.csv", "“header.csv”只有表头，没有数据行。"),
        (b"%PDF-1.4\x00\x01", "a.pdf", "无法识别“a.pdf”的格式"),
    ],
)
def test_an_unreadable_upload_is_explained_and_nothing_is_kept(client, staff, data, name,
                                                               message):  # fmt: skip
    response = upload(client, data, name)
    assert response.status_code == 422
    assert message in response.text


def test_a_file_over_the_limit_is_refused_on_the_page(app, client, staff, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", 1000)
    over_the_file_limit = upload(client, csv_bytes(GOOD_ROWS * 20), "big.csv")
    assert over_the_file_limit.status_code == 422
    assert "“big.csv”超过 0 MB 的上限，请拆分后分批导入。" in over_the_file_limit.text
    over_the_request_limit = upload(client, csv_bytes(GOOD_ROWS * 1000), "bigger.csv")
    assert over_the_request_limit.status_code == 413
    assert "<h1>导入供应关系</h1>" in over_the_request_limit.text
    assert "文件超过" in over_the_request_limit.text


def test_the_export_page_sends_a_workbook(client, session, firms, staff):
    run(session, csv_bytes(GOOD_ROWS))
    session.commit()
    response = client.get(f"/supply-links/export.xlsx?customer={firms['东风商用车有限公司'].id}")
    data = response.data
    response.close()
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    rows = list(openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    assert len(rows) == 3


def test_the_command_imports_and_exports(app, session, firms, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes(["十堰电池有限公司,,十堰无名有限公司,,M501,"]))
    result = app.test_cli_runner().invoke(args=["import", "supply_links", str(bad)])
    assert result.exit_code == 1
    assert "第 2 行 row 2 · 客户名称：企业库中没有名为“十堰无名有限公司”的企业" in result.output
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes(GOOD_ROWS, "gbk"))
    result = app.test_cli_runner().invoke(args=["import", "supply_links", str(good)])
    assert result.exit_code == 0, result.output
    assert "3 rows, 3 new, 0 updated" in result.output
    target = tmp_path / "out.xlsx"
    result = app.test_cli_runner().invoke(
        args=["export", "supply_links", str(target), "--filter", "segment=M501"]
    )
    assert result.exit_code == 0, result.output
    assert "exported 2 rows" in result.output


def test_the_api_imports_or_answers_422_with_every_bad_row(client, session, firms, make_user,
                                                           bearer):  # fmt: skip
    headers = bearer(make_user("staff"))
    bad = {"file": (io.BytesIO(csv_bytes(["十堰电池有限公司,,东风商用车有限公司,,M501,2"])),
                    "bad.csv")}  # fmt: skip
    response = client.post("/api/v1/supply-links/import", data=bad, headers=headers)
    assert response.status_code == 422
    assert response.get_json()["rows_with_errors"] == [
        {"row": 2, "column": "份额", "message": "份额应在 0 到 1 之间（或写作百分数，如 35%）"}
    ]
    good = {"file": (io.BytesIO(csv_bytes(GOOD_ROWS)), "good.csv")}
    response = client.post("/api/v1/supply-links/import", data=good, headers=headers)
    assert response.status_code == 200 and response.get_json()["created"] == 3
    exported = client.get("/api/v1/supply-links/export.xlsx", headers=headers)
    exported.close()
    assert exported.status_code == 200
