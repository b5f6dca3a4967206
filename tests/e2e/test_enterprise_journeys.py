"""Enterprise registry journeys in a real browser: search, edit, import, conflicts and export."""

import csv
import io
import itertools
import random
import re
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlalchemy import func, select
from stdnum.cn import uscc

from crm.extensions import db
from crm.models import District, Enterprise, User
from crm.schemas.enterprises import SHEET_COLUMNS
from crm.services.enterprises import create_enterprise
from demo.seed import DEMO_PASSWORD
from tests.support import PASSWORD

IMPORT_TIMEOUT = 30_000  # ms: the import runs in a thread of the live server
PER_PAGE = 50  # the list's page size: a record further down would not be on the first page
_COUNTER = itertools.count(1)


def unique(label: str) -> str:
    """A mark no other test (or earlier run of this one in the session) uses; the trailing 号
    keeps 导入1号 from being found by a search for 导入1 … 导入10号."""
    return f"{label}{next(_COUNTER)}号"


def log_in(page, live_server, name, password=PASSWORD):
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_test_id("current-user")).to_be_visible()


def search_list(page, live_server, term):
    page.goto(f"{live_server}/enterprises")
    page.get_by_test_id("search").fill(term)
    page.get_by_role("search").get_by_role("button", name="搜索").click()


def fact(page, term):
    """The value a record page shows for one term of its facts lists."""
    return page.locator(f"xpath=//dt[normalize-space()='{term}']/following-sibling::dd[1]")


def city_minutes(live_app, start: datetime, end: datetime) -> re.Pattern:
    """Any minute from start to end as the city's clock reads it (2026-11-28 10:58): the
    bureau works in its own time zone, whatever the server's."""
    zone = ZoneInfo(live_app.config["TIMEZONE"])
    minute = start.astimezone(zone).replace(second=0, microsecond=0)
    shown = []
    while minute <= end.astimezone(zone):
        shown.append(re.escape(minute.strftime("%Y-%m-%d %H:%M")))
        minute += timedelta(minutes=1)
    return re.compile(rf"(^|\D)({'|'.join(shown)})(\D|$)")


def now() -> datetime:
    return datetime.now().astimezone()


def body_rows(table):
    # Header rows hold only th; data rows have td cells.
    return table.locator("tr").filter(has=table.page.locator("td"))


# ---- 1. search by pinyin initials, edit, history ----


def enterprise_found_by_inner_initials(live_app) -> tuple[int, str, str, int, int]:
    """A demo enterprise and two letters of its initials that are not their start, picked so
    that the search finds few enough for the record to be on the first page.

    Returns (id, name, term, employees, how many the search should find)."""
    with live_app.app_context():
        rows = db.session.execute(
            select(
                Enterprise.id,
                Enterprise.name,
                Enterprise.name_initials,
                Enterprise.employees,
                Enterprise.is_demo,
            )
            .where(Enterprise.deleted_at.is_(None))
            .order_by(Enterprise.id)
        ).all()
        db.session.remove()

    def found(term: str) -> int:
        # The list's rule: the name contains it (any case) or the initials do.
        return sum(term in row.name_initials or term in row.name.lower() for row in rows)

    candidates = []
    for row in rows:
        term = row.name_initials[2:4]
        # Demo records only: other tests add 十堰… names of their own.
        if not row.is_demo or not row.name.startswith("十堰") or row.employees is None:
            continue
        if len(term) < 2 or row.name_initials.startswith(term) or term in row.name.lower():
            continue  # it must be found through the initials, and not at their start
        candidates.append((found(term), row.id, row.name, term, row.employees))
    assert candidates, "no demo enterprise has initials to search for"
    count, enterprise_id, name, term, employees = min(candidates)
    assert count <= PER_PAGE
    return enterprise_id, name, term, employees, count


def test_search_by_inner_pinyin_initials_open_edit_and_read_the_history(
    page, live_app, live_server, screenshot
):
    enterprise_id, name, term, employees, count = enterprise_found_by_inner_initials(live_app)
    new_employees = employees + 58
    log_in(page, live_server, "li.staff")

    search_list(page, live_server, term)
    expect(page).to_have_url(re.compile(rf"/enterprises\?(.*&)?q={term}(&|$)"))
    screenshot("list")  # before the checks, so a failing search leaves a picture of itself
    expect(page.get_by_test_id("search")).to_have_value(term)
    expect(page.get_by_test_id("result-count")).to_have_text(f"共 {count} 家企业")
    table = page.get_by_test_id("enterprise-table")
    expect(body_rows(table)).to_have_count(count)
    link = table.get_by_role("link", name=name, exact=True)
    expect(link).to_be_visible()

    link.click()
    expect(page).to_have_url(f"{live_server}/enterprises/{enterprise_id}")
    expect(page.get_by_test_id("enterprise-name")).to_have_text(name)
    expect(fact(page, "从业人数")).to_have_text(f"{employees:,}")
    page.get_by_test_id("edit").click()
    expect(page.get_by_role("heading", name="编辑企业")).to_be_visible()
    field = page.get_by_label("从业人数", exact=True)
    expect(field).to_have_value(str(employees))
    field.fill(str(new_employees))
    saving = now()
    page.get_by_test_id("save").click()

    expect(page).to_have_url(f"{live_server}/enterprises/{enterprise_id}")
    expect(page.get_by_text("已保存。")).to_be_visible()
    saved = now()
    expect(fact(page, "从业人数")).to_have_text(f"{new_employees:,}")
    latest = page.get_by_test_id("history-row").first.get_by_role("cell")
    expect(latest).to_have_count(5)
    expect(latest.nth(1)).to_have_text("李招商")
    expect(latest.nth(2)).to_have_text("修改")
    expect(latest.nth(3)).to_have_text("从业人数")
    expect(latest.nth(4)).to_have_text(f"{employees} → {new_employees}")
    screenshot("record")
    # Last, so that a wrong clock does not hide the checks above: when it was changed.
    expect(latest.nth(0)).to_have_text(city_minutes(live_app, saving, saved))


# ---- 2. import a GBK CSV ----


def free_credit_codes(live_app, how_many: int) -> list[str]:
    """Valid credit codes (check character computed) that no enterprise holds yet."""
    rng = random.Random()
    with live_app.app_context():
        codes: list[str] = []
        while len(codes) < how_many:
            body = f"91420303{rng.randrange(10**9):09d}"
            code = body + uscc.calc_check_digit(body)
            taken = db.session.scalar(select(Enterprise.id).where(Enterprise.uscc == code))
            if taken is None and code not in codes:
                codes.append(code)
        db.session.remove()
    return codes


def gbk_csv(rows: list[list[str]]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(["企业名称", "统一社会信用代码", "区县", "年产值（万元）"])
    writer.writerows(rows)
    return text.getvalue().encode("gbk")


def upload(page, live_server, file_name: str, data: bytes):
    """From the list's 导入 button to the column-mapping page."""
    page.goto(f"{live_server}/enterprises")
    page.get_by_role("link", name="导入", exact=True).click()
    expect(page.get_by_role("heading", name="导入企业")).to_be_visible()
    page.get_by_test_id("import-file").set_input_files(
        {"name": file_name, "mimeType": "text/csv", "buffer": data}
    )
    page.get_by_role("button", name="上传并核对列").click()
    expect(page.get_by_test_id("column-mapping")).to_be_visible()


def test_import_gbk_csv_refused_at_the_bad_row_then_fixed_and_applied(
    page, live_app, live_server, screenshot
):
    mark = unique("导入")
    names = [f"十堰{mark}{word}有限公司" for word in ("甲新材料", "乙精密机械", "丙电子科技")]
    good, fixed = free_credit_codes(live_app, 2), free_credit_codes(live_app, 1)[0]
    rows = [
        [names[0], good[0], "张湾区", "1234.5"],
        # Its check character should be Q: the file is refused at this row.
        [names[1], "91110108551385082A", "张湾区", "88"],
        [names[2], good[1], "张湾区", "20000"],
    ]
    log_in(page, live_server, "li.staff")

    upload(page, live_server, "招商企业名单.csv", gbk_csv(rows))
    expect(page.get_by_role("heading", name="核对列：招商企业名单.csv")).to_be_visible()
    # Decoded as GBK: the Chinese headers and names read back, not as mojibake.
    expect(page.get_by_test_id("file-summary")).to_have_text("共 3 行数据 · 编码 GB18030/GBK")
    for header in ("企业名称", "统一社会信用代码", "区县", "年产值（万元）"):
        choice = page.get_by_label(f"“{header}”导入为")
        expect(choice.locator("option:checked")).to_have_text(header)
    preview = page.get_by_test_id("import-preview")
    expect(body_rows(preview)).to_have_count(3)
    bad_row = body_rows(preview).nth(1).get_by_role("cell")
    expect(bad_row).to_have_text(["3", names[1], "91110108551385082A", "张湾区", "88"])
    expect(page.get_by_test_id("start-import")).to_have_text("检查并导入 3 行")
    screenshot("mapping")

    page.get_by_test_id("start-import").click()
    refused = page.get_by_test_id("import-refused")
    expect(refused).to_be_visible(timeout=IMPORT_TIMEOUT)
    expect(page.get_by_role("heading", name="未导入：文件中有错误")).to_be_visible()
    expect(refused).to_contain_text("共检查 3 行，发现 1 处错误。没有导入任何数据")
    errors = body_rows(page.get_by_test_id("import-errors"))
    expect(errors).to_have_count(1)
    # Row 3 as Excel numbers it: the header is row 1, the bad row the second of data.
    expect(errors.first.get_by_role("cell")).to_have_text(
        ["3", "统一社会信用代码", "统一社会信用代码校验位不正确，请核对后重新输入"]
    )
    screenshot("refused")

    # All or nothing: the two good rows were not written either.
    search_list(page, live_server, mark)
    expect(page.get_by_test_id("result-count")).to_have_text("共 0 家企业")
    expect(page.get_by_test_id("no-results")).to_be_visible()

    rows[1][1] = fixed
    upload(page, live_server, "招商企业名单（改）.csv", gbk_csv(rows))
    expect(body_rows(page.get_by_test_id("import-preview")).nth(1)).to_contain_text(fixed)
    page.get_by_test_id("start-import").click()
    applied = page.get_by_test_id("import-applied")
    expect(applied).to_be_visible(timeout=IMPORT_TIMEOUT)
    expect(page.get_by_role("heading", name="导入完成")).to_be_visible()
    expect(applied).to_contain_text("已导入 3 行：新建 3 家，更新 0 家。")
    screenshot("applied")

    search_list(page, live_server, mark)
    expect(page.get_by_test_id("result-count")).to_have_text("共 3 家企业")
    listed = body_rows(page.get_by_test_id("enterprise-table"))
    # Each row found by its name: the databases sort Chinese names differently.
    expected = {
        names[0]: [good[0], "张湾区", "1,234.5"],
        names[1]: [fixed, "张湾区", "88"],
        names[2]: [good[1], "张湾区", "20,000"],
    }
    for name, (code, district, output) in expected.items():
        row = listed.filter(has=page.get_by_role("link", name=name, exact=True))
        cells = row.get_by_role("cell")
        expect(cells.nth(1)).to_have_text(code)
        expect(cells.nth(2)).to_have_text(district)
        expect(cells.nth(3)).to_have_text(output)

    # The search box offers credit codes too (its placeholder says so): the fixed row's code.
    search_list(page, live_server, fixed)
    expect(page.get_by_test_id("result-count")).to_have_text("共 1 家企业")
    expect(page.get_by_test_id("enterprise-table")).to_contain_text(names[1])


# ---- 3. two people edit one record ----


def new_enterprise(live_app, name: str, **values) -> int:
    """A record of this test's own, so no other test's edits move its version."""
    with live_app.app_context():
        actor = db.session.scalar(select(User).where(User.name == "li.staff"))
        enterprise = create_enterprise(db.session, {"name": name, **values}, actor)
        db.session.commit()
        enterprise_id = enterprise.id
        db.session.remove()
    return enterprise_id


def test_two_people_edit_one_record_and_the_second_is_shown_the_conflict(
    page, browser, live_app, live_server, screenshot
):
    name = f"十堰{unique('并发编辑')}汽车零部件有限公司"
    enterprise_id = new_enterprise(
        live_app, name, district="420303", employees=120, tax_wan=Decimal(300)
    )
    with live_app.app_context():
        other_name = db.session.scalar(select(User.display_name).where(User.name == "zhaoshang"))
        db.session.remove()
    edit = f"{live_server}/enterprises/{enterprise_id}/edit"
    record = f"{live_server}/enterprises/{enterprise_id}"

    log_in(page, live_server, "li.staff")
    page.goto(edit)
    other_context = browser.new_context()
    other = other_context.new_page()
    log_in(other, live_server, "zhaoshang", DEMO_PASSWORD)
    other.goto(edit)

    other.get_by_label("年税收（万元）").fill("456")
    saving = now()
    other.get_by_test_id("save").click()
    expect(other).to_have_url(record)
    saved = now()
    expect(fact(other, "年税收")).to_have_text("456 万元")

    page.get_by_label("从业人数", exact=True).fill("150")
    page.get_by_test_id("save").click()
    conflict = page.get_by_test_id("conflict")
    expect(conflict).to_be_visible()
    expect(conflict).to_contain_text("未保存：这条记录刚被他人修改")
    expect(conflict).to_contain_text(f"{other_name} 于")
    told = conflict.locator("p").first.inner_text()
    changed = body_rows(conflict)
    expect(changed).to_have_count(1)
    expect(changed.first.get_by_role("rowheader")).to_have_text("年税收（万元）")
    expect(changed.first.get_by_role("cell")).to_have_text(["300", "456", "（未改）"])
    # The form is the record as it is now, with this user's own change kept.
    expect(page.get_by_label("年税收（万元）")).to_have_value("456")
    expect(page.get_by_label("从业人数", exact=True)).to_have_value("150")
    screenshot("conflict")

    # Nothing of the first person's was saved by the refused attempt.
    other.goto(record)
    expect(fact(other, "从业人数")).to_have_text("120")
    expect(fact(other, "年税收")).to_have_text("456 万元")

    page.get_by_test_id("save").click()
    expect(page).to_have_url(record)
    expect(page.get_by_text("已保存。")).to_be_visible()
    expect(fact(page, "从业人数")).to_have_text("150")
    expect(fact(page, "年税收")).to_have_text("456 万元")
    other.reload()
    expect(fact(other, "从业人数")).to_have_text("150")
    expect(fact(other, "年税收")).to_have_text("456 万元")
    other_context.close()
    # Last, so that a wrong clock does not hide the checks above: when the other person saved.
    assert city_minutes(live_app, saving, saved).search(told), told


# ---- 4. export ----


def test_export_of_a_district_opens_in_openpyxl_with_the_sheet_headers(
    page, live_app, live_server, tmp_path, screenshot
):
    with live_app.app_context():
        district = db.session.scalar(select(District).where(District.code == "420302"))
        district_id, district_name = district.id, district.name
        ids = set(
            db.session.scalars(
                select(Enterprise.id).where(
                    Enterprise.district_id == district_id, Enterprise.deleted_at.is_(None)
                )
            )
        )
        everyone = db.session.scalar(
            select(func.count()).select_from(Enterprise).where(Enterprise.deleted_at.is_(None))
        )
        db.session.remove()
    assert 0 < len(ids) < everyone  # the filter must narrow the list for the test to mean much
    log_in(page, live_server, "li.staff")

    page.goto(f"{live_server}/enterprises")
    page.get_by_text("更多条件").click()
    page.get_by_role("combobox", name="区县").select_option(label=district_name)
    page.get_by_role("search").get_by_role("button", name="搜索").click()
    expect(page).to_have_url(re.compile(r"[?&]district=420302(&|$)"))
    screenshot("filtered")  # before the checks, so a failing filter leaves a picture of itself
    count = page.get_by_test_id("result-count")
    expect(count).to_have_text(f"共 {len(ids):,} 家企业")
    shown = int(re.sub(r"\D", "", count.inner_text()))

    with page.expect_download() as download_info:
        page.get_by_test_id("export").click()
    download = download_info.value
    assert re.fullmatch(r"enterprises-\d{4}-\d{2}-\d{2}\.xlsx", download.suggested_filename)
    path = tmp_path / download.suggested_filename
    download.save_as(path)

    workbook = load_workbook(path, read_only=True)
    sheet = workbook.worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    workbook.close()
    headers = [column.header for column in SHEET_COLUMNS]
    assert rows[0] == headers
    assert "年产值（万元）" in rows[0]
    assert "用地面积（亩）" in rows[0]
    assert "年税收（万元）" in rows[0]
    data = rows[1:]
    assert len(data) == shown
    assert {row[headers.index("编号")] for row in data} == ids
    assert {row[headers.index("区县")] for row in data} == {district_name}
