"""周调度 on a small hand-built dataset (tests/crm/weekly_data.py): the right answers are written
here; re-running a past week after later edits gives the same sheet; an issued sheet is
frozen; the .xlsx layout read back with openpyxl."""

from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook

from crm.reports import REPORTS, ReportParams, parse_scope
from crm.reports.weekly import schedule_pct, to_dict, week_of
from crm.services import projects, weekly_sheets
from crm.services.errors import Forbidden, StaleVersion, ValidationError
from tests.crm.weekly_data import AS_OF, build_weekly_data

WEEKLY = REPORTS["weekly"]


@pytest.fixture(autouse=True)
def context(app):
    """The services read the city's today and the configuration."""
    with app.app_context():
        yield


@pytest.fixture
def data(session, places):
    return build_weekly_data(session)


def sheet(session, actor, scope="city", as_of=AS_OF):
    return WEEKLY.build(session, actor, ReportParams(as_of, parse_scope(session, scope)))


def test_week_runs_monday_to_sunday():
    assert week_of(date(2026, 6, 10)) == (date(2026, 6, 8), date(2026, 6, 14))
    assert week_of(date(2026, 6, 8)) == (date(2026, 6, 8), date(2026, 6, 14))
    assert week_of(date(2026, 6, 14)) == (date(2026, 6, 8), date(2026, 6, 14))


def test_schedule_is_the_plan_pro_rata_to_the_days_elapsed():
    # 161 of 365 days by 10 June: 12,000 × 161/365 = 5,293.15 due; 5,000 done is 5.5% behind.
    assert schedule_pct(Decimal(12000), Decimal(5000), date(2026, 6, 10)) == Decimal("-5.5")
    assert schedule_pct(Decimal(365), Decimal(20), date(2026, 1, 10)) == Decimal("100.0")
    assert schedule_pct(None, Decimal(5), date(2026, 1, 10)) is None
    assert schedule_pct(Decimal(0), Decimal(5), date(2026, 1, 10)) is None


def test_the_city_sheet_lists_the_projects_over_the_size_with_their_figures(
    session, data, make_user
):
    report = sheet(session, make_user("admin"))
    assert (report.week_start, report.week_end) == (date(2026, 6, 8), date(2026, 6, 14))
    # 2,999万 is under the size, and 六月新项目 did not exist yet on 10 June.
    assert [row.name for row in report.rows] == ["汽车零部件产业园", "新能源电池项目"]
    big, threshold = report.rows
    assert big.stage == "under_construction"
    assert big.district == "茅箭区"
    assert big.total_investment_wan == Decimal(50000)
    assert big.planned_this_year_wan == Decimal(12000)
    assert big.completed_period_wan == Decimal(800)  # the week of 8 June
    assert big.cumulative_wan == Decimal(5800)  # the month entry came on 11 June: not yet known
    assert big.completed_this_year_wan == Decimal(5000)  # 3,700 + 500 + 800 (weekly, 2026)
    assert big.schedule_pct == Decimal("-5.5")
    assert big.image_progress == "主体结构封顶"
    assert big.problems == ["施工用电需协调"]  # 用地手续 was solved
    assert big.leader == "王副市长"
    assert big.unit == "茅箭区招商局"
    assert big.unknown == []
    assert threshold.total_investment_wan == Decimal(3000)
    assert threshold.completed_period_wan == Decimal(0)
    assert threshold.cumulative_wan is None
    assert threshold.schedule_pct is None
    assert threshold.unit == "市招商局"
    assert report.totals["total_investment_wan"] == Decimal(53000)

    assert [(lead.name, lead.stage) for lead in report.new_leads] == [("氢能电堆线索", "clue")]
    assert [(m.subject, m.name, m.from_stage, m.to_stage) for m in report.stage_moves] == [
        ("lead", "氢能电堆线索", None, "clue"),
        ("project", "汽车零部件产业园", "newly_started", "under_construction"),
    ]
    assert [(m.milestone, m.planned_on) for m in report.due_next_week] == [
        ("设备安装", date(2026, 6, 17))
    ]
    # 主体验收, 9 days; the small project's step is not on the sheet, as the project is not.
    assert [(m.project, m.milestone, m.days_overdue) for m in report.overdue] == [
        ("汽车零部件产业园", "主体验收", 9),
    ]
    assert report.caveats == []


def test_scopes_cut_the_sheet(session, data, make_user):
    admin = make_user("admin")
    district = sheet(session, admin, "district:420302")
    assert [row.name for row in district.rows] == ["汽车零部件产业园"]
    assert [lead.name for lead in district.new_leads] == ["氢能电堆线索"]
    zhangwan = sheet(session, admin, "district:420303")
    assert [row.name for row in zhangwan.rows] == ["新能源电池项目"]
    assert zhangwan.new_leads == [] and zhangwan.overdue == []
    leader = sheet(session, admin, "leader:wang.leader")
    assert [row.name for row in leader.rows] == ["汽车零部件产业园", "新能源电池项目"]
    unit = sheet(session, admin, f"unit:{data.maojian_unit.id}")
    assert [row.name for row in unit.rows] == ["汽车零部件产业园"]


def test_the_size_is_configurable(session, data, make_user, app):
    app.config["WEEKLY_MIN_INVESTMENT_WAN"] = 2000
    try:
        report = sheet(session, make_user("admin"))
    finally:
        del app.config["WEEKLY_MIN_INVESTMENT_WAN"]
    assert [row.name for row in report.rows] == ["汽车零部件产业园", "新能源电池项目", "小型技改"]


def test_district_staff_read_their_district_only(session, data, make_user):
    staff = make_user("staff", unit=data.maojian_unit)
    assert [row.name for row in sheet(session, staff, "district:420302").rows] == [
        "汽车零部件产业园"
    ]
    with pytest.raises(Forbidden):
        sheet(session, staff, "district:420303")
    with pytest.raises(Forbidden):
        sheet(session, staff, "city")
    # A leader's sheet is cut to the staff member's own unit.
    assert [row.name for row in sheet(session, staff, "leader:wang.leader").rows] == [
        "汽车零部件产业园"
    ]
    with pytest.raises(Forbidden):
        sheet(session, make_user("ambassador"))


def test_a_past_week_is_the_same_after_later_edits(session, data, make_user):
    admin = make_user("admin")
    before = to_dict(sheet(session, admin))
    big = session.get(type(data.big), data.big.id)
    projects.update_project(
        session,
        big,
        {"total_investment_wan": "2500", "planned_investment_this_year_wan": "99999",
         "name": "改了名的项目"},
        big.version,
        admin,
    )  # fmt: skip
    problem = session.get(type(data.problem), data.problem.id)
    projects.update_item(
        projects.PROBLEM_KIND,
        session,
        problem,
        {"status": "solved", "response": "已接电"},
        problem.version,
        admin,
    )
    step = session.get(type(data.next_week), data.next_week.id)
    projects.mark_milestone_done(session, step, admin, today=date(2026, 6, 9))
    progress = projects.create_item(
        projects.PROGRESS_KIND,
        session,
        {"period": "week", "period_start_on": "2026-06-15", "investment_period_wan": "10",
         "investment_cumulative_wan": "5810", "image_progress": "新"},
        admin,
        parent_id=big.id,
    )  # fmt: skip
    session.commit()
    now = sheet(session, admin)
    assert to_dict(now) == before
    # And today's sheet does see the changes: 2,500万 is under the size now.
    today = sheet(session, admin, as_of=date(2026, 6, 20))
    assert "改了名的项目" not in [row.name for row in today.rows]
    assert progress.id


def test_an_edited_progress_entry_reads_as_it_was(session, data, make_user):
    admin = make_user("admin")
    before = to_dict(sheet(session, admin))
    entry = next(
        e for e in projects.items_of(session, projects.PROGRESS_KIND, data.big)
        if e.period_start_on == date(2026, 6, 8)
    )  # fmt: skip
    projects.update_item(
        projects.PROGRESS_KIND,
        session,
        entry,
        {"investment_period_wan": "900", "investment_cumulative_wan": "5900",
         "image_progress": "已改"},
        entry.version,
        admin,
    )  # fmt: skip
    session.commit()
    assert to_dict(sheet(session, admin)) == before


def test_deleted_records_are_said_to_be_missing(session, data, make_user):
    admin = make_user("admin")
    entry = projects.items_of(session, projects.PROGRESS_KIND, data.big)[0]
    projects.delete_item(projects.PROGRESS_KIND, session, entry, admin)
    session.commit()
    report = sheet(session, admin)
    assert any("被删除" in caveat for caveat in report.caveats)


def test_an_unreadable_history_is_said_so(session, data, make_user):
    from crm.services import audit

    admin = make_user("admin")
    big = session.get(type(data.big), data.big.id)
    audit.record_value(session, "update", big, "total_investment_wan", None, "1", admin.id)
    session.commit()
    report = sheet(session, admin)
    row = next(row for row in report.rows if row.project_id == big.id)
    assert row.unknown == ["total_investment_wan"]
    assert row.total_investment_wan is None
    assert any("无法确定" in caveat for caveat in report.caveats)


# ---- notes and issuing ----


def params(session, scope="city", as_of=AS_OF):
    return ReportParams(as_of, parse_scope(session, scope))


def test_notes_then_issue_freezes_the_sheet(session, data, make_user):
    staff = make_user("staff")
    note = weekly_sheets.save_note(
        session, staff, params(session), data.big.id, "请电力公司协调", None
    )
    session.commit()
    draft = sheet(session, staff)
    assert not draft.issued
    assert draft.rows[0].note == "请电力公司协调"
    assert draft.rows[0].note_version == note.version
    weekly_sheets.save_note(
        session, staff, params(session), data.big.id, "请供电公司本周内接电", note.version
    )
    session.commit()
    with pytest.raises(StaleVersion):  # a second writer who saw the first note
        weekly_sheets.save_note(session, staff, params(session), data.big.id, "x", note.version - 1)
    session.rollback()
    draft = sheet(session, staff)
    issued = weekly_sheets.issue(session, staff, params(session), draft.sheet_version)
    session.commit()
    assert issued.issued and issued.issued_by == staff.label
    assert issued.as_of == date(2026, 6, 14)  # the week is over: as of its Sunday
    frozen = to_dict(sheet(session, staff))
    assert frozen["issued"] is True
    assert frozen["rows"][0]["note"] == "请供电公司本周内接电"

    # Later edits change nothing in the issued sheet, for any day of its week.
    big = session.get(type(data.big), data.big.id)
    projects.update_project(session, big, {"total_investment_wan": "70000"}, big.version, staff)
    session.commit()
    assert to_dict(sheet(session, staff)) == frozen
    assert to_dict(sheet(session, staff, as_of=date(2026, 6, 12))) == frozen
    # Notes can no longer be changed, and the sheet cannot be issued again.
    with pytest.raises(ValidationError):
        weekly_sheets.save_note(session, staff, params(session), data.big.id, "晚了", None)
    with pytest.raises((ValidationError, StaleVersion)):
        weekly_sheets.issue(session, staff, params(session), issued.sheet_version)
    session.rollback()
    # Another scope's sheet of the same week is its own.
    assert not sheet(session, staff, "district:420302").issued


def test_issuing_a_sheet_changed_since_is_a_conflict(session, data, make_user):
    staff = make_user("staff")
    seen = sheet(session, staff)  # no draft yet
    weekly_sheets.save_note(session, staff, params(session), data.big.id, "先写的", None)
    session.commit()
    with pytest.raises(StaleVersion):
        weekly_sheets.issue(session, staff, params(session), seen.sheet_version)


def test_officials_and_future_weeks_may_not_issue(session, data, make_user):
    with pytest.raises(Forbidden):
        weekly_sheets.save_note(
            session, make_user("official"), params(session), data.big.id, "x", None
        )
    with pytest.raises(ValidationError):
        weekly_sheets.issue(
            session, make_user("staff"), params(session, as_of=date(2099, 1, 5)), None
        )


def test_the_workbook_layout(session, data, make_user):
    report = sheet(session, make_user("admin"))
    book = load_workbook(BytesIO(WEEKLY.to_xlsx(report)))
    main = book.worksheets[0]
    assert main.title == "周调度"
    assert main["A1"].value == "重点项目周调度表（2026-06-08 至 2026-06-14）"
    assert "单位：万元" in main["A2"].value
    merged = {str(cells) for cells in main.merged_cells.ranges}
    assert {"A1:O1", "E3:H3", "I3:J3", "A3:A4", "B3:B4", "K3:K4", "M3:M4"} <= merged
    assert main["E3"].value == "投资额（万元）"
    assert [main.cell(row=4, column=c).value for c in range(5, 9)] == [
        "总投资", "年度计划", "本期完成", "累计完成",
    ]  # fmt: skip
    assert main["M3"].value == "协调事项/本周说明"
    assert [main.cell(row=5, column=c).value for c in range(1, 11)] == [
        1, "汽车零部件产业园", "茅箭区", "在建", 50000, 12000, 800, 5800, 5000, -5.5,
    ]  # fmt: skip
    assert main["K5"].value == "主体结构封顶"
    assert main["L5"].value == "1. 施工用电需协调"
    assert main["N5"].value == "王副市长"
    assert main["A7"].value == "合计" and main["E7"].value == 53000
    assert main["E5"].number_format == "#,##0.00"
    assert main["E5"].border.left.style == "thin"
    assert main.freeze_panes == "C5"
    assert main.page_setup.orientation == "landscape"
    assert main.page_setup.paperSize == 9  # A4
    assert main.print_title_rows == "$3:$4"
    assert main.column_dimensions["B"].width == 28
    assert [ws.title for ws in book.worksheets[1:]] == [
        "本周新增线索", "阶段变动", "下周到期节点", "逾期节点",
    ]  # fmt: skip
    assert book["逾期节点"]["B2"].value == "主体验收"
    assert book["逾期节点"]["D2"].value == 9


def test_hostile_text_is_kept_as_text_in_the_workbook(session, data, make_user):
    admin = make_user("admin")
    big = session.get(type(data.big), data.big.id)
    big.name = '=HYPERLINK("http://x")'
    session.commit()
    report = sheet(session, admin)
    book = load_workbook(BytesIO(WEEKLY.to_xlsx(report)))
    assert book.worksheets[0]["B5"].value.startswith("'=")
