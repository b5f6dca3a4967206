"""The monthly supervision report (月督办): built on the supervision tests' dataset, with the
right answers written here; as of a past day it gives what it gave on the day."""

from datetime import date
from io import BytesIO

import pytest
from flask import render_template
from openpyxl import load_workbook
from sqlalchemy import select

from crm.models import SupervisionItem
from crm.reports import REPORTS, ReportParams, ReportScope
from crm.reports.monthly import KIND
from crm.services import supervision as service
from crm.services.errors import Forbidden
from tests.crm.test_supervision import AS_OF, _generated, city, in_app  # noqa: F401

MARCH_END = date(2026, 3, 31)


@pytest.fixture
def worked(in_app, session, city):  # noqa: F811
    """The month's eight items of 2026-03-20; the milestone's answered on 2026-03-25, the
    problem's closed on 2026-03-28; every open one carded on 2026-04-05."""
    _generated(session, city)
    milestone = session.scalar(
        select(SupervisionItem).where(SupervisionItem.source == "overdue_milestone")
    )
    service.answer(session, milestone, "已协调施工单位", milestone.version, city["wang"],
                   on=date(2026, 3, 25))  # fmt: skip
    problem = session.scalar(select(SupervisionItem).where(SupervisionItem.source == "problem"))
    service.close(session, problem, problem.version, city["staff"], "已批复", on=date(2026, 3, 28))
    service.sweep_cards(session, date(2026, 4, 5))
    session.commit()
    return city


def test_the_kind_is_registered():
    assert REPORTS["monthly"] is KIND
    assert KIND.template == "reports/monthly.html"


def test_march_as_it_stood_at_the_end_of_march(session, worked):
    report = KIND.build(session, worked["staff"], ReportParams(MARCH_END))
    assert len(report.opened) == 8 and report.carried == []
    assert report.by_source == {
        "overdue_milestone": 1, "stalled_project": 1, "problem": 1, "service_request": 2,
        "not_started": 1, "not_building": 1, "not_completed": 1,
    }  # fmt: skip
    # The four items of overdue records opened yellow; the lapses came on 2026-04-05.
    assert report.cards == {"none": 4, "yellow": 4, "red": 0}
    assert report.levels == {"unit": 8, "joint_meeting": 0, "city_government": 0}
    assert (report.answered, report.overdue, report.unknown) == (2, 0, 0)
    answered = next(row for row in report.opened if row.source == "overdue_milestone")
    assert (answered.status, answered.response, answered.responded_on) == (
        "answered", "已协调施工单位", date(2026, 3, 25),
    )  # fmt: skip
    assert answered.leader_name == "王副市长" and answered.unit_name == "茅箭区招商局"
    lag = {source: [row.project_name for row in rows] for source, rows in report.lag.items()}
    assert lag == {
        "not_started": ["新能源电池项目"],
        "not_building": ["智能装备项目"],
        "not_completed": ["物流园项目"],
    }
    started = report.lag["not_building"][0]
    assert (started.leader_name, started.unit_name, started.deadline_on, started.status) == (
        "李副区长", "张湾区招商局", date(2026, 4, 4), "open",
    )  # fmt: skip


def test_april_carries_the_open_items_with_their_cards(session, worked):
    report = KIND.build(session, worked["staff"], ReportParams(date(2026, 4, 10)))
    assert report.opened == []
    # The closed problem is not carried; the answered milestone is (not closed), uncarded.
    assert len(report.carried) == 7
    cards = {row.source: row.card for row in report.carried}
    assert cards == {
        "overdue_milestone": "yellow",  # answered in time: no lapse
        "service_request": "red",  # both: opened yellow, late again
        "stalled_project": "yellow", "not_started": "yellow", "not_building": "yellow",
        "not_completed": "yellow",
    }  # fmt: skip
    assert sum(1 for row in report.carried if row.card == "red") == 2
    assert [row.overdue for row in report.carried].count(True) == 6


def test_the_past_report_is_unchanged_by_later_handling(session, worked):
    before = KIND.to_dict(KIND.build(session, worked["staff"], ReportParams(MARCH_END)))
    item = session.scalar(select(SupervisionItem).where(SupervisionItem.source == "not_started"))
    service.escalate(session, item, "city_government", item.version, worked["staff"], "久拖不决",
                     on=date(2026, 4, 12))  # fmt: skip
    session.commit()
    after = KIND.to_dict(KIND.build(session, worked["staff"], ReportParams(MARCH_END)))
    assert after == before


def test_items_without_history_are_said_to_be_unknown(session, worked):
    old = SupervisionItem(source="stalled_project", project_id=worked["p4"].id,
                          description="旧事项", assignee_id=worked["li"].id,
                          opened_on=date(2026, 3, 2), deadline_on=date(2026, 3, 12))  # fmt: skip
    session.add(old)
    session.commit()
    report = KIND.build(session, worked["staff"], ReportParams(MARCH_END))
    row = next(row for row in report.opened if row.id == old.id)
    assert (row.known, row.status, row.overdue) == (False, None, None)
    assert report.unknown == 1 and report.overdue == 0 and len(report.opened) == 9


def test_the_leader_scope_and_the_actors_scope(session, worked, make_user):
    leader = ReportScope("leader", worked["li"].id, "李副区长")
    report = KIND.build(session, worked["staff"], ReportParams(MARCH_END, leader))
    assert {row.project_name for row in report.opened} == {"智能装备项目", "物流园项目"}
    assert [row.project_name for row in report.lag["not_started"]] == []
    district = ReportScope("district", worked["maojian"].id, "茅箭区")
    report = KIND.build(session, worked["staff"], ReportParams(MARCH_END, district))
    assert {row.project_name for row in report.opened} == {"汽车零部件项目", "新能源电池项目"}
    outsider = make_user("staff", unit=worked["other_unit"])
    with pytest.raises(Forbidden):
        KIND.build(session, outsider, ReportParams(MARCH_END, district))
    with pytest.raises(Forbidden):
        KIND.build(session, make_user("ambassador"), ReportParams(MARCH_END))


def test_to_dict(session, worked):
    data = KIND.to_dict(KIND.build(session, worked["staff"], ReportParams(MARCH_END)))
    assert (data["kind"], data["month"], data["as_of"]) == ("monthly", "2026-03", "2026-03-31")
    assert (data["opened_count"], data["answered"], data["overdue"]) == (8, 2, 0)
    assert data["by_source"]["service_request"] == 2
    assert data["lag"]["not_completed"][0]["project_name"] == "物流园项目"
    assert data["lag"]["not_completed"][0]["deadline_on"] == "2026-04-04"
    assert data["settings"]["stalled_days"] == 30


def test_to_xlsx_reads_back(session, worked):
    report = KIND.build(session, worked["staff"], ReportParams(MARCH_END))
    book = load_workbook(BytesIO(KIND.to_xlsx(report)))
    assert book.sheetnames == [
        "汇总",
        "本月督办",
        "往月未销号",
        "立项未开工",
        "开工未建设",
        "建设未竣工",
    ]
    summary = book["汇总"]
    assert "A1:B1" in {str(merged) for merged in summary.merged_cells.ranges}
    assert summary["A1"].value.startswith("2026年3月督办情况")
    assert (summary["A3"].value, summary["B3"].value) == ("本月督办事项", 8)
    figures = {summary.cell(row, 1).value: summary.cell(row, 2).value for row in range(3, 30)}
    assert figures["已反馈或销号"] == 2 and figures["逾期未反馈"] == 0
    assert figures["来源：企业诉求逾期"] == 2
    items = book["本月督办"]
    assert items.page_setup.orientation == "landscape"
    assert int(items.page_setup.paperSize) == 9  # A4
    headers = [cell.value for cell in items[2]]
    assert headers[:3] == ["编号", "来源", "项目"] and "反馈" in headers
    rows = list(items.iter_rows(min_row=3, values_only=True))
    assert len(rows) == 8
    answered = next(row for row in rows if row[1] == "节点逾期")
    assert answered[headers.index("反馈")] == "已协调施工单位"
    assert answered[headers.index("状态")] == "已反馈"
    lag = book["建设未竣工"]
    assert [cell.value for cell in lag[3]][:4] == [
        "物流园项目",
        "张湾区",
        "李副区长",
        "张湾区招商局",
    ]


def test_hostile_text_is_defused_in_the_workbook(session, worked):
    item = session.scalar(select(SupervisionItem).where(SupervisionItem.source == "problem"))
    item.description = '=HYPERLINK("http://x")'
    session.commit()
    report = KIND.build(session, worked["staff"], ReportParams(MARCH_END))
    rows = list(load_workbook(BytesIO(KIND.to_xlsx(report)))["本月督办"].iter_rows(
        min_row=3, values_only=True))  # fmt: skip
    assert '\'=HYPERLINK("http://x")' in [row[6] for row in rows]


def test_the_template_renders(app, session, worked):
    item = session.scalar(select(SupervisionItem).where(SupervisionItem.source == "problem"))
    item.description = "<script>alert(1)</script>"
    session.commit()
    params = ReportParams(MARCH_END)
    report = KIND.build(session, worked["staff"], params)
    with app.test_request_context("/reports/monthly"):
        html = render_template(KIND.template, report=report, params=params, kind=KIND)
    assert "2026年3月督办" in html
    assert 'data-testid="opened-count">8<' in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    assert "物流园项目" in html and "已协调施工单位" in html
    assert html.count('data-testid="lag-row"') == 3
