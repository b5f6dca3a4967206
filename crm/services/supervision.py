"""月督办: supervision items, made each month from what is overdue or stalled, assigned to the
project's responsible leader with a deadline, answered by them, closed (销号), re-opened or
escalated by staff.

Where items come from (`generate`, for the day `as_of`):
- overdue milestones: planned before the day, not done by it;
- overdue problems and service requests (企业诉求): deadline before the day, not solved or
  answered (their status is today's: neither keeps a dated status history);
- stalled projects: not yet in effect, and no progress entry, stage change, milestone done or
  funds arrival for `stalled_days` (nor signed in that time);
- the 三未 lag lists, from the stage the project had on the day (the stage log):
  立项未开工: still in the reserve pool `not_started_days` after signing; 开工未建设: started
  `not_building_days` ago with no investment entered since; 建设未竣工: under construction
  `not_completed_days` after starting.

Generation is idempotent: a record with an item not yet closed, or one opened in the same
month, gets no other.

Cards (黄牌, 红牌): an item made because its record is overdue (a milestone, problem or service
request past its date) is that record's first lapse, and opens with a yellow card; a stalled or
lagging project's item opens with none. Each time an open item's own deadline passes unanswered
(`sweep_cards`) it is overdue again: the card goes one step up (none → yellow → red), and a
re-opened item that passes its new deadline goes to red at once. The card escalates the item
with it, one level a lapse: unit → joint meeting (联席会议) → city government (市政府); staff may
also escalate by hand, with a reason.

Every change leaves a SupervisionEvent with the item's state after it and the city's day it
counts on, so the monthly report reads an item as of any day (`state_on`)."""

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import date, timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from crm.clock import city_today
from crm.models import (
    District,
    Enterprise,
    FundsArrival,
    Milestone,
    Project,
    ProjectProblem,
    ProjectProgress,
    ServiceRequest,
    StageChange,
    SupervisionEvent,
    SupervisionItem,
    Unit,
    User,
)
from crm.models.base import utcnow
from crm.permissions import has_right
from crm.schemas.supervision import SUPERVISION, SupervisionFilters
from crm.services import records
from crm.services.as_of import stage_on
from crm.services.errors import Forbidden, NotFound, ValidationError
from crm.services.scope import CITY, NONE, scope_of
from crm.services.service_requests import OPEN_STATUSES as OPEN_REQUEST_STATUSES
from crm.vocabulary import PROJECT_STAGE, SUPERVISION_LEVEL

CITY_LOCALE = "zh_Hans_CN"
READ = "project.read"
ANSWER = "supervision.answer"  # the assignee (an official) answers
MANAGE = "supervision.manage"  # staff generate, close, re-open and escalate
LEVELS = SUPERVISION_LEVEL.keys
# Their record is already late when the item is made: the item opens with a yellow card.
OVERDUE_SOURCES = ("overdue_milestone", "problem", "service_request")
RESERVE_STAGES = tuple(term.key for term in PROJECT_STAGE if term.pool == "reserve")
BUILDING_STAGES = ("newly_started", "under_construction")
IN_EFFECT_STAGES = tuple(term.key for term in PROJECT_STAGE if term.pool == "in_effect")


class SupervisionSettingsError(ValueError):
    """A SUPERVISION setting that is unknown or not a positive whole number of days."""


@dataclass(frozen=True)
class SupervisionSettings:
    """The rules' numbers, in days. An operator overrides any of them in the instance
    configuration as SUPERVISION = {"stalled_days": 45, ...}; app.py checks them at start."""

    # The answer is due this many days after the item is opened (or re-opened without a date).
    deadline_days: int = 15
    # 一月一督查: a project with no recorded step for a month is stalled.
    stalled_days: int = 30
    not_started_days: int = 90  # 立项未开工: signed this long ago, still not started
    not_building_days: int = 60  # 开工未建设: started this long ago, no investment entered
    not_completed_days: int = 730  # 建设未竣工: started this long ago, not completed

    @classmethod
    def from_config(cls, overrides: Mapping | None) -> "SupervisionSettings":
        if not overrides:
            return cls()
        known = {field.name for field in fields(cls)}
        for name, value in overrides.items():
            if name not in known:
                raise SupervisionSettingsError(f"SUPERVISION: unknown setting {name!r}")
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise SupervisionSettingsError(
                    f"SUPERVISION[{name!r}] must be a whole number of days, at least 1"
                )
        return replace(cls(), **overrides)


# ---- generation ----


@dataclass(frozen=True)
class Candidate:
    """Something that deserves an item: its source, record and whom it goes to."""

    source: str
    project_id: int | None
    description: str
    assignee_id: int | None
    assignee_unit_id: int | None
    milestone_id: int | None = None
    problem_id: int | None = None
    service_request_id: int | None = None

    @property
    def key(self) -> tuple:
        return (
            self.source,
            self.milestone_id or self.problem_id or self.service_request_id or self.project_id,
        )


@dataclass(frozen=True)
class Generated:
    created: list  # the new items
    kept: int  # candidates that already had an item
    carded: int  # items that got a card in the sweep


def _live_projects():
    return select(Project).where(Project.deleted_at.is_(None))


def overdue_milestones(session: Session, as_of: date) -> list[Candidate]:
    rows = session.execute(
        select(Milestone, Project)
        .join(Project, Project.id == Milestone.project_id)
        .where(
            Project.deleted_at.is_(None),
            Milestone.planned_on < as_of,
            or_(Milestone.actual_on.is_(None), Milestone.actual_on > as_of),
        )
        .order_by(Milestone.id)
    ).all()
    return [
        Candidate(
            "overdue_milestone",
            project.id,
            _(
                "节点“%(name)s”计划 %(day)s 完成，至今未完成，请说明原因和整改时限。",
                name=milestone.name,
                day=milestone.planned_on.isoformat(),
            ),
            project.leader_id,
            project.owner_unit_id,
            milestone_id=milestone.id,
        )
        for milestone, project in rows
    ]


def overdue_problems(session: Session, as_of: date) -> list[Candidate]:
    rows = session.execute(
        select(ProjectProblem, Project)
        .join(Project, Project.id == ProjectProblem.project_id)
        .where(
            Project.deleted_at.is_(None),
            ProjectProblem.deadline_on < as_of,
            ProjectProblem.status != "solved",
        )
        .order_by(ProjectProblem.id)
    ).all()
    return [
        Candidate(
            "problem",
            project.id,
            _(
                "问题“%(text)s”限期 %(day)s 解决，逾期未解决。",
                text=_clipped(problem.description),
                day=problem.deadline_on.isoformat(),
            ),
            project.leader_id,
            problem.responsible_unit_id or project.owner_unit_id,
            problem_id=problem.id,
        )
        for problem, project in rows
    ]


def overdue_service_requests(session: Session, as_of: date) -> list[Candidate]:
    """Overdue requests; the item goes to the leader of the enterprise's newest live project
    when it has one, and to the request's responsible unit."""
    newest_project = (
        select(Project.id)
        .where(Project.enterprise_id == Enterprise.id, Project.deleted_at.is_(None))
        .order_by(Project.id.desc())
        .limit(1)
        .correlate(Enterprise)
        .scalar_subquery()
    )
    rows = session.execute(
        select(ServiceRequest, Enterprise.name, newest_project.label("project_id"))
        .join(Enterprise, Enterprise.id == ServiceRequest.enterprise_id)
        .where(
            Enterprise.deleted_at.is_(None),
            ServiceRequest.deleted_at.is_(None),
            ServiceRequest.status.in_(OPEN_REQUEST_STATUSES),
            ServiceRequest.deadline_on < as_of,
        )
        .order_by(ServiceRequest.id)
    ).all()
    found = []
    for request, enterprise_name, project_id in rows:
        project = session.get(Project, project_id) if project_id else None
        found.append(
            Candidate(
                "service_request",
                project_id,
                _(
                    "%(enterprise)s的诉求“%(text)s”限期 %(day)s 办理，逾期未办结。",
                    enterprise=enterprise_name,
                    text=_clipped(request.request),
                    day=request.deadline_on.isoformat(),
                ),
                project.leader_id if project else None,
                request.responsible_unit_id or (project.owner_unit_id if project else None),
                service_request_id=request.id,
            )
        )
    return found


def _last_step_on(as_of: date):
    """SQL: the last day on or before `as_of` the project moved (progress, stage, milestone,
    funds), or its signing day: the greatest of the dated rows."""
    end = as_of + timedelta(days=1)
    steps = [
        select(func.max(ProjectProgress.period_start_on)).where(
            ProjectProgress.project_id == Project.id, ProjectProgress.period_start_on <= as_of
        ),
        select(func.max(func.date(StageChange.changed_at))).where(
            StageChange.project_id == Project.id, StageChange.changed_at < end
        ),
        select(func.max(Milestone.actual_on)).where(
            Milestone.project_id == Project.id, Milestone.actual_on <= as_of
        ),
        select(func.max(FundsArrival.arrived_on)).where(
            FundsArrival.project_id == Project.id, FundsArrival.arrived_on <= as_of
        ),
    ]
    return [step.correlate(Project).scalar_subquery() for step in steps]


def stalled_projects(session: Session, as_of: date, days: int) -> list[Candidate]:
    """Projects not in effect whose last recorded step (or signing) is `days` or more before
    `as_of`. Compared in Python: the steps are few per project and the dialects' GREATEST
    differs (SQLite's max() of NULLs is NULL)."""
    stage = stage_on(Project, StageChange.project_id, as_of)
    cutoff = as_of - timedelta(days=days)
    rows = session.execute(
        select(Project, *_last_step_on(as_of))
        .where(
            Project.deleted_at.is_(None),
            stage.not_in(IN_EFFECT_STAGES),  # NULL: the project was not there yet
            Project.signed_on <= cutoff,
        )
        .order_by(Project.id)
    ).all()
    found = []
    for project, *steps in rows:
        days_known = [_as_date(step) for step in steps if step is not None]
        last = max([project.signed_on, *days_known])
        if last > cutoff:
            continue
        found.append(
            Candidate(
                "stalled_project",
                project.id,
                _(
                    "项目自 %(day)s 以来已 %(days)d 天无进展（进度、阶段、节点、到位资金均无记录）。",
                    day=last.isoformat(),
                    days=(as_of - last).days,
                ),
                project.leader_id,
                project.owner_unit_id,
            )
        )
    return found


def _as_date(value) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def lag_lists(
    session: Session, as_of: date, settings: SupervisionSettings
) -> dict[str, list[Candidate]]:
    """The three 三未 lists for `as_of`, from the stage each project had on the day."""
    stage = stage_on(Project, StageChange.project_id, as_of)
    invested = exists().where(
        ProjectProgress.project_id == Project.id,
        ProjectProgress.investment_period_wan > 0,
        ProjectProgress.period_start_on >= Project.started_on,
        ProjectProgress.period_start_on <= as_of,
    )
    rules = {
        "not_started": (
            and_(
                stage.in_(RESERVE_STAGES),
                Project.signed_on <= as_of - timedelta(days=settings.not_started_days),
            ),
            lambda project: _("%(day)s 签约立项，至今未开工。", day=_day(project.signed_on)),
        ),
        "not_building": (
            and_(
                stage.in_(BUILDING_STAGES),
                Project.started_on <= as_of - timedelta(days=settings.not_building_days),
                ~invested,
            ),
            lambda project: _("%(day)s 开工，至今未录入完成投资。", day=_day(project.started_on)),
        ),
        "not_completed": (
            and_(
                stage.in_(BUILDING_STAGES),
                Project.started_on <= as_of - timedelta(days=settings.not_completed_days),
                or_(Project.completed_on.is_(None), Project.completed_on > as_of),
            ),
            lambda project: _("%(day)s 开工，至今未竣工。", day=_day(project.started_on)),
        ),
    }
    lists = {}
    for source, (condition, describe) in rules.items():
        projects = session.scalars(_live_projects().where(condition).order_by(Project.id))
        lists[source] = [
            Candidate(source, p.id, describe(p), p.leader_id, p.owner_unit_id) for p in projects
        ]
    return lists


def _day(value: date | None) -> str:
    return value.isoformat() if value else "—"


def _clipped(text: str, length: int = 60) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def candidates(session: Session, as_of: date, settings: SupervisionSettings) -> list[Candidate]:
    found = [
        *overdue_milestones(session, as_of),
        *overdue_problems(session, as_of),
        *overdue_service_requests(session, as_of),
        *stalled_projects(session, as_of, settings.stalled_days),
    ]
    for listed in lag_lists(session, as_of, settings).values():
        found.extend(listed)
    return found


def _record_column(source: str):
    return {
        "overdue_milestone": SupervisionItem.milestone_id,
        "problem": SupervisionItem.problem_id,
        "service_request": SupervisionItem.service_request_id,
    }.get(source, SupervisionItem.project_id)


def _held_keys(session: Session, as_of: date) -> set[tuple]:
    """The (source, record) keys that already have an item not closed, or one opened in the
    month of `as_of`: they get no other."""
    month_start = as_of.replace(day=1)
    rows = session.execute(
        select(
            SupervisionItem.source,
            SupervisionItem.milestone_id,
            SupervisionItem.problem_id,
            SupervisionItem.service_request_id,
            SupervisionItem.project_id,
        ).where(or_(SupervisionItem.status != "closed", SupervisionItem.opened_on >= month_start))
    ).all()
    return {(source, m or p or s or project) for source, m, p, s, project in rows}


def generate(
    session: Session, as_of: date, actor, settings: SupervisionSettings | None = None
) -> Generated:
    """The month's items for the day `as_of`: a new item for every candidate without one, and
    the cards of items whose deadline passed. Staff (or the system: actor None) only."""
    records.require(actor, MANAGE)
    settings = settings or SupervisionSettings()
    held = _held_keys(session, as_of)
    created, kept = [], 0
    # The descriptions are data everyone reads: in the city's language, whoever generates.
    with force_locale(CITY_LOCALE):
        found = candidates(session, as_of, settings)
    for candidate in found:
        if candidate.key in held:
            kept += 1
            continue
        held.add(candidate.key)
        item = SupervisionItem(
            source=candidate.source,
            project_id=candidate.project_id,
            milestone_id=candidate.milestone_id,
            problem_id=candidate.problem_id,
            service_request_id=candidate.service_request_id,
            description=candidate.description,
            assignee_id=candidate.assignee_id,
            assignee_unit_id=candidate.assignee_unit_id,
            opened_on=as_of,
            deadline_on=as_of + timedelta(days=settings.deadline_days),
            status="open",
            card="yellow" if candidate.source in OVERDUE_SOURCES else "none",
            level="unit",
            created_by_id=records.actor_id(actor),
        )
        session.add(item)
        _event(item, "opened", as_of, actor)
        created.append(item)
    session.flush()
    carded = sweep_cards(session, as_of, actor)
    return Generated(created, kept, carded)


def sweep_cards(session: Session, as_of: date, actor=None) -> int:
    """Every open item whose deadline passed before `as_of`, not carded for it yet, is overdue
    again: its card one step up (red at once when it was re-opened) and its level one step up.
    The card counts from the day after the deadline, whenever the sweep runs."""
    items = session.scalars(
        select(SupervisionItem).where(
            SupervisionItem.status == "open",
            SupervisionItem.deadline_on < as_of,
            or_(
                SupervisionItem.carded_deadline_on.is_(None),
                SupervisionItem.carded_deadline_on != SupervisionItem.deadline_on,
            ),
        )
    ).all()
    for item in items:
        reopened = any(event.kind == "reopened" for event in item.events)
        item.card = "red" if item.card != "none" or reopened else "yellow"
        item.carded_deadline_on = item.deadline_on
        item.level = LEVELS[min(LEVELS.index(item.level) + 1, len(LEVELS) - 1)]
        # From the day after the deadline, but never before a step already recorded, so the
        # item's last event stays its state.
        latest = max((event.happened_on for event in item.events), default=item.opened_on)
        _event(item, "carded", max(item.deadline_on + timedelta(days=1), latest), actor)
    session.flush()
    return len(items)


def _event(item: SupervisionItem, kind: str, day: date, actor, text: str | None = None):
    item.events.append(
        SupervisionEvent(
            kind=kind,
            at=utcnow(),
            happened_on=day,
            text=text,
            status=item.status,
            card=item.card,
            level=item.level,
            deadline_on=item.deadline_on,
            created_by_id=records.actor_id(actor),
        )
    )


# ---- who may do what ----


def _in_scope(session: Session, item: SupervisionItem, actor) -> bool:
    """Staff reach the items of their scope's projects, or assigned to a unit in it."""
    if actor is None:
        return True
    scope = scope_of(session, actor)
    if scope.kind == CITY:
        return True
    if scope.kind == NONE:
        return False
    owner = item.project.owner_unit_id if item.project is not None else None
    return scope.sees_unit(owner) or scope.sees_unit(item.assignee_unit_id)


def may_answer(item: SupervisionItem, actor) -> bool:
    return (
        actor is not None
        and has_right(actor, ANSWER)
        and item.assignee_id == actor.id
        and item.status != "closed"
    )


def may_manage(session: Session, item: SupervisionItem, actor) -> bool:
    return actor is not None and has_right(actor, MANAGE) and _in_scope(session, item, actor)


# ---- handling ----


def answer(session: Session, item: SupervisionItem, text: str | None, version: int, actor, on=None):
    """The assignee's answer: recorded with its day, the item waits for staff to close it."""
    if not may_answer(item, actor):
        raise Forbidden(_("只有该督办事项的责任领导可以反馈。"))
    records.check_version(item, version)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"response": [_("请填写反馈内容")]})
    with records.stale_as_conflict():
        item.response = text
        item.responded_at = utcnow()
        item.status = "answered"
        _event(item, "answered", on or city_today(), actor, text)
        session.flush()
    return item


def close(session: Session, item: SupervisionItem, version: int, actor, reason=None, on=None):
    """销号: staff accept the answer (or the matter is settled) and close the item."""
    _require_manage(session, item, actor)
    records.check_version(item, version)
    if item.status == "closed":
        raise ValidationError({"status": [_("该事项已销号")]})
    with records.stale_as_conflict():
        item.status = "closed"
        _event(item, "closed", on or city_today(), actor, reason)
        session.flush()
    return item


def reopen(
    session: Session, item: SupervisionItem, deadline_on, version: int, actor, reason, on=None
):
    """重新交办: give the item a new deadline (an answer not good enough, a closed matter back,
    or an overdue item given one more chance): if that passes unanswered, the item is overdue
    again and gets a red card. `on`: the day it counts on (today in the city)."""
    _require_manage(session, item, actor)
    records.check_version(item, version)
    today = on or city_today()
    errors = {}
    if deadline_on is None or deadline_on <= today:
        errors["deadline_on"] = [_("请给出今天以后的新期限")]
    if not (reason or "").strip():
        errors["reason"] = [_("请说明重新交办的理由")]
    if errors:
        raise ValidationError(errors)
    with records.stale_as_conflict():
        item.status = "open"
        item.deadline_on = deadline_on
        _event(item, "reopened", today, actor, reason.strip())
        session.flush()
    return item


def escalate(
    session: Session, item: SupervisionItem, level: str, version: int, actor, reason, on=None
):
    """Raise the item to a higher level by hand, saying why."""
    _require_manage(session, item, actor)
    records.check_version(item, version)
    errors = {}
    if level not in LEVELS or LEVELS.index(level) <= LEVELS.index(item.level):
        errors["level"] = [_("只能升级到更高的督办层级")]
    if not (reason or "").strip():
        errors["reason"] = [_("请说明升级的理由")]
    if errors:
        raise ValidationError(errors)
    with records.stale_as_conflict():
        item.level = level
        _event(item, "escalated", on or city_today(), actor, reason.strip())
        session.flush()
    return item


def _require_manage(session: Session, item: SupervisionItem, actor) -> None:
    records.require(actor, MANAGE, _("只有招商部门工作人员可以销号、重新交办或升级督办事项。"))
    if not _in_scope(session, item, actor):
        raise Forbidden(_("该督办事项不在您的单位范围内。"))


def update_item(session: Session, item: SupervisionItem, data: Mapping, version: int, actor):
    """One PATCH: an answer (response, or status "answered"), a close (status "closed"), a
    re-open (status "open" with deadline_on and reason) or an escalation (level and reason)."""
    cleaned, errors = SUPERVISION.clean(data, partial=True)
    if errors:
        raise ValidationError(errors)
    status, level = cleaned.get("status"), cleaned.get("level")
    reason = cleaned.get("reason")
    if "response" in cleaned or status == "answered":
        if set(cleaned) - {"response", "status"}:
            raise ValidationError({"response": [_("反馈时只能填写反馈内容")]})
        return answer(session, item, cleaned.get("response"), version, actor)
    if level is not None:
        if status is not None or "deadline_on" in cleaned:
            raise ValidationError({"level": [_("升级时只能给出层级和理由")]})
        return escalate(session, item, level, version, actor, reason)
    if status == "closed":
        return close(session, item, version, actor, reason)
    if status == "open":
        return reopen(session, item, cleaned.get("deadline_on"), version, actor, reason)
    raise ValidationError({"status": [_("请给出反馈、销号、重新交办或升级之一")]})


# ---- reads ----


def get_item(session: Session, item_id: int, actor) -> SupervisionItem:
    """An item the actor may read: everyone with project.read in the city's scope, staff in
    theirs; the assignee always."""
    item = records.get_live(session, SupervisionItem, item_id, actor, READ)
    if actor is not None and item.assignee_id != actor.id and not _in_scope(session, item, actor):
        raise NotFound
    return item


def is_overdue(item, today: date) -> bool:
    return item.status == "open" and item.deadline_on < today


def item_values(session: Session, item: SupervisionItem, today: date | None = None) -> dict:
    today = today or city_today()
    assignee, unit, project = item.assignee, item.assignee_unit, item.project
    return {
        "id": item.id,
        "version": item.version,
        "source": item.source,
        "project_id": item.project_id,
        "project_name": project.name if project else None,
        "milestone_id": item.milestone_id,
        "problem_id": item.problem_id,
        "service_request_id": item.service_request_id,
        "description": item.description,
        "assignee_id": item.assignee_id,
        "assignee_name": (assignee.display_name or assignee.name) if assignee else None,
        "assignee_unit_id": item.assignee_unit_id,
        "assignee_unit_name": unit.name if unit else None,
        "opened_on": item.opened_on,
        "deadline_on": item.deadline_on,
        "response": item.response,
        "responded_at": item.responded_at,
        "status": item.status,
        "card": item.card,
        "level": item.level,
        "overdue": is_overdue(item, today),
        "updated_at": item.updated_at,
    }


def listed(session: Session, filters: SupervisionFilters, actor, today: date | None = None):
    """The select of list rows the filters find, within the actor's scope (their own items
    always), each row's `overdue` worked out for `today`."""
    records.require(actor, READ)
    today = today or city_today()
    assignee = aliased(User)
    overdue = and_(SupervisionItem.status == "open", SupervisionItem.deadline_on < today)
    statement = (
        select(
            SupervisionItem.id,
            SupervisionItem.version,
            SupervisionItem.source,
            SupervisionItem.project_id,
            Project.name.label("project_name"),
            District.name.label("district_name"),
            SupervisionItem.description,
            SupervisionItem.assignee_id,
            func.coalesce(assignee.display_name, assignee.name).label("assignee_name"),
            Unit.name.label("assignee_unit_name"),
            SupervisionItem.opened_on,
            SupervisionItem.deadline_on,
            SupervisionItem.response,
            SupervisionItem.status,
            SupervisionItem.card,
            SupervisionItem.level,
            case((overdue, True), else_=False).label("overdue"),
        )
        .outerjoin(Project, Project.id == SupervisionItem.project_id)
        .outerjoin(District, District.id == Project.district_id)
        .outerjoin(assignee, assignee.id == SupervisionItem.assignee_id)
        .outerjoin(Unit, Unit.id == SupervisionItem.assignee_unit_id)
    )
    if actor is not None:
        scope = scope_of(session, actor)
        if scope.kind != CITY:
            mine = SupervisionItem.assignee_id == actor.id
            if scope.kind == NONE:
                statement = statement.where(mine)
            else:
                units = tuple(scope.unit_ids)
                statement = statement.where(
                    or_(
                        mine,
                        Project.owner_unit_id.in_(units),
                        SupervisionItem.assignee_unit_id.in_(units),
                    )
                )
    if filters.mine:
        statement = statement.where(SupervisionItem.assignee_id == records.actor_id(actor))
    for name in ("status", "card", "level", "source"):
        value = getattr(filters, name)
        if value:
            statement = statement.where(getattr(SupervisionItem, name) == value)
    if filters.district:
        statement = statement.where(Project.district_id == filters.district)
    if filters.overdue is not None:
        statement = statement.where(overdue if filters.overdue else ~overdue)
    return statement


def _ordered(statement):
    """Red first, then yellow; open before answered before closed; the nearest deadline."""
    return statement.order_by(
        case((SupervisionItem.card == "red", 0), (SupervisionItem.card == "yellow", 1), else_=2),
        case(
            (SupervisionItem.status == "open", 0),
            (SupervisionItem.status == "answered", 1),
            else_=2,
        ),
        SupervisionItem.deadline_on,
        SupervisionItem.id,
    )


def list_items(
    session: Session, filters: SupervisionFilters, actor, page: int = 1, per_page: int = 20
):
    return records.numbered_page(session, _ordered(listed(session, filters, actor)), page, per_page)


def summary_values(row) -> dict:
    return row._asdict()


def open_items_of(session: Session, user, limit: int = 20) -> list:
    """我的督办: the user's items not yet closed, the most pressing first, for the home page."""
    filters = SupervisionFilters(mine=True)
    statement = listed(session, filters, user).where(SupervisionItem.status != "closed")
    return session.execute(_ordered(statement).limit(limit)).all()


def events_of(session: Session, item: SupervisionItem) -> list[SupervisionEvent]:
    """The item's history, oldest first, with who made each step."""
    return list(item.events)


# ---- as of a day ----


@dataclass(frozen=True)
class ItemState:
    """An item as it stood at the end of a day, from its events; `known` is False when the
    item has no event on or before the day that says (made before events were kept)."""

    known: bool
    status: str | None = None
    card: str | None = None
    level: str | None = None
    deadline_on: date | None = None
    response: str | None = None
    responded_on: date | None = None


def state_on(item: SupervisionItem, as_of: date) -> ItemState:
    past = [event for event in item.events if event.happened_on <= as_of]
    if not past:
        return ItemState(known=False)
    last = max(past, key=lambda event: (event.happened_on, event.id or 0))
    answers = [event for event in past if event.kind == "answered"]
    latest_answer = max(answers, key=lambda event: (event.happened_on, event.id or 0), default=None)
    return ItemState(
        known=True,
        status=last.status,
        card=last.card,
        level=last.level,
        deadline_on=last.deadline_on,
        response=latest_answer.text if latest_answer else None,
        responded_on=latest_answer.happened_on if latest_answer else None,
    )
