"""季通报 and 年考核 on the hand-built city of tests/crm/assessment_city.py, their workbooks and
pages, their rules files, and reproducibility: edits after the day change nothing."""

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from crm.models import FundsArrival, Lead, Project, StageChange
from crm.reports import REPORTS, ReportParams, ReportScope
from crm.reports.quarterly import (
    QuarterlyRules,
    RulesFileError,
    build_bulletin,
    elapsed_share,
    load_rules,
    previous_quarter_end,
)
from crm.reports.rubric import load_rubric
from crm.services.errors import Forbidden
from tests.crm.assessment_city import AS_OF, build_city

RULES = QuarterlyRules.model_validate(
    {
        "weights": {
            "signed_count": 1,
            "signed_amount_wan": 1,
            "funds_in_place_wan": 2,
            "projects_started": 1,
            "investment_completed_wan": 1,
            "landing_rate": 1,
        },
        "completion": {"cap": 150},
        "marks": {"green": 100, "yellow": 80},
        "projects": {"listed": 2},
    }
)


@pytest.fixture
def city(session, make_user):
    return build_city(session, make_user("official"))


def test_quarter_arithmetic():
    assert previous_quarter_end(date(2026, 6, 30)) == date(2026, 3, 31)
    assert previous_quarter_end(date(2026, 2, 1)) == date(2025, 12, 31)
    assert elapsed_share(date(2026, 6, 30)) == Decimal(100 * 181) / 365
    assert elapsed_share(date(2026, 12, 31)) == 100


def test_the_bulletin_ranks_marks_and_compares_with_last_quarter(session, city):
    report = build_bulletin(session, ReportParams(AS_OF), RULES)
    assert (report.year, report.quarter, report.previous_as_of) == (2026, 2, date(2026, 3, 31))
    names = [(s.rank, s.owner.name) for s in report.districts]
    # 经开区 has no targets: listed last, unranked.
    assert names == [(1, "茅箭区"), (2, "张湾区"), (None, "经开区")]
    maojian, zhangwan, zone = report.districts
    # 茅箭区: signed 2/4 = 50, amount 42000/100000 = 42, funds 3000/10000 = 30 (weight 2),
    # started 1/4 = 25, landing 100/80 = 125 → (50 + 42 + 60 + 25 + 125) / 6.
    assert maojian.score.completion == Decimal(302) / 6
    elapsed = Decimal(100 * 181) / 365
    paced = (50 + 42 + 2 * 30 + 25) * 100 / elapsed + 125
    assert maojian.score.pace == pytest.approx(paced / 6)  # 80.3…
    assert maojian.mark == "yellow"
    # 张湾区: signed 1/2 = 50, funds 0/2000 (weight 2), investment 150/1000 = 15 → 65 / 4.
    assert zhangwan.score.completion == Decimal("16.25")
    assert zhangwan.mark == "red"
    assert zone.score.completion is None and zone.mark is None
    # At the end of March: 茅箭区 signed 1/4 = 25, 30000/100000 = 30, funds 1000 → 10 (×2),
    # started 25, landing 125 → 225 / 6; 张湾区 had nothing yet.
    assert maojian.previous.completion == Decimal(225) / 6
    assert maojian.change == Decimal(77) / 6
    assert (maojian.previous_rank, maojian.rank_change) == (1, 0)
    assert zhangwan.previous.completion == 0 and zhangwan.change == Decimal("16.25")
    # Departments: only 茅箭区招商局 has a target (signed 2/4), the city bureau is the city's.
    assert [(s.rank, s.owner.name) for s in report.units] == [
        (1, "茅箭区招商局"),
        (None, "张湾区招商局"),
        (None, "经开区管委会"),
    ]
    assert report.units[0].score.completion == 50
    # Fastest: P5 (−10 days), P4 (−5); slowest: P2 (+20), P1 ((5 + 29) / 2 = 17).
    assert [(s.name, s.mean_delay_days) for s in report.fastest] == [
        ("P5项目", -10),
        ("P4项目", -5),
    ]
    assert [(s.name, s.mean_delay_days) for s in report.slowest] == [("P2项目", 20), ("P1项目", 17)]
    assert report.slowest[1].late == 2 and report.slowest[1].milestones == 2


def test_a_districts_bulletin_shows_its_rows_with_the_citys_ranks(session, city):
    scope = ReportScope("district", city.zhangwan.id, "张湾区")
    report = build_bulletin(session, ReportParams(AS_OF, scope), RULES)
    assert [(s.rank, s.owner.name) for s in report.districts] == [(2, "张湾区")]
    assert report.units == []
    assert [s.name for s in report.fastest] == ["P5项目"] and report.slowest == []


def test_the_bulletin_as_json_and_xlsx(app, session, city):
    with app.test_request_context():
        report = build_bulletin(session, ReportParams(AS_OF), RULES)
        data = REPORTS["quarterly"].to_dict(report)
        book = load_workbook(io.BytesIO(REPORTS["quarterly"].to_xlsx(report)))
    assert data["districts"][0]["name"] == "茅箭区"
    assert data["districts"][0]["weighted_completion"] == "50.3"
    assert data["districts"][0]["mark"] == "yellow"
    assert data["districts"][0]["change_points"] == "12.8"
    assert data["districts"][0]["indicators"]["funds_in_place_wan"]["completion"] == "30.0"
    assert data["fastest_projects"][0]["mean_delay_days"] == "-10.0"
    assert book.sheetnames == ["区县排名", "部门排名", "项目快慢", "说明"]
    sheet = book["区县排名"]
    assert sheet["A1"].value == "2026年第2季度招商引资工作通报"
    assert "A1:S1" in {str(merged) for merged in sheet.merged_cells.ranges}
    assert [cell.value for cell in sheet[3]][:5] == ["排名", "名称", "加权完成率(%)",
                                                     "加权进度比(%)", "标识"]  # fmt: skip
    assert [cell.value for cell in sheet[4]][:5] == [1, "茅箭区", 50.3, 80.3, "黄"]
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize == 9


def test_the_annual_scores_with_deductions_and_working(app, session, city):
    rubric = load_rubric("data/rubrics/annual.toml")
    from crm.reports.annual import build_assessment

    with app.test_request_context():
        report = build_assessment(session, ReportParams(AS_OF), rubric)
        data = REPORTS["annual"].to_dict(report)
        book = load_workbook(io.BytesIO(REPORTS["annual"].to_xlsx(report)))
    maojian, zhangwan, zone = report.districts
    lines = {line.key: line.result for line in maojian.lines}
    # Out-of-province 1000 and foreign 2000 against funds 10000, × 0.5 each; signing
    # 0.25 × 2/4 + 0.25 × 42000/100000; bands: 3–10亿 1 of 7, 10–20亿 1 of 4, ≥20亿 0 of 1 →
    # 10 missing × 0.1; L6 signed 2025-12-01 never started → 0.1; falsified: not held.
    assert lines == {
        "funds_out_of_province": Decimal("0.05"),
        "funds_foreign": Decimal("0.1"),
        "signed_count": Decimal("0.125"),
        "signed_amount": Decimal("0.105"),
        "size_bands": Decimal("-1.0"),
        "not_started": Decimal("-0.1"),
        "falsified": None,
    }
    assert maojian.score == Decimal("-0.72") and maojian.rank == 1
    # 张湾区: signed 0.25 × 1/2; no amount target (0, said so); bands 3–10亿 1 of 7 → 11 missing.
    assert zhangwan.score == Decimal("-0.975") and zhangwan.rank == 2
    assert zone.rank is None and not zone.has_targets
    working = {line.key: line for line in zhangwan.lines}
    assert working["signed_amount"].note == "未设目标，本项计 0 分"
    assert working["falsified"].note.startswith("系统中没有此项数据")
    assert ("3–10亿元", "1 个（应不少于 7 个）") in working["size_bands"].inputs
    assert data["districts"][0]["score"] == "-0.7200"
    assert data["districts"][0]["working"][0]["inputs"][0] == {
        "name": "省外到位资金(万元)",
        "value": "1000",
    }
    assert book.sheetnames == ["区县得分", "部门得分", "计分过程"]
    assert book["区县得分"]["A1"].value == "2026年度招商引资考核结果"
    assert [cell.value for cell in book["区县得分"][4]][:3] == [1, "茅箭区", -0.72]


def test_the_same_day_gives_the_same_numbers_after_later_edits(app, session, city, make_user):
    def both():
        with app.test_request_context():
            quarterly = REPORTS["quarterly"].to_dict(
                build_bulletin(session, ReportParams(AS_OF), RULES)
            )
            from crm.reports.annual import build_assessment

            annual = REPORTS["annual"].to_dict(
                build_assessment(
                    session, ReportParams(AS_OF), load_rubric("data/rubrics/annual.toml")
                )
            )
        return quarterly, annual

    before = both()
    later = datetime(2026, 9, 1, 10, 0)
    p1, p2, p4 = (session.get(Project, city.projects[key].id) for key in ("P1", "P2", "P4"))
    session.add(FundsArrival(project=p1, arrived_on=date(2026, 9, 1), amount_wan=Decimal(9000),
                             origin="local"))  # fmt: skip
    session.add(StageChange(subject="project", project_id=p1.id, from_stage="newly_started",
                            to_stage="completed", changed_at=later))  # fmt: skip
    p1.stage, p1.completed_on = "completed", date(2026, 9, 1)
    p2.stage = "under_construction"
    p4.deleted_at = later  # deleted after the day: it was there on the day
    signed = Lead(name="新签", source="online", stage="signed", signed_on=date(2026, 8, 20),
                  signed_amount_wan=Decimal(70000), owner_unit=city.maojian_unit)  # fmt: skip
    session.add(signed)
    session.flush()
    session.add(StageChange(subject="lead", lead_id=signed.id, to_stage="signed",
                            changed_at=later))  # fmt: skip
    session.commit()
    assert both() == before


def test_report_scope_is_checked(app, session, city, make_user, make_unit):
    staff = make_user("staff", unit=city.zhangwan_unit)
    elsewhere = ReportScope("district", city.maojian.id, "茅箭区")
    with app.test_request_context(), pytest.raises(Forbidden):
        REPORTS["quarterly"].build(session, staff, ReportParams(AS_OF, elsewhere))
    with app.test_request_context(), pytest.raises(Forbidden):
        REPORTS["annual"].build(session, staff, ReportParams(AS_OF, elsewhere))
    with app.test_request_context():
        own = ReportScope("district", city.zhangwan.id, "张湾区")
        report = REPORTS["annual"].build(session, staff, ReportParams(AS_OF, own))
    assert [a.owner.name for a in report.districts] == ["张湾区"]


def test_the_pages_render_as_printable_bulletins(app, session, city, make_user, make_unit):
    from flask import render_template

    make_unit("<script>alert(1)</script>", kind="task_team", parent=city.city_unit)
    pages = {}
    for key in ("quarterly", "annual"):
        kind = REPORTS[key]
        with app.test_request_context(f"/reports/{key}"):
            report = kind.build(session, make_user("admin"), ReportParams(AS_OF))
            pages[key] = render_template(
                kind.template, report=report, params=report.params, kind=kind
            )
        assert "茅箭区" in pages[key] and "&lt;script&gt;alert(1)&lt;/script&gt;" in pages[key]
        assert "<script>alert(1)" not in pages[key]
        assert 'href="/static/css/bulletin.css"' in pages[key]  # its A4 landscape print rules
    assert "2026年第2季度招商引资工作通报" in pages["quarterly"]
    assert '<span class="mark mark-red">红</span>' in pages["quarterly"]
    assert "P2项目" in pages["quarterly"] and "+20.0" in pages["quarterly"]
    assert "2026年度招商引资考核结果" in pages["annual"]
    assert "系统中没有此项数据，未扣分（须人工核定）" in pages["annual"]


def test_rules_files_are_checked(tmp_path):
    bad = tmp_path / "q.toml"
    bad.write_text("[weights]\nsigned_count = 1\nno_such = 2\n")
    with pytest.raises(RulesFileError, match="no_such"):
        load_rules(bad)
    bad.write_text("[weights]\nsigned_count = 1\n[marks]\ngreen = 50\nyellow = 90\n")
    with pytest.raises(RulesFileError, match="yellow"):
        load_rules(bad)
    rubric = tmp_path / "a.toml"
    rubric.write_text(
        'name = "x"\n[[item]]\nkey = "a"\nlabel = "a"\nkind = "ratio"\nmeasure = "eval(1)"\n'
        "weight = 1\n"
    )
    with pytest.raises(RulesFileError, match="unknown measure"):
        load_rubric(rubric)
    rubric.write_text('name = "x"\n[[item]]\nkey = "a"\nlabel = "a"\nkind = "python"\n')
    with pytest.raises(RulesFileError):
        load_rubric(rubric)
    assert load_rules("data/rubrics/quarterly.toml").weights["funds_in_place_wan"] == 2


def test_a_wrong_rules_file_stops_the_start(tmp_path):
    from app import create_app

    bad = tmp_path / "q.toml"
    bad.write_text("[weights]\nsigned_count = -1\n")
    with pytest.raises(RulesFileError, match=r"q\.toml"):
        create_app({"DATABASE_URL": "sqlite://", "REPORT_QUARTERLY": str(bad)})
