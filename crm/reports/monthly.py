"""月督办 (the monthly supervision report): for the month of `as_of` and a scope, the items
opened in the month by source with their cards, levels, answers and overdue counts, the items
of earlier months still open, and the three 三未 lag lists, each with project, leader, unit,
deadline and response.

Items are read as of the day from their dated events (crm.services.supervision.state_on):
an item opened before events were kept has no event that says how it stood, and the report
marks it "unknown" rather than guess. The lag lists come from the stage log and the projects'
dates (crm.services.supervision.lag_lists). Items count in the month of their opened_on."""

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date

from flask import current_app, has_app_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from crm.models import Project, SupervisionItem
from crm.reports import ReportKind, ReportParams, check_scope
from crm.reports.workbook import new_workbook, workbook_bytes
from crm.services.scope import CITY, NONE, district_subtree_ids, scope_of, unit_subtree_ids
from crm.services.supervision import SupervisionSettings, lag_lists, state_on
from crm.spreadsheets import protect_text
from crm.vocabulary import (
    SUPERVISION_CARD,
    SUPERVISION_LEVEL,
    SUPERVISION_SOURCE,
    SUPERVISION_STATUS,
)

LAG_SOURCES = ("not_started", "not_building", "not_completed")


@dataclass(frozen=True)
class ItemRow:
    id: int
    source: str
    project_id: int | None
    project_name: str | None
    district_name: str | None
    leader_name: str | None
    unit_name: str | None
    description: str
    opened_on: date
    known: bool  # False: no event says how the item stood on the day
    status: str | None
    card: str | None
    level: str | None
    deadline_on: date | None
    response: str | None
    responded_on: date | None
    overdue: bool | None  # open past its deadline on the day; None when unknown


@dataclass(frozen=True)
class LagRow:
    project_id: int
    project_name: str
    district_name: str | None
    leader_name: str | None
    unit_name: str | None
    description: str
    item_id: int | None  # the supervision item of this list for the project, if any
    deadline_on: date | None
    response: str | None
    status: str | None


@dataclass
class MonthlyReport:
    as_of: date
    month_start: date
    scope_label: str
    settings: SupervisionSettings
    opened: list[ItemRow] = field(default_factory=list)
    carried: list[ItemRow] = field(default_factory=list)  # earlier months', not closed
    by_source: dict[str, int] = field(default_factory=dict)
    cards: dict[str, int] = field(default_factory=dict)
    levels: dict[str, int] = field(default_factory=dict)
    answered: int = 0  # of the month's items: answered or closed by the day
    overdue: int = 0  # of the month's items: open past the deadline on the day
    unknown: int = 0  # items whose state on the day the history cannot say
    lag: dict[str, list[LagRow]] = field(default_factory=dict)


def _settings() -> SupervisionSettings:
    config = current_app.config.get("SUPERVISION") if has_app_context() else None
    return SupervisionSettings.from_config(config)


def _scope_condition(session: Session, actor, params: ReportParams):
    """SQL conditions on items (joined to their project) for the report's scope, cut to the
    actor's own."""
    scope = params.scope
    conditions = []
    if scope.kind == "district":
        conditions.append(Project.district_id.in_(district_subtree_ids(session, scope.id)))
    elif scope.kind == "unit":
        units = unit_subtree_ids(session, scope.id)
        conditions.append(
            or_(Project.owner_unit_id.in_(units), SupervisionItem.assignee_unit_id.in_(units))
        )
    elif scope.kind == "leader":
        conditions.append(SupervisionItem.assignee_id == scope.id)
    if actor is not None:
        mine = scope_of(session, actor)
        if mine.kind == NONE:
            conditions.append(SupervisionItem.assignee_id == actor.id)
        elif mine.kind != CITY:
            units = tuple(mine.unit_ids)
            conditions.append(
                or_(Project.owner_unit_id.in_(units), SupervisionItem.assignee_unit_id.in_(units))
            )
    return conditions


def _project_in_scope(session: Session, actor, params: ReportParams):
    """SQL conditions on projects for the lag lists."""
    scope = params.scope
    conditions = []
    if scope.kind == "district":
        conditions.append(Project.district_id.in_(district_subtree_ids(session, scope.id)))
    elif scope.kind == "unit":
        conditions.append(Project.owner_unit_id.in_(unit_subtree_ids(session, scope.id)))
    elif scope.kind == "leader":
        conditions.append(Project.leader_id == scope.id)
    if actor is not None:
        mine = scope_of(session, actor)
        if mine.kind == NONE:
            conditions.append(Project.leader_id == actor.id)
        elif mine.kind != CITY:
            conditions.append(Project.owner_unit_id.in_(tuple(mine.unit_ids)))
    return conditions


def _item_row(item: SupervisionItem, as_of: date) -> ItemRow:
    state = state_on(item, as_of)
    project = item.project
    leader = item.assignee
    return ItemRow(
        id=item.id,
        source=item.source,
        project_id=item.project_id,
        project_name=project.name if project else None,
        district_name=project.district.name if project and project.district else None,
        leader_name=(leader.display_name or leader.name) if leader else None,
        unit_name=item.assignee_unit.name if item.assignee_unit else None,
        description=item.description,
        opened_on=item.opened_on,
        known=state.known,
        status=state.status,
        card=state.card,
        level=state.level,
        deadline_on=state.deadline_on,
        response=state.response,
        responded_on=state.responded_on,
        overdue=(state.status == "open" and state.deadline_on < as_of) if state.known else None,
    )


def build(session: Session, actor, params: ReportParams) -> MonthlyReport:
    check_scope(session, actor, params.scope)
    as_of = params.as_of
    month_start = as_of.replace(day=1)
    settings = _settings()
    report = MonthlyReport(
        as_of=as_of,
        month_start=month_start,
        scope_label=str(params.scope.label or params.scope),
        settings=settings,
    )
    items = session.scalars(
        select(SupervisionItem)
        .outerjoin(Project, Project.id == SupervisionItem.project_id)
        .where(SupervisionItem.opened_on <= as_of, *_scope_condition(session, actor, params))
        .options(
            selectinload(SupervisionItem.events),
            selectinload(SupervisionItem.project).selectinload(Project.district),
            selectinload(SupervisionItem.assignee),
            selectinload(SupervisionItem.assignee_unit),
        )
        .order_by(SupervisionItem.opened_on, SupervisionItem.id)
    ).all()
    for item in items:
        row = _item_row(item, as_of)
        if row.opened_on >= month_start:
            report.opened.append(row)
        elif not row.known or row.status != "closed":
            report.carried.append(row)
    month = report.opened
    report.by_source = _tally(SUPERVISION_SOURCE.keys, (row.source for row in month))
    known = [row for row in month if row.known]
    report.cards = _tally(SUPERVISION_CARD.keys, (row.card for row in known))
    report.levels = _tally(SUPERVISION_LEVEL.keys, (row.level for row in known))
    report.answered = sum(1 for row in known if row.status in ("answered", "closed"))
    report.overdue = sum(1 for row in known if row.overdue)
    report.unknown = sum(1 for row in (*month, *report.carried) if not row.known)
    report.lag = _lag_rows(session, actor, params, settings, items)
    return report


def _tally(keys, values) -> dict[str, int]:
    counted = Counter(values)
    return {key: counted.get(key, 0) for key in keys}


def _lag_rows(session, actor, params, settings, items) -> dict[str, list[LagRow]]:
    """Each lag list's projects in scope, with the list's latest item for the project."""
    as_of = params.as_of
    allowed = set(
        session.scalars(select(Project.id).where(*_project_in_scope(session, actor, params)))
    )
    latest = {}
    for item in items:  # ordered by opened_on: the last one wins
        if item.source in LAG_SOURCES:
            latest[(item.source, item.project_id)] = item
    lists = lag_lists(session, as_of, settings)
    ids = {c.project_id for listed in lists.values() for c in listed if c.project_id in allowed}
    projects = {
        project.id: project
        for project in session.scalars(
            select(Project)
            .where(Project.id.in_(ids))
            .options(
                selectinload(Project.district),
                selectinload(Project.leader),
                selectinload(Project.owner_unit),
            )
        )
    }
    rows = {}
    for source in LAG_SOURCES:
        rows[source] = []
        for candidate in lists[source]:
            project = projects.get(candidate.project_id)
            if project is None:
                continue
            item = latest.get((source, project.id))
            state = state_on(item, as_of) if item is not None else None
            leader = project.leader
            rows[source].append(
                LagRow(
                    project_id=project.id,
                    project_name=project.name,
                    district_name=project.district.name if project.district else None,
                    leader_name=(leader.display_name or leader.name) if leader else None,
                    unit_name=project.owner_unit.name if project.owner_unit else None,
                    description=candidate.description,
                    item_id=item.id if item is not None else None,
                    deadline_on=state.deadline_on if state and state.known else None,
                    response=state.response if state and state.known else None,
                    status=state.status if state and state.known else None,
                )
            )
    return rows


# ---- JSON ----


def to_dict(report: MonthlyReport) -> dict:
    def shown(value):
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, dict):
            return {key: shown(item) for key, item in value.items()}
        if isinstance(value, list):
            return [shown(item) for item in value]
        return value

    return {
        "kind": "monthly",
        "as_of": report.as_of.isoformat(),
        "month": report.month_start.strftime("%Y-%m"),
        "scope": report.scope_label,
        "settings": asdict(report.settings),
        "opened_count": len(report.opened),
        "by_source": report.by_source,
        "cards": report.cards,
        "levels": report.levels,
        "answered": report.answered,
        "overdue": report.overdue,
        "unknown": report.unknown,
        "opened": [shown(asdict(row)) for row in report.opened],
        "carried": [shown(asdict(row)) for row in report.carried],
        "lag": {
            source: [shown(asdict(row)) for row in rows] for source, rows in report.lag.items()
        },
    }


# ---- .xlsx ----

THIN = Side(style="thin", color="999999")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="E8EEF7")
WRAP = Alignment(wrap_text=True, vertical="top")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _label(vocabulary, key) -> str:
    return vocabulary.label(key) if key else ""


def _item_cells(row: ItemRow) -> list:
    unknown = _("历史记录不足") if not row.known else None
    return [
        row.id,
        _label(SUPERVISION_SOURCE, row.source),
        row.project_name or "",
        row.district_name or "",
        row.leader_name or "",
        row.unit_name or "",
        row.description,
        row.opened_on,
        row.deadline_on,
        unknown or _label(SUPERVISION_STATUS, row.status),
        unknown or _label(SUPERVISION_CARD, row.card),
        unknown or _label(SUPERVISION_LEVEL, row.level),
        row.response or "",
        (_("是") if row.overdue else _("否")) if row.known else unknown,
    ]


def _sheet(workbook, title: str, heading: str, headers: list[str], widths, rows) -> None:
    sheet = workbook.create_sheet(title)
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:2"
    last = get_column_letter(len(headers))
    sheet.merge_cells(f"A1:{last}1")
    sheet["A1"] = protect_text(heading)
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = CENTER
    sheet.row_dimensions[1].height = 28
    for column, (header, width) in enumerate(zip(headers, widths, strict=True), start=1):
        cell = sheet.cell(row=2, column=column, value=header)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = CENTER
        cell.border = BORDER
        sheet.column_dimensions[get_column_letter(column)].width = width
    for number, values in enumerate(rows, start=3):
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(
                row=number,
                column=column,
                value=protect_text(value) if isinstance(value, str) else value,
            )
            cell.alignment = WRAP
            cell.border = BORDER
            if isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A3"


def to_xlsx(report: MonthlyReport) -> bytes:
    workbook = new_workbook()
    month = _("%(year)d年%(month)d月", year=report.as_of.year, month=report.as_of.month)
    heading = _("%(month)s督办情况（%(scope)s，截至 %(day)s）",
                month=month, scope=report.scope_label, day=report.as_of.isoformat())  # fmt: skip
    summary = [
        (_("本月督办事项"), len(report.opened)),
        *((_("来源：") + _label(SUPERVISION_SOURCE, key), n) for key, n in report.by_source.items()),
        *((_("警示：") + _label(SUPERVISION_CARD, key), n) for key, n in report.cards.items()),
        *((_("层级：") + _label(SUPERVISION_LEVEL, key), n) for key, n in report.levels.items()),
        (_("已反馈或销号"), report.answered),
        (_("逾期未反馈"), report.overdue),
        (_("往月未销号"), len(report.carried)),
        (_("历史记录不足、无法判断状态"), report.unknown),
        *((_("三未：") + _label(SUPERVISION_SOURCE, key), len(rows)) for key, rows in report.lag.items()),
    ]  # fmt: skip
    _sheet(workbook, _("汇总"), heading, [_("项目"), _("数量（件）")], [36, 14],
           [(str(name), count) for name, count in summary])  # fmt: skip
    item_headers = [
        _("编号"), _("来源"), _("项目"), _("区县"), _("责任领导"), _("责任单位"), _("督办事项"),
        _("督办日期"), _("办理期限"), _("状态"), _("警示"), _("督办层级"), _("反馈"), _("逾期"),
    ]  # fmt: skip
    item_widths = [7, 12, 24, 10, 10, 16, 40, 12, 12, 9, 8, 11, 36, 7]
    _sheet(workbook, _("本月督办"), heading, item_headers, item_widths,
           [_item_cells(row) for row in report.opened])  # fmt: skip
    _sheet(workbook, _("往月未销号"), heading, item_headers, item_widths,
           [_item_cells(row) for row in report.carried])  # fmt: skip
    lag_headers = [_("项目"), _("区县"), _("责任领导"), _("责任单位"), _("情况"),
                   _("办理期限"), _("状态"), _("反馈")]  # fmt: skip
    for source, rows in report.lag.items():
        name = _label(SUPERVISION_SOURCE, source)
        _sheet(
            workbook,
            name,
            f"{name}（{report.scope_label}，{_('截至')} {report.as_of.isoformat()}）",
            lag_headers,
            [26, 10, 10, 16, 34, 12, 9, 36],
            [
                [
                    row.project_name,
                    row.district_name or "",
                    row.leader_name or "",
                    row.unit_name or "",
                    row.description,
                    row.deadline_on,
                    _label(SUPERVISION_STATUS, row.status) if row.status else _("未督办"),
                    row.response or "",
                ]
                for row in rows
            ],
        )
    return workbook_bytes(workbook)


KIND = ReportKind(
    key="monthly",
    title=_l("月督办"),
    build=build,
    to_dict=to_dict,
    to_xlsx=to_xlsx,
    template="reports/monthly.html",
)
