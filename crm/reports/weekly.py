"""周调度: the weekly dispatch sheet.

For the week (Monday to Sunday) holding `as_of` and a scope, the sheet lists the projects of at
least WEEKLY_MIN_INVESTMENT_WAN (default 3,000万元) total investment with their figures, and the
week's new leads, stage moves, the milestones due next week and those overdue. Everything is
read as the data stood at the end of `as_of` (crm.services.as_of):

- a project is listed if it existed then (created before, not yet deleted), and its name, total
  investment, this year's plan, leader, owner unit and district are the values it had then: the
  current ones, unless the audit trail shows a change since, whose old value it was;
- progress entries count if entered by then, with their values of then (audit again);
- this period = the weekly entries of the week; cumulative = the cumulative figure of the latest
  entry (weekly or monthly) that starts on or before `as_of`; 形象进度 from that entry too;
- progress against schedule: this year's completed investment (the year's weekly entries, or
  its monthly ones for a project that reports monthly) against the share of this year's plan
  that the elapsed days of the year call for: (completed − plan × days elapsed ÷ days in
  year) ÷ (plan × days elapsed ÷ days in year), in per cent; positive is ahead;
- problems needing coordination: those raised by then and not solved as of then;
- milestones of the listed projects: done means status 已完成 as of then; due next week =
  planned in the following Monday–Sunday and not done; overdue = planned before `as_of` and
  not done;
- new leads (registered in the week up to `as_of`) and stage moves (of leads and of every
  project in scope, whatever its size) are the week's events.

Where the history cannot say (an audited old value that is empty or unreadable, records
deleted since), the sheet says so in `unknown` per row or `caveats` for the whole sheet.

An issued sheet (crm.services.weekly_sheets) is the frozen copy: build() answers it for its week
and scope, whatever the data says now."""

from collections import defaultdict
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from flask import current_app, has_app_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, false, func, or_, select
from sqlalchemy.orm import Session

from crm.models import (
    District,
    Lead,
    Milestone,
    Project,
    ProjectProblem,
    ProjectProgress,
    StageChange,
    Unit,
    User,
)
from crm.reports import ReportKind, ReportParams, ReportScope, check_scope
from crm.services.as_of import day_end, deleted_since, stage_on, values_before
from crm.services.scope import CITY, NONE, district_subtree_ids, scope_of, unit_subtree_ids

MIN_INVESTMENT_WAN = Decimal(3000)  # config WEEKLY_MIN_INVESTMENT_WAN
HUNDRED = Decimal(100)
PROJECT_FIELDS = (
    "name",
    "total_investment_wan",
    "planned_investment_this_year_wan",
    "leader_id",
    "owner_unit_id",
    "district_id",
)
# Fields whose as-of value decides whether or how the row is listed: unknown means "cannot say".
REQUIRED_FIELDS = {"name", "total_investment_wan", "leader_id"}
PROGRESS_FIELDS = ("investment_period_wan", "investment_cumulative_wan", "image_progress")
FIELD_LABELS = {
    "name": _l("项目名称"),
    "total_investment_wan": _l("总投资"),
    "planned_investment_this_year_wan": _l("年度计划"),
    "leader_id": _l("责任领导"),
    "owner_unit_id": _l("责任单位"),
    "district_id": _l("区县"),
    "investment_period_wan": _l("本期完成"),
    "investment_cumulative_wan": _l("累计完成"),
    "image_progress": _l("形象进度"),
}


def min_investment_wan() -> Decimal:
    if has_app_context():
        return Decimal(str(current_app.config.get("WEEKLY_MIN_INVESTMENT_WAN", MIN_INVESTMENT_WAN)))
    return MIN_INVESTMENT_WAN


def week_of(day: date) -> tuple[date, date]:
    """The Monday and Sunday of the week holding `day`."""
    start = day - timedelta(days=day.weekday())
    return start, start + timedelta(days=6)


# ---- the sheet ----


@dataclass
class SheetRow:
    project_id: int
    name: str
    stage: str | None
    district: str
    total_investment_wan: Decimal | None
    planned_this_year_wan: Decimal | None
    completed_period_wan: Decimal
    cumulative_wan: Decimal | None
    completed_this_year_wan: Decimal
    schedule_pct: Decimal | None  # ahead (+) or behind (−) schedule, per cent; None: no plan
    image_progress: str
    problems: list[str]
    leader: str
    unit: str
    note: str = ""
    note_version: int | None = None
    unknown: list[str] = field(default_factory=list)  # fields the history cannot say


@dataclass
class LeadLine:
    lead_id: int
    name: str
    stage: str | None
    intended_investment_wan: Decimal | None
    unit: str
    created_on: date


@dataclass
class StageMove:
    subject: str  # lead or project
    record_id: int
    name: str
    from_stage: str | None
    to_stage: str
    changed_on: date


@dataclass
class MilestoneLine:
    project_id: int
    project: str
    milestone: str
    planned_on: date
    days_overdue: int = 0


@dataclass
class WeeklyReport:
    as_of: date
    week_start: date
    week_end: date
    scope: str
    scope_label: str
    min_investment_wan: Decimal
    rows: list[SheetRow]
    new_leads: list[LeadLine]
    stage_moves: list[StageMove]
    due_next_week: list[MilestoneLine]
    overdue: list[MilestoneLine]
    caveats: list[str] = field(default_factory=list)
    sheet_id: int | None = None  # the draft or issued sheet holding the notes
    sheet_version: int | None = None
    issued_at: datetime | None = None
    issued_by: str | None = None

    @property
    def issued(self) -> bool:
        return self.issued_at is not None

    @property
    def totals(self) -> dict:
        return {
            key: sum((getattr(row, key) or Decimal(0) for row in self.rows), Decimal(0))
            for key in (
                "total_investment_wan",
                "planned_this_year_wan",
                "completed_period_wan",
                "cumulative_wan",
            )
        }


def build(session: Session, actor, params: ReportParams) -> WeeklyReport:
    check_scope(session, actor, params.scope)
    from crm.services import weekly_sheets  # the sheets read this module's to_dict

    week_start, _week_end = week_of(params.as_of)
    sheet = weekly_sheets.sheet_for(session, week_start, params.scope)
    if sheet is not None and sheet.issued_at is not None:
        return weekly_sheets.issued_report(sheet)
    report = compute(session, actor, params)
    if sheet is not None:
        weekly_sheets.attach_notes(session, report, sheet)
    return report


def compute(session: Session, actor, params: ReportParams) -> WeeklyReport:
    """The sheet from the data as of `params.as_of`, without notes (build adds them)."""
    as_of = params.as_of
    week_start, week_end = week_of(as_of)
    end = day_end(as_of)
    threshold = min_investment_wan()
    caveats: list[str] = []

    projects = _projects_as_of(session, actor, end, as_of)
    in_scope = _scope_filter(session, params.scope)
    listed, seen_ids = [], set()
    for project in projects.values():
        if not in_scope(project):
            continue
        seen_ids.add(project["id"])
        total = project["total_investment_wan"]
        if total is None or total >= threshold:  # unknown size: listed, and said so
            listed.append(project)
    listed_ids = {project["id"] for project in listed}
    names = _names(session, listed)
    progress = _progress(session, listed_ids, as_of, end, week_start)
    problems = _open_problems(session, listed_ids, end)
    due, overdue = _milestones(session, projects, listed_ids, as_of, end)

    rows = []
    for project in listed:
        mine = progress.get(project["id"], {})
        completed_year = mine.get("year", Decimal(0))
        plan = project["planned_investment_this_year_wan"]
        rows.append(
            SheetRow(
                project_id=project["id"],
                name=project["name"] or "",
                stage=project["stage"],
                district=names["district"].get(project["district_id"], ""),
                total_investment_wan=project["total_investment_wan"],
                planned_this_year_wan=plan,
                completed_period_wan=mine.get("week", Decimal(0)),
                cumulative_wan=mine.get("cumulative"),
                completed_this_year_wan=completed_year,
                schedule_pct=schedule_pct(plan, completed_year, as_of),
                image_progress=mine.get("image") or "",
                problems=problems.get(project["id"], []),
                leader=names["leader"].get(project["leader_id"], ""),
                unit=names["unit"].get(project["owner_unit_id"], ""),
                unknown=sorted(set(project["unknown"]) | set(mine.get("unknown", ()))),
            )
        )
    rows.sort(key=lambda row: (-(row.total_investment_wan or Decimal(0)), row.project_id))

    gone = deleted_since(
        session, ("projects", "project_progress", "project_problems", "milestones"), end
    )
    if gone:
        caveats.append(
            _(
                "该日之后有 %(count)d 条项目、进度、问题或节点记录被删除，本表无法还原它们。",
                count=gone,
            )
        )
    if any(row.unknown for row in rows):
        caveats.append(_("标“无法确定”的数值：历史记录无法说明其在该日的取值。"))

    return WeeklyReport(
        as_of=as_of,
        week_start=week_start,
        week_end=week_end,
        scope=str(params.scope),
        scope_label=str(params.scope.label),
        min_investment_wan=threshold,
        rows=rows,
        new_leads=_new_leads(session, actor, params.scope, week_start, as_of),
        stage_moves=_stage_moves(session, projects, seen_ids, actor, params.scope, week_start, end),
        due_next_week=due,
        overdue=overdue,
        caveats=caveats,
    )


def schedule_pct(plan: Decimal | None, completed: Decimal, as_of: date) -> Decimal | None:
    """Ahead (+) or behind (−) the year's plan pro rata to the elapsed days, in per cent; None
    without a plan (nothing to measure against)."""
    if not plan:
        return None
    year_start = date(as_of.year, 1, 1)
    days_in_year = (date(as_of.year + 1, 1, 1) - year_start).days
    due = plan * Decimal((as_of - year_start).days + 1) / Decimal(days_in_year)
    return ((completed - due) / due * HUNDRED).quantize(Decimal("0.1"))


# ---- reading as of the day ----


def _parsed(field_name: str, text: str | None):
    """An audited old value back in its column's type; ValueError when it cannot be read."""
    if text is None:
        return None
    if field_name.endswith("_wan"):
        try:
            return Decimal(text)
        except InvalidOperation as error:
            raise ValueError(text) from error
    if field_name.endswith("_id"):
        return int(text)
    return text


def _overlay(values: dict, record_id: int, before: dict, fields, required=()) -> list[str]:
    """Replace `values` by those the audit trail says the record had; the fields it cannot say
    (an unreadable or empty old value where one is required) are returned."""
    unknown = []
    for name in fields:
        if (record_id, name) not in before:
            continue
        try:
            values[name] = _parsed(name, before[(record_id, name)])
        except ValueError:
            values[name] = None
            unknown.append(name)
            continue
        if values[name] is None and name in required:
            unknown.append(name)
    return unknown


def _projects_as_of(session: Session, actor, end: datetime, as_of: date) -> dict[int, dict]:
    """Every project that existed at `end` and the actor may read, with its fields as of then."""
    statement = select(
        Project.id,
        *(getattr(Project, name) for name in PROJECT_FIELDS),
        stage_on(Project, StageChange.project_id, as_of).label("stage"),
    ).where(
        Project.created_at < end,
        or_(Project.deleted_at.is_(None), Project.deleted_at >= end),
    )
    mine = scope_of(session, actor) if actor is not None else None
    if mine is not None and mine.kind == NONE:
        statement = statement.where(false())
    elif mine is not None and mine.kind != CITY:
        statement = statement.where(Project.owner_unit_id.in_(mine.unit_ids))
    result = _result(session, statement)
    keys = list(result.keys())
    projects = {row[0]: dict(zip(keys, row, strict=True)) | {"unknown": []} for row in result.all()}
    before = values_before(session, "projects", PROJECT_FIELDS, end)
    for project_id, _field in before:
        if project_id in projects:
            project = projects[project_id]
            project["unknown"] = _overlay(
                project, project_id, before, PROJECT_FIELDS, REQUIRED_FIELDS
            )
    return projects


def _scope_filter(session: Session, scope: ReportScope):
    """A test of a project (as of the day) against the report's scope."""
    if scope.kind == "district":
        districts = district_subtree_ids(session, scope.id)
        return lambda project: project["district_id"] in districts
    if scope.kind == "unit":
        units = unit_subtree_ids(session, scope.id)
        return lambda project: project["owner_unit_id"] in units
    if scope.kind == "leader":
        return lambda project: project["leader_id"] == scope.id
    return lambda project: True


def _names(session: Session, projects: list[dict]) -> dict[str, dict]:
    leaders = {p["leader_id"] for p in projects} - {None}
    units = {p["owner_unit_id"] for p in projects} - {None}
    districts = {p["district_id"] for p in projects} - {None}
    return {
        "leader": {
            row.id: row.display_name or row.name
            for row in _plain(
                session, select(User.id, User.display_name, User.name).where(User.id.in_(leaders))
            )
        },
        "unit": dict(_plain(session, select(Unit.id, Unit.name).where(Unit.id.in_(units)))),
        "district": dict(
            _plain(session, select(District.id, District.name).where(District.id.in_(districts)))
        ),
    }


def _result(session: Session, statement):
    """The statement's result without the ORM's per-row loading (thousands of rows here);
    pending changes are flushed first, as session.execute would."""
    if session.autoflush:
        session.flush()
    return session.connection().execute(statement)


def _plain(session: Session, statement) -> list:
    """The statement's rows, fetched at once (iterating a Core result fetches row by row)."""
    return _result(session, statement).all()


def _rows(session: Session, statement) -> list[dict]:
    result = _result(session, statement)
    keys = list(result.keys())
    return [dict(zip(keys, row, strict=True)) for row in result.all()]


def _progress(
    session: Session, project_ids: set[int], as_of: date, end: datetime, week_start: date
) -> dict[int, dict]:
    """Per project: this week's completed investment, this year's, the latest cumulative figure
    and 形象进度, from the entries known at `end` with their values of then.

    The sums of entries unchanged since are the database's (GROUP BY); the few entries changed
    since are read one by one with their audited values of then and added in. The listed
    projects are picked in Python: an IN list of thousands of ids costs more than the rows."""
    if not project_ids:
        return {}
    year_start = date(as_of.year, 1, 1)
    first = min(year_start, week_start)
    entry = ProjectProgress
    known = and_(entry.created_at < end, entry.period_start_on <= as_of)
    in_week = and_(entry.period == "week", entry.period_start_on >= week_start)
    zero = Decimal(0)
    result: dict[int, dict] = defaultdict(lambda: {"week": zero, "unknown": []})
    year_by_period: dict[tuple[int, str], Decimal] = defaultdict(Decimal)

    def count(project_id, period, start, amount):
        if period == "week" and start >= week_start:
            result[project_id]["week"] += amount
        if start >= year_start:
            year_by_period[(project_id, period)] += amount

    sums = (
        select(
            entry.project_id,
            entry.period,
            func.sum(case((entry.period_start_on >= year_start, entry.investment_period_wan),
                          else_=zero)),
            func.sum(case((in_week, entry.investment_period_wan), else_=zero)),
        )
        .where(known, entry.updated_at < end, entry.period_start_on >= first)
        .group_by(entry.project_id, entry.period)
    )  # fmt: skip
    for project_id, period, year, week in _plain(session, sums):
        if project_id in project_ids:
            result[project_id]["week"] += week or zero
            year_by_period[(project_id, period)] += year or zero

    columns = (
        entry.id,
        entry.project_id,
        entry.period,
        entry.period_start_on,
        entry.updated_at,
        *(getattr(entry, name) for name in PROGRESS_FIELDS),
    )
    # The latest entry of each project (the cumulative figure and 形象进度), and the entries
    # changed since the day, whose values of then the audit trail holds.
    newest = (
        select(entry.project_id, func.max(entry.period_start_on).label("on"))
        .where(known)
        .group_by(entry.project_id)
        .subquery()
    )
    latest: dict[int, dict] = {}
    statement = select(*columns).join(
        newest,
        and_(newest.c.project_id == entry.project_id, newest.c.on == entry.period_start_on),
    )
    for row in _rows(session, statement.where(known)):
        kept = latest.get(row["project_id"])
        if row["project_id"] in project_ids and (kept is None or row["id"] > kept["id"]):
            latest[row["project_id"]] = row
    changed = [
        row
        for row in _rows(
            session,
            select(*columns).where(known, entry.updated_at >= end, entry.period_start_on >= first),
        )
        if row["project_id"] in project_ids
    ]
    stale = [row["id"] for row in (*changed, *latest.values()) if row["updated_at"] >= end]
    before = (
        values_before(session, "project_progress", PROGRESS_FIELDS, end, stale) if stale else {}
    )
    for row in changed:
        unknown = _overlay(row, row["id"], before, PROGRESS_FIELDS)
        if unknown:
            result[row["project_id"]]["unknown"] += unknown
        count(
            row["project_id"], row["period"], row["period_start_on"],
            row["investment_period_wan"] or zero,
        )  # fmt: skip
    for project_id, row in latest.items():
        mine = result[project_id]
        if row["updated_at"] >= end:
            unknown = _overlay(row, row["id"], before, PROGRESS_FIELDS)
            mine["unknown"] = sorted(set(mine["unknown"]) | set(unknown))
        mine["cumulative"] = row["investment_cumulative_wan"]
        mine["image"] = row["image_progress"]
    for project_id in list(result):
        mine = result[project_id]
        weekly = year_by_period.get((project_id, "week"))
        mine["year"] = (
            weekly if weekly is not None else year_by_period.get((project_id, "month"), zero)
        )
    return result


def _open_problems(session: Session, project_ids: set[int], end: datetime) -> dict[int, list]:
    """The problems raised by `end` and not solved as of then, per project: those solved now
    and unchanged since were solved then too."""
    if not project_ids:
        return {}
    rows = [
        row
        for row in _plain(
            session,
            select(
                ProjectProblem.id,
                ProjectProblem.project_id,
                ProjectProblem.description,
                ProjectProblem.status,
                ProjectProblem.updated_at,
            )
            .where(
                ProjectProblem.created_at < end,
                or_(ProjectProblem.status != "solved", ProjectProblem.updated_at >= end),
            )
            .order_by(ProjectProblem.id),
        )
        if row.project_id in project_ids
    ]
    changed = [row.id for row in rows if row.updated_at >= end]
    before = (
        values_before(session, "project_problems", ("status", "description"), end, changed)
        if changed
        else {}
    )
    found: dict[int, list] = defaultdict(list)
    for row in rows:
        status = before.get((row.id, "status"), row.status)
        if status != "solved":
            found[row.project_id].append(before.get((row.id, "description"), row.description))
    return found


def _lead_scope(session: Session, actor, scope: ReportScope):
    """Conditions on Lead for the actor's and the report's scope (leads have no leader: a
    leader's sheet lists none)."""
    conditions = []
    mine = scope_of(session, actor) if actor is not None else None
    if mine is not None and mine.kind == NONE:
        return [false()]
    if mine is not None and mine.kind != CITY:
        conditions.append(Lead.owner_unit_id.in_(mine.unit_ids))
    if scope.kind == "district":
        conditions.append(Lead.district_id.in_(district_subtree_ids(session, scope.id)))
    elif scope.kind == "unit":
        conditions.append(Lead.owner_unit_id.in_(unit_subtree_ids(session, scope.id)))
    elif scope.kind == "leader":
        conditions.append(false())
    return conditions


def _new_leads(session, actor, scope, week_start: date, as_of: date) -> list[LeadLine]:
    start, end = datetime.combine(week_start, datetime.min.time()), day_end(as_of)
    statement = (
        select(
            Lead.id,
            Lead.name,
            stage_on(Lead, StageChange.lead_id, as_of).label("stage"),
            Lead.intended_investment_wan,
            Unit.name.label("unit"),
            Lead.created_at,
        )
        .outerjoin(Unit, Unit.id == Lead.owner_unit_id)
        .where(
            Lead.created_at >= start,
            Lead.created_at < end,
            or_(Lead.deleted_at.is_(None), Lead.deleted_at >= end),
            *_lead_scope(session, actor, scope),
        )
        .order_by(Lead.created_at, Lead.id)
    )
    return [
        LeadLine(
            row.id, row.name, row.stage, row.intended_investment_wan, row.unit or "",
            row.created_at.date(),
        )
        for row in _plain(session, statement)
    ]  # fmt: skip


def _stage_moves(session, projects, project_ids, actor, scope, week_start, end) -> list[StageMove]:
    """The week's stage changes of the listed scope's projects (any size) and leads."""
    start = datetime.combine(week_start, datetime.min.time())
    in_week = and_(StageChange.changed_at >= start, StageChange.changed_at < end)
    moves = []
    if project_ids:
        statement = (
            select(
                StageChange.project_id,
                StageChange.from_stage,
                StageChange.to_stage,
                StageChange.changed_at,
            )
            .where(in_week, StageChange.project_id.is_not(None))
            .order_by(StageChange.changed_at, StageChange.id)
        )
        for change in _plain(session, statement):
            if change.project_id not in project_ids:
                continue
            moves.append(
                StageMove(
                    "project", change.project_id, projects[change.project_id]["name"] or "",
                    change.from_stage, change.to_stage, change.changed_at.date(),
                )
            )  # fmt: skip
    statement = (
        select(
            StageChange.lead_id,
            StageChange.from_stage,
            StageChange.to_stage,
            StageChange.changed_at,
            Lead.name,
        )
        .join(Lead, Lead.id == StageChange.lead_id)
        .where(in_week, or_(Lead.deleted_at.is_(None), Lead.deleted_at >= end))
        .where(*_lead_scope(session, actor, scope))
        .order_by(StageChange.changed_at, StageChange.id)
    )
    for change in _plain(session, statement):
        moves.append(
            StageMove(
                "lead", change.lead_id, change.name, change.from_stage, change.to_stage,
                change.changed_at.date(),
            )
        )  # fmt: skip
    moves.sort(key=lambda move: (move.changed_on, move.subject, move.record_id))
    return moves


def _milestones(session, projects, project_ids, as_of: date, end: datetime) -> tuple[list, list]:
    """The listed projects' milestones not done as of the day: (due next week, overdue, that is
    planned before the day). Those done now, or planned after next week, and unchanged since
    were so then too: SQL leaves them out."""
    if not project_ids:
        return [], []
    _start, week_end = week_of(as_of)
    next_end = week_end + timedelta(days=7)
    rows = [
        row
        for row in _plain(
            session,
            select(
                Milestone.id,
                Milestone.project_id,
                Milestone.name,
                Milestone.planned_on,
                Milestone.status,
                Milestone.updated_at,
            )
            .where(
                Milestone.created_at < end,
                or_(Milestone.status != "done", Milestone.updated_at >= end),
                or_(Milestone.planned_on <= next_end, Milestone.updated_at >= end),
            )
            .order_by(Milestone.planned_on, Milestone.id),
        )
        if row.project_id in project_ids
    ]
    changed = [row.id for row in rows if row.updated_at >= end]
    fields = ("status", "planned_on", "name")
    before = values_before(session, "milestones", fields, end, changed) if changed else {}
    due, overdue = [], []
    for row in rows:
        status = before.get((row.id, "status"), row.status)
        planned = before.get((row.id, "planned_on"))
        planned = date.fromisoformat(planned) if planned else row.planned_on
        if status == "done":
            continue
        name = before.get((row.id, "name"), row.name)
        project = projects[row.project_id]["name"] or ""
        if week_end < planned <= next_end:
            due.append(MilestoneLine(row.project_id, project, name, planned))
        elif planned < as_of:
            overdue.append(
                MilestoneLine(row.project_id, project, name, planned, (as_of - planned).days)
            )
    for lines in (due, overdue):
        lines.sort(key=lambda line: (line.planned_on, line.project_id))
    return due, overdue


# ---- as JSON, and back (an issued sheet is kept as JSON) ----


def _json_value(value):
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, list):
        return [_json_value(item) for item in value]
    if isinstance(value, dict):
        return {key: _json_value(item) for key, item in value.items()}
    return value


ROW_FIELDS = [item.name for item in fields(SheetRow) if item.name != "note_version"]


def _decimal_json(value: Decimal | None) -> str | None:
    """_json_value of a Decimal or None (anything else as _json_value has it)."""
    if not isinstance(value, Decimal):
        return _json_value(value)
    return format(value.normalize(), "f") if value == value.to_integral() else str(value)


def _iso_json(value: date | None) -> str | None:
    return value.isoformat() if isinstance(value, (date, datetime)) else _json_value(value)


def _converters(cls, names=None) -> list[tuple[str, object]]:
    """(field, function giving its _json_value) of a dataclass's fields, by their declared
    types: a per-value type dispatch costs more than the rest of the JSON for a city's
    thousands of rows and milestones."""
    declared = {item.name: str(item.type) for item in fields(cls)}
    converters = []
    for name in names or declared:
        kind = declared[name]
        if "Decimal" in kind:
            converters.append((name, _decimal_json))
        elif "date" in kind:
            converters.append((name, _iso_json))
        elif kind.startswith("list"):
            converters.append((name, _json_value))
        else:
            converters.append((name, None))
    return converters


_ROW_JSON = _converters(SheetRow, ROW_FIELDS)
_LINE_JSON = {cls: _converters(cls) for cls in (LeadLine, StageMove, MilestoneLine)}


def _as_json(item, converters) -> dict:
    values = item.__dict__
    return {
        name: values[name] if convert is None else convert(values[name])
        for name, convert in converters
    }


def to_dict(report: WeeklyReport) -> dict:
    """The report as JSON: money and per cents as decimal strings, days as ISO dates. The rows
    are converted field by field (dataclasses.asdict deep-copies, too slow for thousands)."""
    data = {
        "kind": "weekly",
        **{
            key: _json_value(getattr(report, key))
            for key in ("as_of", "week_start", "week_end", "scope", "scope_label",
                        "min_investment_wan", "caveats", "sheet_id", "issued_at", "issued_by")
        },
        "issued": report.issued,
        "rows": [_as_json(row, _ROW_JSON) for row in report.rows],
        "totals": _json_value(report.totals),
    }  # fmt: skip
    for key in ("new_leads", "stage_moves", "due_next_week", "overdue"):
        data[key] = [_as_json(line, _LINE_JSON[type(line)]) for line in getattr(report, key)]
    return data


def _decimal(text):
    return Decimal(text) if text is not None else None


def from_dict(data: dict) -> WeeklyReport:
    """The report an issued sheet's JSON holds (the inverse of to_dict)."""
    rows = [
        SheetRow(
            **{
                **row,
                **{
                    key: _decimal(row[key])
                    for key in (
                        "total_investment_wan",
                        "planned_this_year_wan",
                        "completed_period_wan",
                        "cumulative_wan",
                        "completed_this_year_wan",
                        "schedule_pct",
                    )
                },
            }
        )
        for row in data["rows"]
    ]
    leads = [
        LeadLine(**{**line, "intended_investment_wan": _decimal(line["intended_investment_wan"]),
                    "created_on": date.fromisoformat(line["created_on"])})
        for line in data["new_leads"]
    ]  # fmt: skip
    moves = [
        StageMove(**{**move, "changed_on": date.fromisoformat(move["changed_on"])})
        for move in data["stage_moves"]
    ]

    def milestones(lines):
        return [
            MilestoneLine(**{**line, "planned_on": date.fromisoformat(line["planned_on"])})
            for line in lines
        ]

    return WeeklyReport(
        as_of=date.fromisoformat(data["as_of"]),
        week_start=date.fromisoformat(data["week_start"]),
        week_end=date.fromisoformat(data["week_end"]),
        scope=data["scope"],
        scope_label=data["scope_label"],
        min_investment_wan=Decimal(data["min_investment_wan"]),
        rows=rows,
        new_leads=leads,
        stage_moves=moves,
        due_next_week=milestones(data["due_next_week"]),
        overdue=milestones(data["overdue"]),
        caveats=list(data["caveats"]),
        sheet_id=data.get("sheet_id"),
        issued_at=datetime.fromisoformat(data["issued_at"]) if data.get("issued_at") else None,
        issued_by=data.get("issued_by"),
    )


def to_xlsx(report: WeeklyReport) -> bytes:
    from crm.reports.weekly_xlsx import workbook_bytes

    return workbook_bytes(report)


KIND = ReportKind(
    key="weekly",
    title=_l("周调度"),
    build=build,
    to_dict=to_dict,
    to_xlsx=to_xlsx,
    template="reports/weekly.html",
)
