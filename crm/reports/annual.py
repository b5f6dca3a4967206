"""年考核 (the annual assessment): every district and department scored on the rubric
(crm.reports.rubric; the file REPORT_ANNUAL_RUBRIC names, data/rubrics/annual.toml by default)
against its targets, from 1 January to `as_of` (the year's end for the final assessment), and
ranked; each score with its working: the inputs, the formula and the result of every item and
deduction."""

from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from crm.reports import ReportKind, ReportParams, check_scope
from crm.reports.quarterly import _in_scope, _ranked_owners, configured
from crm.reports.rubric import Rubric, Working, apply, load_rubric, total
from crm.reports.workbook import add_sheet, new_workbook, rounded, workbook_bytes
from crm.services.achievement import build_ledger
from crm.services.targets import DISTRICT, Owner

DEFAULT_RUBRIC = "data/rubrics/annual.toml"


def current_rubric() -> Rubric:
    return load_rubric(configured("REPORT_ANNUAL_RUBRIC", DEFAULT_RUBRIC))


@dataclass
class Assessment:
    owner: Owner
    lines: list[Working]
    score: Decimal
    has_targets: bool
    rank: int | None = None


@dataclass
class AnnualReport:
    params: ReportParams
    rubric: Rubric
    districts: list = field(default_factory=list)
    units: list = field(default_factory=list)

    @property
    def as_of(self):
        return self.params.as_of

    @property
    def year(self) -> int:
        return self.params.as_of.year


def _ranked(assessments: list[Assessment]) -> list[Assessment]:
    """By score (ties share a rank); owners without any target are listed after, unranked."""
    scored = sorted(
        (a for a in assessments if a.has_targets), key=lambda a: (-a.score, a.owner.name)
    )
    rank, last = 0, None
    for index, assessment in enumerate(scored, 1):
        if assessment.score != last:
            rank, last = index, assessment.score
        assessment.rank = rank
    rest = sorted((a for a in assessments if not a.has_targets), key=lambda a: a.owner.name)
    return scored + rest


def build_assessment(session: Session, params: ReportParams, rubric: Rubric) -> AnnualReport:
    ledger = build_ledger(session, params.as_of, rubric.start_within_days)
    report = AnnualReport(params, rubric)
    for kind, owner_list in _ranked_owners(session).items():
        assessments = []
        for owner in owner_list:
            targets = ledger.targets.get((owner.kind, owner.id), {})
            lines = apply(rubric, ledger.tally(owner.kind, owner.id), targets)
            assessments.append(Assessment(owner, lines, total(lines), bool(targets)))
        ranked = _ranked(assessments)
        # The scope cuts the rows shown, not the ranking (quarterly does the same).
        shown = _in_scope(session, params, ranked, kind)
        if kind == DISTRICT:
            report.districts = shown
        else:
            report.units = shown
    return report


def build(session: Session, actor, params: ReportParams) -> AnnualReport:
    check_scope(session, actor, params.scope)
    return build_assessment(session, params, current_rubric())


# ---- out ----


def _score_text(value: Decimal | None) -> str | None:
    return None if value is None else format(rounded(value, 4), "f")


def _assessment_dict(assessment: Assessment) -> dict:
    return {
        "kind": assessment.owner.kind,
        "id": assessment.owner.id,
        "name": assessment.owner.name,
        "rank": assessment.rank,
        "score": _score_text(assessment.score),
        "has_targets": assessment.has_targets,
        "working": [
            {
                "key": line.key,
                "label": line.label,
                "inputs": [{"name": name, "value": value} for name, value in line.inputs],
                "formula": line.formula,
                "result": _score_text(line.result),
                "note": line.note,
            }
            for line in assessment.lines
        ],
    }


def to_dict(report: AnnualReport) -> dict:
    return {
        "kind": "annual",
        "as_of": report.as_of.isoformat(),
        "scope": str(report.params.scope),
        "year": report.year,
        "rubric": report.rubric.name,
        "districts": [_assessment_dict(a) for a in report.districts],
        "units": [_assessment_dict(a) for a in report.units],
    }


def title(report: AnnualReport) -> str:
    return _("%(year)d年度招商引资考核结果", year=report.year)


def subtitle(report: AnnualReport) -> str:
    return _(
        "%(rubric)s · 数据截至 %(day)s · 范围：%(scope)s",
        rubric=report.rubric.name,
        day=report.as_of.isoformat(),
        scope=report.params.scope.label or str(report.params.scope),
    )


def to_xlsx(report: AnnualReport) -> bytes:
    workbook = new_workbook()
    entries = [*report.rubric.item, *report.rubric.deduction]
    headers = [_("排名"), _("名称"), _("总分"), *(entry.label for entry in entries)]
    for name, assessments in ((_("区县"), report.districts), (_("部门"), report.units)):
        rows = [
            [
                a.rank if a.rank is not None else _("未设目标"),
                a.owner.name,
                rounded(a.score, 4),
                *(rounded(line.result, 4) if line.result is not None else "—" for line in a.lines),
            ]
            for a in assessments
        ]
        add_sheet(
            workbook,
            _("%(who)s得分", who=name),
            title(report),
            subtitle(report),
            headers,
            rows,
            widths=[8, 22, 10, *([14] * len(entries))],
        )
    working_rows = [
        [
            a.owner.name,
            line.label,
            "；".join(f"{label}：{value}" for label, value in line.inputs),
            line.formula,
            rounded(line.result, 4) if line.result is not None else "—",
            line.note or "",
        ]
        for a in (*report.districts, *report.units)
        for line in a.lines
    ]
    add_sheet(
        workbook,
        _("计分过程"),
        title(report),
        subtitle(report),
        [_("名称"), _("考核项"), _("计算依据"), _("公式"), _("得分"), _("说明")],
        working_rows,
        widths=[20, 20, 60, 30, 10, 30],
    )
    return workbook_bytes(workbook)


KIND = ReportKind(
    key="annual",
    title=_l("年考核"),
    build=build,
    to_dict=to_dict,
    to_xlsx=to_xlsx,
    template="reports/annual.html",
)
