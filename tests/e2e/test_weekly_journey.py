"""周调度 in a real browser: from the reports index to this week's sheet, a note on the first
project, the sheet issued, and the .xlsx downloaded and read back with openpyxl."""

from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.e2e.test_enterprise_journeys import log_in


def test_weekly_sheet_note_issue_and_download(page, live_server, tmp_path):
    log_in(page, live_server, "li.staff")
    page.goto(f"{live_server}/reports")
    page.get_by_test_id("report-kind-weekly").get_by_role("link", name="本周").click()
    expect(page.get_by_test_id("report-title")).to_contain_text("重点项目周调度表")
    expect(page.get_by_test_id("report-header")).to_be_visible()
    rows = page.get_by_test_id("sheet-row")
    expect(rows.first).to_be_visible()
    project_name = rows.first.locator("td").nth(1).inner_text().strip()

    rows.first.get_by_test_id("note").fill("请供电公司本周内完成接电 <b>急</b>")
    rows.first.get_by_test_id("save-note").click()
    expect(page.get_by_text("说明已保存。")).to_be_visible()
    expect(page.get_by_test_id("sheet-row").first.get_by_test_id("note")).to_have_value(
        "请供电公司本周内完成接电 <b>急</b>"
    )

    page.get_by_test_id("issue").click()
    expect(page.get_by_test_id("issued-mark")).to_have_text("已印发")
    expect(page.get_by_test_id("issue")).to_have_count(0)
    expect(page.get_by_test_id("sheet-row").first.get_by_test_id("note-cell")).to_have_text(
        "请供电公司本周内完成接电 <b>急</b>"
    )

    with page.expect_download() as download_info:
        page.get_by_test_id("download-xlsx").click()
    download = download_info.value
    assert download.suggested_filename.startswith("weekly-")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    sheet = load_workbook(path).worksheets[0]
    assert sheet["A1"].value.startswith("重点项目周调度表")
    assert "已印发" in sheet["A2"].value
    assert sheet["E3"].value == "投资额（万元）"
    assert sheet["B5"].value == project_name
    assert sheet["M5"].value == "请供电公司本周内完成接电 <b>急</b>"
