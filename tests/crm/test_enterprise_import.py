"""Importing enterprises: every encoding and format, every rule per row, all or nothing, the
batch that records it, updates through 编号 and 版本, the command line and the API."""

import io
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import func, select

from crm.models import AuditEvent, Enterprise, ImportBatch
from crm.schemas.enterprises import EnterpriseFilters
from crm.services.enterprise_import import import_enterprises, map_columns, mapping_problems
from crm.services.enterprises import create_enterprise, list_enterprises
from crm.spreadsheets import SpreadsheetError, read_table

CODE = "91110108551385082Q"
OTHER_CODE = "91420300MA4F00000Q"
HEADER = "企业名称,统一社会信用代码,区县,年产值（万元）,龙头企业,产业链环节,标签,成立日期"
GOOD_ROWS = [
    f'十堰汉江精工有限公司,{CODE},茅箭区,"1,200.5",是,M501；M502,上市、专精特新,2003/6/18',
    "十堰秦岭锻造有限公司,,420303,300,否,,,",
    "十堰武当电驱有限公司,,,12,,M503 电驱动系统,,2019年3月1日",
]


@pytest.fixture(autouse=True)
def in_app(app):
    """Services run inside the application (dates are checked against today in its zone)."""
    with app.app_context():
        yield


def csv_bytes(rows: list[str], encoding: str = "gb18030", header: str = HEADER) -> bytes:
    return ("\r\n".join([header, *rows]) + "\r\n").encode(encoding)


def run(session, data: bytes, actor=None, name: str = "企业.csv", **options):
    table = read_table(data, name)
    mapping = map_columns(table)
    assert mapping_problems(mapping) == []
    return import_enterprises(session, table, mapping, actor, **options)


def count(session) -> int:
    return session.scalar(select(func.count()).select_from(Enterprise))


@pytest.mark.parametrize("encoding", ["gb18030", "gbk", "utf-8", "utf-8-sig"])
def test_a_good_file_in_each_encoding_imports_every_row(session, places, make_user, encoding):
    user = make_user("staff")
    outcome = run(session, csv_bytes(GOOD_ROWS, encoding), user)
    session.commit()
    assert (outcome.refused, outcome.row_count, outcome.created, outcome.updated) == (
        False, 3, 3, 0)  # fmt: skip
    first = session.scalar(select(Enterprise).where(Enterprise.uscc == CODE))
    assert first.name == "十堰汉江精工有限公司"
    assert first.output_wan == Decimal("1200.5")
    assert first.is_leading is True
    assert first.district.code == "420302"
    assert sorted(segment.code for segment in first.segments) == ["M501", "M502"]
    assert sorted(tag.tag for tag in first.tags) == ["listed", "specialised"]
    assert str(first.established_on) == "2003-06-18"
    third = session.scalar(select(Enterprise).where(Enterprise.name == "十堰武当电驱有限公司"))
    assert [segment.code for segment in third.segments] == ["M503"]
    assert str(third.established_on) == "2019-03-01"

    batch = session.get(ImportBatch, outcome.batch_id)
    assert (batch.kind, batch.file_name, batch.status, batch.created_by_id) == (
        "enterprises", "企业.csv", "applied", user.id)  # fmt: skip
    assert (batch.row_count, batch.created_count, batch.error_count) == (3, 3, 0)
    assert {enterprise.import_batch_id for enterprise in session.scalars(select(Enterprise))} == {
        batch.id
    }
    assert (
        session.scalar(
            select(AuditEvent.action).where(
                AuditEvent.entity == "import_batches", AuditEvent.entity_id == batch.id
            )
        )
        == "import"
    )


def test_an_xlsx_workbook_imports_typed_cells(session, places):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["单位名称", "信用代码", "从业人数", "年产值(万元)", "本地企业", "经度", "纬度"])
    sheet.append(["十堰汉江精工有限公司", CODE, 320, 12.25, False, 110.79, 32.65])
    file = io.BytesIO()
    workbook.save(file)
    outcome = run(session, file.getvalue(), name="企业.xlsx")
    assert outcome.created == 1
    enterprise = session.scalar(select(Enterprise))
    assert (enterprise.employees, enterprise.output_wan, enterprise.is_local) == (
        320, Decimal("12.25"), False)  # fmt: skip
    assert (enterprise.lon, enterprise.lat) == (110.79, 32.65)


def test_one_bad_row_refuses_the_whole_file_naming_row_column_and_reason(session, places):
    rows = [
        GOOD_ROWS[0],
        "十堰秦岭锻造有限公司,91110108551385082A,茅箭区,300,否,,,",  # wrong check character
        "十堰武当电驱有限公司,,未知区,abc,也许,X999,独角兽,2024-02-30",
        "十堰汉江精工有限公司,,,,,,,",  # the same name as row 2
        ",,,,,,,",  # blank: skipped, not an error
        f"十堰丹江有限公司,{CODE},,,,,,",  # the same code as row 2
    ]
    outcome = run(session, csv_bytes(rows))
    session.commit()
    assert count(session) == 0
    assert [(error.row, error.column) for error in outcome.errors] == [
        (3, "统一社会信用代码"),
        *((4, column) for column in ("区县", "产业链环节", "标签", "龙头企业", "年产值（万元）",
                                     "成立日期")),
        (5, "企业名称"),
        (7, "统一社会信用代码"),
    ]  # fmt: skip
    assert [error.message for error in outcome.errors if error.row != 4] == [
        "统一社会信用代码校验位不正确，请核对后重新输入",
        "企业名称与第 2 行重复",
        "统一社会信用代码与第 2 行重复",
    ]
    batch = session.get(ImportBatch, outcome.batch_id)
    assert (batch.status, batch.error_count, batch.created_count) == ("refused", 9, 0)
    assert batch.errors[0] == {
        "row": 3,
        "column": "统一社会信用代码",
        "message": "统一社会信用代码校验位不正确，请核对后重新输入",
    }


def test_a_row_whose_name_hides_itself_is_refused(session, places):
    outcome = run(
        session, csv_bytes(["\u200b\u2060,,,,,,,", "十堰\u202e汉江有限公司,,,,,,,"], "utf-8")
    )
    assert count(session) == 0
    assert [(error.row, error.column, error.message) for error in outcome.errors] == [
        (2, "企业名称", "不能只由空白或不可见字符组成"),
        (3, "企业名称", "不能包含文字方向控制字符（如 U+202E）"),
    ]


def test_every_problem_of_a_row_is_named_at_once(session, places):
    outcome = run(
        session, csv_bytes(["十堰武当电驱有限公司,,未知区,abc,也许,X999,独角兽,2024-02-30"])
    )
    assert [(error.column, error.message) for error in outcome.errors] == [
        ("区县", "未知区县代码：未知区"),
        ("产业链环节", "未知产业链环节代码：X999"),
        ("标签", "未知标签：独角兽；可选：fortune500, listed, specialised, state_owned, foreign"),
        ("龙头企业", "应为“是”或“否”"),
        ("年产值（万元）", "应为数字，如 1234.5"),
        ("成立日期", "日期不存在"),
    ]


def test_names_and_codes_held_by_stored_records_are_refused(session, places):
    holder = create_enterprise(
        session, {"name": "十堰汉江精工（集团）有限公司", "uscc": CODE}, None
    )
    session.commit()
    outcome = run(session, csv_bytes([
        "十堰汉江精工(集团)有限公司,,,,,,,",
        f"十堰另一家有限公司,{CODE},,,,,,",
    ]))  # fmt: skip
    assert [(error.row, error.column, error.message) for error in outcome.errors] == [
        (2, "企业名称", f"已有同名企业“十堰汉江精工（集团）有限公司”（编号 {holder.id}）"),
        (3, "统一社会信用代码",
         f"统一社会信用代码已被企业“十堰汉江精工（集团）有限公司”（编号 {holder.id}）使用"),
    ]  # fmt: skip


def test_a_file_without_the_name_column_cannot_be_mapped(session):
    table = read_table(csv_bytes(["91110108551385082Q"], header="统一社会信用代码"), "a.csv")
    assert mapping_problems(map_columns(table)) == ["缺少必需的列：企业名称"]


def test_a_file_of_no_rows_is_refused_before_anything(session):
    with pytest.raises(SpreadsheetError) as caught:
        read_table(csv_bytes([]), "空.csv")
    assert "没有数据行" in str(caught.value.message)


def test_a_dry_run_checks_and_writes_nothing(session, places):
    outcome = run(session, csv_bytes(GOOD_ROWS), dry_run=True)
    assert (outcome.refused, outcome.created, outcome.batch_id) == (False, 3, None)
    assert count(session) == 0
    assert session.scalar(select(func.count()).select_from(ImportBatch)) == 0


def test_rows_with_an_id_update_their_record_and_a_stale_version_is_refused(session, places):
    enterprise = create_enterprise(session, {"name": "十堰汉江精工有限公司", "tax_wan": "5"}, None)
    session.commit()
    header = "编号,版本,企业名称,年税收（万元）"
    unchanged = f"{enterprise.id},1,十堰汉江精工有限公司,5"
    assert run(session, csv_bytes([unchanged], header=header)).updated == 0
    changed = f"{enterprise.id},1,十堰汉江精工有限公司,7.5"
    outcome = run(session, csv_bytes([changed], header=header))
    session.commit()
    assert (outcome.created, outcome.updated) == (0, 1)
    assert (enterprise.tax_wan, enterprise.version) == (Decimal("7.5"), 2)
    again = run(session, csv_bytes([changed], header=header))
    assert [(error.row, error.column, error.message) for error in again.errors] == [
        (2, "版本", "该企业已被修改（文件中为版本 1，现为版本 2），请重新导出后再改")
    ]
    missing = run(session, csv_bytes(["999999,,某企业,1"], header=header))
    assert missing.errors[0].message == "编号为 999999 的企业不存在或已删除"


def test_text_that_looks_like_a_formula_comes_back_as_written(session, places):
    outcome = run(session, csv_bytes(['\'=HYPERLINK("x"),,,,,,,']))
    assert outcome.created == 1
    assert session.scalar(select(Enterprise.name)) == '=HYPERLINK("x")'


# ---- the command line and the API ----


def write(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_the_command_refuses_a_bad_file_with_each_row_and_exit_status_1(app, session, places,
                                                                        tmp_path):  # fmt: skip
    bad = write(tmp_path, "bad.csv", csv_bytes([GOOD_ROWS[0], "十堰乙,9111,,,,,,"]))
    result = app.test_cli_runner().invoke(args=["import", "enterprises", bad])
    assert result.exit_code == 1
    assert "第 3 行 row 3 · 统一社会信用代码：统一社会信用代码应为18位，当前为4位" in result.output
    assert count(session) == 0
    good = write(tmp_path, "good.csv", csv_bytes(GOOD_ROWS))
    result = app.test_cli_runner().invoke(args=["import", "enterprises", good])
    assert result.exit_code == 0, result.output
    assert "3 rows, 3 new, 0 updated" in result.output
    assert count(session) == 3


def test_the_command_names_an_unreadable_file(app, session, tmp_path):
    latin = write(tmp_path, "latin.csv", "名称".encode("utf-16"))
    result = app.test_cli_runner().invoke(args=["import", "enterprises", latin])
    assert result.exit_code == 1
    assert "latin.csv" in result.output


def test_the_api_imports_or_answers_422_with_every_bad_row(client, session, places, make_user,
                                                           bearer):  # fmt: skip
    headers = bearer(make_user("staff"))
    bad = {"file": (io.BytesIO(csv_bytes(["十堰乙,9111,,,,,,"])), "bad.csv")}
    response = client.post("/api/v1/enterprises/import", data=bad, headers=headers)
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"]["code"] == "invalid_rows"
    assert body["rows_with_errors"] == [
        {"row": 2, "column": "统一社会信用代码", "message": "统一社会信用代码应为18位，当前为4位"}
    ]
    good = {"file": (io.BytesIO(csv_bytes(GOOD_ROWS)), "good.csv")}
    response = client.post("/api/v1/enterprises/import", data=good, headers=headers)
    assert response.status_code == 200
    assert (response.get_json()["created"], count(session)) == (3, 3)
    official = bearer(make_user("official"))
    again = {"file": (io.BytesIO(csv_bytes(GOOD_ROWS)), "good.csv")}
    assert (
        client.post("/api/v1/enterprises/import", data=again, headers=official).status_code == 403
    )


def test_the_api_names_a_missing_or_unreadable_file(client, make_user, bearer):
    headers = bearer(make_user("staff"))
    response = client.post("/api/v1/enterprises/import", data={}, headers=headers)
    assert (response.status_code, list(response.get_json()["error"]["fields"])) == (422, ["file"])
    empty = {"file": (io.BytesIO(b""), "empty.csv")}
    response = client.post("/api/v1/enterprises/import", data=empty, headers=headers)
    assert response.get_json()["error"]["fields"]["file"] == ["“empty.csv”是空文件。"]


def test_imported_rows_are_found_by_search(session, places):
    run(session, csv_bytes(GOOD_ROWS))
    session.commit()
    rows, _next = list_enterprises(session, EnterpriseFilters(q="qldz"), None)  # 秦岭锻造
    assert [row.name for row in rows] == ["十堰秦岭锻造有限公司"]
    rows, _next = list_enterprises(session, EnterpriseFilters(q="武当"), None)
    assert [row.name for row in rows] == ["十堰武当电驱有限公司"]
