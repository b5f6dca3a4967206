"""Reading .xlsx and CSV uploads, writing .xlsx exports, and matching headers to fields."""

import codecs
import io
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from flask import Flask
from flask_babel import Babel, force_locale
from openpyxl import Workbook, load_workbook

from crm.spreadsheets import (
    SpreadsheetError,
    map_headers,
    protect_text,
    read_table,
    restore_text,
    write_xlsx,
)

ROOT = Path(__file__).resolve().parents[2]
COMPANY = "十堰汉江精工有限公司"
CODE = "91420300MA4F0A1B2C"


def rows_of(table) -> list[tuple[int, list]]:
    return [(row.number, list(row.values)) for row in table]


def workbook_bytes(fill, *, title: str = "企业") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    fill(workbook, sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def refusal(data, file_name: str = "企业.csv", **limits) -> str:
    with pytest.raises(SpreadsheetError) as caught:
        read_table(data, file_name, **limits)
    return str(caught.value)


# ---- CSV encodings ----

CSV_TEXT = f"企业名称,统一社会信用代码\n{COMPANY},{CODE}\n"


def test_utf8_csv():
    table = read_table(CSV_TEXT.encode("utf-8"), "企业.csv")
    assert (table.format, table.encoding, table.delimiter) == ("csv", "utf-8", ",")
    assert table.headers == ("企业名称", "统一社会信用代码")
    assert (table.header_row, table.row_count) == (1, 1)
    assert rows_of(table) == [(2, [COMPANY, CODE])]


def test_utf8_csv_with_bom_loses_the_bom():
    table = read_table(codecs.BOM_UTF8 + CSV_TEXT.encode("utf-8"), "企业.csv")
    assert table.encoding == "utf-8-sig"
    assert table.headers[0] == "企业名称"


def test_gbk_csv_is_read_as_gb18030():
    data = CSV_TEXT.encode("gbk")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    table = read_table(data, "企业.csv")
    assert table.encoding == "gb18030"
    assert rows_of(table) == [(2, [COMPANY, CODE])]


def test_characters_only_gb18030_has():
    with pytest.raises(UnicodeEncodeError):
        "㐀".encode("gbk")
    table = read_table("名称\n㐀字号\n".encode("gb18030"), "企业.csv")
    assert table.encoding == "gb18030"
    assert rows_of(table) == [(2, ["㐀字号"])]


def test_csv_in_neither_encoding_is_refused():
    # 0x80 starts no character in UTF-8 and is no lead byte in GB18030 (0x81 to 0xFE).
    data = "名称\n十堰".encode() + b"\x80\n"
    for encoding in ("utf-8", "gb18030"):
        with pytest.raises(UnicodeDecodeError):
            data.decode(encoding)
    assert refusal(data) == (
        "“企业.csv”的文字编码无法识别：请将 CSV 文件保存为 UTF-8 或 GBK（GB18030）编码，"
        "或另存为 .xlsx 工作簿。"
    )


def test_utf16_text_is_not_taken_for_a_table():
    assert "无法识别“企业.csv”的格式" in refusal(CSV_TEXT.encode("utf-16"))


# ---- CSV structure ----


def test_tab_delimited_with_commas_in_the_data():
    table = read_table("企业名称\t地址\n十堰汉江\t车城路1号,2楼\n".encode(), "企业.txt")
    assert table.delimiter == "\t"
    assert rows_of(table) == [(2, ["十堰汉江", "车城路1号,2楼"])]


def test_semicolon_delimited_with_decimal_commas():
    table = read_table("名称;产值\n甲;1,5\n乙;2,25\n".encode(), "企业.csv")
    assert table.delimiter == ";"
    assert rows_of(table) == [(2, ["甲", "1,5"]), (3, ["乙", "2,25"])]


def test_comma_delimited_with_semicolons_in_the_data():
    table = read_table("名称,备注\n甲,a;b;c\n".encode(), "企业.csv")
    assert table.delimiter == ","
    assert rows_of(table) == [(2, ["甲", "a;b;c"])]


def test_single_column():
    table = read_table("名称\n甲\n".encode(), "企业.csv")
    assert (table.delimiter, table.headers) == (",", ("名称",))


def test_quoted_fields_with_newlines_and_crlf_keep_excel_row_numbers():
    data = '名称,地址\r\n"十堰汉江","车城路1号\r\n2楼"\r\n乙,"说""好"""\r\n'.encode()
    # The second record starts on line 4 of the text, but is row 3 in Excel.
    assert rows_of(read_table(data, "企业.csv")) == [
        (2, ["十堰汉江", "车城路1号\r\n2楼"]),
        (3, ["乙", '说"好"']),
    ]


def test_lf_only_and_no_final_newline():
    assert rows_of(read_table("名称,值\n甲,1\n乙,2".encode(), "企业.csv")) == [
        (2, ["甲", "1"]),
        (3, ["乙", "2"]),
    ]


def test_blank_rows_are_skipped_and_row_numbers_kept():
    data = "\n名称,值\n 甲 , 1 \n\n, \n乙,2\n".encode()
    table = read_table(data, "企业.csv")
    assert (table.header_row, table.row_count) == (2, 2)
    assert rows_of(table) == [(3, ["甲", "1"]), (6, ["乙", "2"])]


def test_trailing_empty_columns_are_dropped():
    table = read_table("名称,值,,\n甲,1,,\n".encode(), "企业.csv")
    assert table.headers == ("名称", "值")
    assert rows_of(table) == [(2, ["甲", "1"])]


def test_a_value_beyond_the_header_gets_an_empty_header():
    table = read_table("名称,值\n甲,1\n乙,2,,x\n".encode(), "企业.csv")
    assert table.headers == ("名称", "值", "", "")
    assert rows_of(table) == [(2, ["甲", "1", None, None]), (3, ["乙", "2", None, "x"])]


def test_exported_apostrophes_are_removed_on_reading():
    table = read_table("名称,电话\n'=1+1,'+86 138\n'abc,x\n".encode(), "企业.csv")
    assert rows_of(table) == [(2, ["=1+1", "+86 138"]), (3, ["'abc", "x"])]


def test_unmatched_quote_swallowing_the_file_is_reported():
    data = ('名称,值\n甲,1\n"乙' + "x" * 200_000 + "\n丙,3\n").encode()
    assert refusal(data) == "“企业.csv”第 3 行的 CSV 格式有误，可能有不成对的引号。"


def test_a_table_can_be_read_twice_and_from_a_file_object():
    table = read_table(io.BytesIO("名称\n甲\n乙\n".encode()), "企业.csv")
    assert rows_of(table) == rows_of(table) == [(2, ["甲"]), (3, ["乙"])]


# ---- refusals and limits ----


def test_old_excel_is_refused_whatever_its_name():
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    assert refusal(data, "企业.xlsx") == (
        "“企业.xlsx”是旧版 Excel 文件（.xls）或设有密码，无法读取：请在 Excel 或 WPS 中"
        "另存为 .xlsx 工作簿或 CSV 文件（不设密码）后重新上传。"
    )


def test_other_files_are_refused():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
    assert refusal(png, "企业.png") == (
        "无法识别“企业.png”的格式：请上传 Excel 工作簿（.xlsx）或 CSV 文件。"
    )
    document = io.BytesIO()
    with zipfile.ZipFile(document, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    assert "无法识别“企业.docx”的格式" in refusal(document.getvalue(), "企业.docx")


def test_damaged_xlsx_is_refused():
    good = workbook_bytes(lambda workbook, sheet: sheet.append(["名称"]))
    assert refusal(good[:200], "企业.xlsx") == (
        "“企业.xlsx”已损坏，无法作为 .xlsx 读取：请在 Excel 或 WPS 中打开后重新另存为 .xlsx。"
    )


def test_empty_file():
    assert refusal(b"") == "“企业.csv”是空文件。"
    assert refusal(io.BytesIO()) == "“企业.csv”是空文件。"


def test_file_without_a_header():
    assert refusal(b"\r\n , \n\n") == "“企业.csv”中没有内容：找不到表头行。"
    assert "找不到表头行" in refusal(workbook_bytes(lambda workbook, sheet: None), "企业.xlsx")


def test_header_without_data_rows():
    assert refusal("名称,地址\n\n,\n".encode()) == "“企业.csv”只有表头，没有数据行。"


def test_too_many_bytes_names_the_limit_in_mb():
    data = b"a\n" + (b"x" * 1023 + b"\n") * 2048  # 2 MiB and 2 bytes
    assert refusal(data, max_bytes=2 * 2**20) == "“企业.csv”超过 2 MB 的上限，请拆分后分批导入。"
    assert "超过 1.5 MB 的上限" in refusal(io.BytesIO(data), max_bytes=3 * 2**19)
    assert read_table(data, "企业.csv", max_bytes=len(data)).row_count == 2048


def test_too_many_rows():
    data = ("名称\n" + "甲\n" * 3).encode()
    assert read_table(data, "企业.csv", max_rows=3).row_count == 3
    assert refusal(data, max_rows=2) == "“企业.csv”的数据超过 2 行的上限，请拆分后分批导入。"
    assert "超过 100,000 行的上限" in refusal(("名称\n" + "甲\n" * 100_001).encode())


def test_duplicate_headers_compare_as_normalised():
    data = "名称,产值（万元）,名称 ,产值(万元),,\n甲,1,乙,2,x,y\n".encode()
    assert refusal(data) == (
        "“企业.csv”的表头有重复的列名：名称、产值（万元）。请删除或改名后重新上传。"
    )


def test_several_empty_headers_are_not_duplicates():
    table = read_table("名称,,,值\n甲,x,y,1\n".encode(), "企业.csv")
    assert table.headers == ("名称", "", "", "值")


def test_messages_follow_the_locale():
    app = Flask(__name__)
    Babel(app, default_translation_directories=str(ROOT / "crm" / "translations"))
    with pytest.raises(SpreadsheetError) as caught:
        read_table(b"", "a.csv")
    with app.app_context(), force_locale("en"):
        assert str(caught.value) == "“a.csv” is empty."
    with app.app_context(), force_locale("zh"):
        assert str(caught.value) == "“a.csv”是空文件。"


# ---- xlsx ----


def test_xlsx_cells_keep_their_types():
    def fill(workbook, sheet):
        sheet.append(
            ["企业名称", "从业人数", "产值", "比例", "成立日期", "更新时间", "规上", "备注"]
        )
        sheet.append([f" {COMPANY} ", 773, 1234.5, 0.1 + 0.2, date(2026, 1, 2),
                      datetime(2026, 1, 2, 8, 30), True, None])  # fmt: skip
        sheet.append(["十堰东风", 13800138000, -5, 0, None, datetime(2026, 1, 3), False, "'=1+1"])

    table = read_table(workbook_bytes(fill), "企业.xlsx")
    assert (table.format, table.sheet_name, table.encoding) == ("xlsx", "企业", None)
    rows = rows_of(table)
    assert rows == [
        (2, [COMPANY, 773, Decimal("1234.5"), Decimal("0.3"), date(2026, 1, 2),
             datetime(2026, 1, 2, 8, 30), True, None]),
        (3, ["十堰东风", 13800138000, -5, 0, None, date(2026, 1, 3), False, "=1+1"]),
    ]  # fmt: skip
    # python-calamine gives a date-time at midnight as a date.
    # Whole numbers come back as int (a float 773.0 would not pass an integer field).
    assert [type(value) for value in rows[1][1][1:4]] == [int, int, int]
    assert type(rows[0][1][6]) is bool


def test_xlsx_blank_rows_and_a_table_not_in_a1():
    def fill(workbook, sheet):
        sheet["B3"], sheet["C3"] = "名称", "值"
        sheet["B4"], sheet["C4"] = "甲", 1
        sheet["B6"] = "   "
        sheet["B7"] = "乙"

    table = read_table(workbook_bytes(fill), "企业.xlsx")
    assert (table.headers, table.header_row, table.row_count) == (("名称", "值"), 3, 2)
    assert rows_of(table) == [(4, ["甲", 1]), (7, ["乙", None])]


def test_xlsx_row_numbers_far_down():
    def fill(workbook, sheet):
        sheet["D100"] = "名称"
        sheet["D102"] = "甲"

    assert rows_of(read_table(workbook_bytes(fill), "企业.xlsx")) == [(102, ["甲"])]


def test_xlsx_first_visible_sheet_or_a_named_one():
    def fill(workbook, sheet):
        sheet.append(["隐藏"])
        sheet.sheet_state = "hidden"
        workbook.create_sheet("说明").append(["名称"])
        workbook["说明"].append(["甲"])
        workbook.create_sheet("企业").append(["名称"])
        workbook["企业"].append(["乙"])

    data = workbook_bytes(fill, title="隐藏")
    assert rows_of(read_table(data, "企业.xlsx")) == [(2, ["甲"])]
    assert rows_of(read_table(data, "企业.xlsx", sheet="企业")) == [(2, ["乙"])]
    assert refusal(data, "企业.xlsx", sheet="项目") == "“企业.xlsx”中没有名为“项目”的工作表。"


def test_xlsx_that_unpacks_too_large_is_refused_before_reading():
    def fill(workbook, sheet):
        for _ in range(5000):
            sheet.append(["十堰汉江精工有限公司"] * 10)

    data = workbook_bytes(fill)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        unpacked = sum(part.file_size for part in archive.infolist())
    # Repeated text packs about 30 times: over a limit of 20 times 0.125 MB (2.5 MB) unpacked.
    limit = 2**17
    assert len(data) < limit and unpacked > 20 * limit
    assert refusal(data, "企业.xlsx", max_bytes=limit) == (
        "“企业.xlsx”解压后超过 2.5 MB，无法读取，请拆分后分批导入。"
    )


# ---- writing ----

EXPORT_HEADERS = ["企业名称", "年产值（万元）", "成立日期", "更新时间", "规上", "备注", "数"]
EXPORT_ROWS = [
    [COMPANY, Decimal("12.50"), date(2020, 1, 2), datetime(2026, 1, 2, 8, 30), True, "=1+1", -5],
    ["十堰东风", Decimal("3"), None, None, False, "+86 138 0013 8000", 7],
    ["乙", Decimal("0.125"), None, None, None, "-abc", Decimal("-2.5")],
    ["丙", None, None, None, None, "@x", None],
    ["丁", None, None, None, None, "\t隐藏", None],
]


def written(rows=EXPORT_ROWS, **options):
    buffer = io.BytesIO()
    count = write_xlsx(buffer, EXPORT_HEADERS, rows, sheet_title="企业名录", **options)
    return count, buffer.getvalue()


def test_written_workbook_read_back_with_openpyxl():
    count, data = written()
    assert count == 5
    sheet = load_workbook(io.BytesIO(data))["企业名录"]
    assert [cell.value for cell in sheet[1]] == EXPORT_HEADERS
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    first = sheet[2]
    assert first[0].value == COMPANY
    assert (first[1].value, first[1].data_type, first[1].number_format) == (12.5, "n", "#,##0.00")
    assert (first[2].value, first[2].number_format) == (datetime(2020, 1, 2), "yyyy-mm-dd")
    assert first[3].value == datetime(2026, 1, 2, 8, 30)
    assert first[4].value is True
    assert [sheet.cell(row, 6).value for row in range(2, 7)] == [
        "'=1+1",
        "'+86 138 0013 8000",
        "'-abc",
        "'@x",
        "'\t隐藏",
    ]
    # Numbers are never touched, negative or not.
    assert (first[6].value, first[6].data_type) == (-5, "n")
    assert (sheet["G4"].value, sheet["G4"].number_format) == (-2.5, "#,##0.0")
    assert (sheet["B3"].value, sheet["B3"].number_format) == (3, "#,##0")
    assert sheet["B4"].number_format == "#,##0.000"
    assert sheet["B5"].value is None and sheet["C3"].value is None


def test_automatic_column_widths_count_chinese_twice():
    _, data = written()
    widths = load_workbook(io.BytesIO(data))["企业名录"].column_dimensions
    # 十堰汉江精工有限公司: 10 characters shown 2 wide, plus 2.
    assert widths["A"].width == 22
    # 年产值（万元）: 7 wide characters.
    assert widths["B"].width == 16
    # 2026-01-02 08:30:00 is 19 wide.
    assert widths["D"].width == 21
    # 数 and the numbers -5, 7, -2.5: at least 6.
    assert widths["G"].width == 6


def test_given_widths_and_formats():
    formats = [None, "0.0000", "yyyy年m月d日", None, None, None, None]
    _, data = written(column_widths=[40, None, None, None, None, None, 8], number_formats=formats)
    sheet = load_workbook(io.BytesIO(data))["企业名录"]
    assert sheet.column_dimensions["A"].width == 40
    assert sheet.column_dimensions["G"].width == 8
    assert sheet["B2"].number_format == "0.0000"
    assert sheet["C2"].number_format == "yyyy年m月d日"
    with pytest.raises(ValueError):
        written(column_widths=[10])


def test_export_reads_back_as_it_was():
    _, data = written()
    table = read_table(data, "企业名录.xlsx")
    assert table.headers == tuple(EXPORT_HEADERS)
    values = [list(row.values) for row in table]
    assert values[0] == [COMPANY, Decimal("12.5"), date(2020, 1, 2), datetime(2026, 1, 2, 8, 30),
                         True, "=1+1", -5]  # fmt: skip
    assert [row[5] for row in values] == ["=1+1", "+86 138 0013 8000", "-abc", "@x", "\t隐藏"]


def test_control_characters_are_removed_not_fatal():
    rows = [["a\x00b\x1fc\x0bd", "第一行\n第二行\t尾", "\x01=cmd", None, None, None, None]]
    _, data = written(rows=rows)
    sheet = load_workbook(io.BytesIO(data)).active
    assert [sheet["A2"].value, sheet["B2"].value, sheet["C2"].value] == [
        "abcd",
        "第一行\n第二行\t尾",
        "'=cmd",
    ]


def test_rows_stream_from_a_generator_to_a_path(tmp_path):
    target = tmp_path / "企业.xlsx"
    rows = ([f"企业{number}", number] for number in range(1000))
    assert write_xlsx(target, ["名称", "序号"], rows, sheet_title="企业") == 1000
    table = read_table(target.read_bytes(), "企业.xlsx")
    assert table.row_count == 1000
    assert list(table)[-1] == (1001, ("企业999", 999))


def test_sheet_title_is_made_acceptable():
    buffer = io.BytesIO()
    write_xlsx(
        buffer, ["名称"], [["甲"]], sheet_title="企业名录 2026/11/27 [全部]：十堰市规模以上工业企业"
    )
    assert load_workbook(buffer).sheetnames == [
        "企业名录 2026-11-27 -全部-：十堰市规模以上工业企"
    ]  # 31 characters


@pytest.mark.parametrize(
    "text",
    ["=1+1", "'=1+1", "''=x", "'abc", "abc", "-5", "'", "", "@", "\tx", "'\r", "+", "中=文"],
)
def test_restore_text_undoes_protect_text(text):
    assert restore_text(protect_text(text)) == text


def test_protect_and_restore_by_hand():
    assert protect_text("=1+1") == "'=1+1"
    assert protect_text("'=1+1") == "''=1+1"
    assert protect_text("'abc") == "'abc"
    assert protect_text("a=b") == "a=b"
    assert restore_text("'-5") == "-5"
    assert restore_text("'abc") == "'abc"
    assert restore_text("''=x") == "'=x"
    assert len(protect_text("=" + "x" * 40_000)) == 32_767


# ---- header mapping ----

COLUMNS = {
    "name": ("企业名称", "单位名称", "公司名称"),
    "uscc": ("统一社会信用代码", "信用代码", "社会信用代码"),
    "output_wan": ("年产值（万元）", "产值"),
    "email": ("Email",),
}


@pytest.mark.parametrize(
    "header",
    ["年产值（万元）", "年产值(万元)", "年产值 （万元）", "年产值", "产值", " 年 产 值 ", "*年产值（万元）", "产值(万元)"],
)  # fmt: skip
def test_header_variants_match(header):
    assert map_headers(["企业名称", header], COLUMNS).columns == {"name": 0, "output_wan": 1}


def test_case_and_full_width_forms_are_ignored():
    mapping = map_headers(["ＥＭＡＩＬ", "单位名称：", "社会信用代码\u3000"], COLUMNS)
    assert mapping.columns == {"email": 0, "name": 1, "uscc": 2}
    assert mapping.unrecognised == {}


def test_a_different_unit_does_not_match():
    mapping = map_headers(["企业名称", "年产值（亿元）", "备注", ""], COLUMNS)
    assert mapping.columns == {"name": 0}
    assert mapping.unrecognised == {1: "年产值（亿元）", 2: "备注"}


def test_an_exact_unit_wins_over_a_missing_one():
    columns = {"output_wan": ("年产值（万元）",), "output_yi": ("年产值（亿元）",)}
    assert map_headers(["年产值（亿元）"], columns).columns == {"output_yi": 0}
    assert map_headers(["年产值"], columns).columns == {"output_wan": 0}


def test_fields_found_twice_missing_fields_and_records():
    mapping = map_headers(["企业名称", "产值", "公司名称", "地址"], COLUMNS)
    assert mapping.columns == {"name": 0, "output_wan": 1}
    assert mapping.duplicates == {"name": [0, 2]}
    assert mapping.unrecognised == {3: "地址"}
    assert mapping.missing(["name", "uscc"]) == ["uscc"]
    assert mapping.record((COMPANY, Decimal("12.5"), "别名", "车城路")) == {
        "name": COMPANY,
        "output_wan": Decimal("12.5"),
    }
