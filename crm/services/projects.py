"""Projects (项目三库): the stage machine and its stage log, one leader, one team, one plan, the
milestones with their template and overdue flag, problems, progress, funds, leaders' notes, a
signed lead converted into a project, and the unit scope over all of them. Callers give values
(text, or a Decimal and a date) and the actor; None as the actor is the system."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import Select, exists, func, or_, select, union
from sqlalchemy.orm import Session, aliased

from crm.clock import city_today
from crm.models import (
    Activity,
    ChainSegment,
    District,
    Enterprise,
    FundsArrival,
    Lead,
    Milestone,
    Park,
    Project,
    ProjectMember,
    ProjectProblem,
    ProjectProgress,
    StageChange,
    Unit,
    User,
    enterprise_segments,
    lead_segments,
)
from crm.permissions import has_right
from crm.schemas.fields import MAX_ID, FieldProblem
from crm.schemas.projects import (
    FUNDS,
    MILESTONES,
    PROBLEMS,
    PROGRESS,
    PROJECTS,
    Member,
    ProjectFilters,
)
from crm.services import audit, records
from crm.services.errors import Forbidden, NotFound, ValidationError
from crm.services.scope import NONE, scope_of, scoped
from crm.vocabulary import ACTIVITY_KIND, PROJECT_STAGE

READ, WRITE, NOTE = "project.read", "project.write", "project.note"
STAGES = PROJECT_STAGE.keys
STARTED, COMPLETED, IN_PRODUCTION = "newly_started", "completed", "in_production"
# The standard preparatory steps (前期手续) a project in 谋划 or 准备开工 goes through.
TEMPLATE_MILESTONES = ("立项", "用地", "环评", "能评", "规划许可", "施工许可")
TEMPLATE_STAGES = ("planning", "ready_to_start")
TEMPLATE_SPACING = timedelta(days=30)
# Tiers by total investment (万元), largest first.
TIERS = (("over_1b", Decimal(100_000)), ("over_100m", Decimal(10_000)))
# Columns whose values the record takes as they are; the rest are resolved or derived.
PLAIN_COLUMNS = tuple(sorted(PROJECTS.writable - {"district", "park", "members"}))


def size_tier(total_investment_wan: Decimal | None) -> str | None:
    """亿元以上 (≥ 10,000 万元) or 10亿元以上 (≥ 100,000 万元) from the total investment."""
    for tier, floor in TIERS:
        if total_investment_wan is not None and total_investment_wan >= floor:
            return tier
    return None


def is_overdue(planned_on: date, status: str, today: date) -> bool:
    """A step not done whose planned day is over in the city: due today is not yet overdue."""
    return status != "done" and planned_on < today


# ---- scope ----


def _scope(session: Session, actor):
    return scope_of(session, actor) if actor is not None else None


def _sees(session: Session, actor, unit_id: int | None) -> bool:
    scope = _scope(session, actor)
    return scope is None or scope.sees_unit(unit_id)


def get_project(session: Session, project_id: int, actor) -> Project:
    """A live project the actor may read: staff within their scope, admins and officials all.
    NotFound otherwise, so a guessed id tells nothing."""
    project = records.get_live(session, Project, project_id, actor, READ)
    if not _sees(session, actor, project.owner_unit_id):
        raise NotFound
    return project


def may_create(session: Session, actor) -> bool:
    if actor is None:
        return True
    return has_right(actor, WRITE) and scope_of(session, actor).kind != NONE


def may_change(session: Session, project: Project, actor) -> bool:
    """The write right and the project's owner unit within the actor's scope."""
    if actor is not None and not has_right(actor, WRITE):
        return False
    return _sees(session, actor, project.owner_unit_id)


def may_note(session: Session, project: Project, actor) -> bool:
    """Officials note on the projects they lead; admins anywhere; staff where they may write."""
    if actor is None:
        return True
    if actor.role == "official":
        return has_right(actor, NOTE) and project.leader_id == actor.id
    if has_right(actor, NOTE):
        return True
    return has_right(actor, "activity.write") and _sees(session, actor, project.owner_unit_id)


def _require_change(session: Session, project: Project, actor) -> None:
    records.require(actor, WRITE)
    if not _sees(session, actor, project.owner_unit_id):
        raise Forbidden(_("该项目不属于您所在单位的范围，您不能修改。"))


# ---- the project's rules ----


def _unknown(kind: str, value) -> str:
    return _("未知%(kind)s：%(value)s", kind=kind, value=value)


def _district(session: Session, code: str | None) -> District | None:
    if code is None:
        return None
    district = session.scalar(select(District).where(District.code == code))
    if district is None:
        raise FieldProblem(_("未知区县代码：%(code)s", code=code))
    return district


def _park(session: Session, name: str | None) -> Park | None:
    if name is None:
        return None
    park = session.scalar(select(Park).where(Park.name == name))
    if park is None:
        raise FieldProblem(_("未知园区：%(name)s", name=name))
    return park


def _unit(session: Session, unit_id: int | None) -> int | None:
    if unit_id is not None and (unit_id == 0 or session.get(Unit, unit_id) is None):
        raise FieldProblem(_("未知单位编号：%(id)s", id=unit_id))
    return unit_id


def _user(session: Session, user_id: int | None) -> User | None:
    if user_id is None:
        return None
    user = session.get(User, user_id) if 0 < user_id <= MAX_ID else None
    if user is None:
        raise FieldProblem(_("未知用户编号：%(id)s", id=user_id))
    return user


def _leader(session: Session, user_id: int | None) -> int | None:
    """一名领导: exactly one responsible leader, who is an active official."""
    if user_id is None:
        raise FieldProblem(_("每个项目须有一名牵头领导"))
    user = _user(session, user_id)
    if user.role != "official" or not user.active:
        raise FieldProblem(
            _(
                "“%(name)s”不是在职的领导账号：牵头领导须为角色为“领导”且未停用的用户",
                name=user.label,
            )
        )
    return user_id


def _enterprise(session: Session, enterprise_id: int | None) -> int | None:
    if enterprise_id is None:
        return None
    enterprise = session.get(Enterprise, enterprise_id) if enterprise_id > 0 else None
    if enterprise is None or enterprise.deleted_at is not None:
        raise FieldProblem(_("未知企业编号：%(id)s", id=enterprise_id))
    return enterprise_id


def _members(session: Session, members: list[Member]) -> list[Member]:
    seen = set()
    for member in members:
        if member.user_id is not None:
            _user(session, member.user_id)
            if member.user_id in seen:
                raise FieldProblem(_("成员重复：用户编号 %(id)s", id=member.user_id))
            seen.add(member.user_id)
    return members


RULES: dict[str, Callable] = {
    "district": _district,
    "park": _park,
    "owner_unit_id": _unit,
    "team_unit_id": _unit,
    "leader_id": _leader,
    "enterprise_id": _enterprise,
    "members": _members,
}


def _stage_index(stage: str) -> int:
    return STAGES.index(stage)


def _state_problems(session: Session, state: dict, old_stage: str | None) -> dict:
    """What the project's values as a whole must satisfy: each stage's facts (cumulative, so 达产
    also has its start and completion), the statistics date, a 技改 of a local enterprise."""
    errors: dict[str, list[str]] = {}
    stage = state["stage"]
    reached = _stage_index(stage)
    label = PROJECT_STAGE.label(stage)
    if old_stage is not None and reached < _stage_index(old_stage) - 1:
        errors["stage"] = [
            _(
                "阶段只能前进，或退回上一阶段（“%(back)s”）以更正",
                back=PROJECT_STAGE.label(STAGES[_stage_index(old_stage) - 1]),
            )
        ]
    if reached >= _stage_index(STARTED) and state.get("started_on") is None:
        errors["started_on"] = [_("项目处于“%(stage)s”，须填写实际开工日期", stage=label)]
    if reached >= _stage_index(COMPLETED) and state.get("completed_on") is None:
        errors["completed_on"] = [_("项目处于“%(stage)s”，须填写竣工日期", stage=label)]
    started, completed = state.get("started_on"), state.get("completed_on")
    if started and completed and completed < started:
        errors.setdefault("completed_on", []).append(_("竣工日期不能早于开工日期"))
    if reached >= _stage_index(IN_PRODUCTION):
        for field in ("full_output_wan", "full_tax_wan"):
            if state.get(field) is None:
                errors[field] = [_("达产项目须填写达产后的年产值和年税收")]
    if state.get("in_statistics") and state.get("in_statistics_on") is None:
        errors["in_statistics_on"] = [_("已入库纳统的项目须填写入库日期")]
    if not state.get("in_statistics") and state.get("in_statistics_on") is not None:
        errors["in_statistics"] = [_("填写了入库日期，请同时勾选“已入库纳统”")]
    if state.get("project_type") == "upgrade":
        enterprise_id = state.get("enterprise_id")
        enterprise = session.get(Enterprise, enterprise_id) if enterprise_id else None
        if enterprise is None:
            errors["enterprise_id"] = [_("技改项目须选择一家现有的本地企业")]
        elif not enterprise.is_local:
            errors["enterprise_id"] = [
                _("技改项目须属于本地企业，“%(name)s”是外地企业", name=enterprise.name)
            ]
    return errors


def check_project(session: Session, data: Mapping, project: Project | None = None) -> dict:
    """The values of `data` ready to store (District and Park rows for code and name), for a new
    record when `project` is None. Raises UnknownFields, or ValidationError naming every wrong
    field."""
    cleaned, errors = PROJECTS.clean(data, partial=project is not None)
    for field, rule in RULES.items():
        if field in cleaned and field not in errors:
            try:
                cleaned[field] = rule(session, cleaned[field])
            except FieldProblem as problem:
                errors[field] = [str(problem)]
    if project is None and "leader_id" not in cleaned and "leader_id" not in errors:
        errors["leader_id"] = [_("每个项目须有一名牵头领导")]
    # The rules of the whole record too, on the values that are right, so every problem shows.
    current = _state(project) if project is not None else {}
    state = current | {key: cleaned[key] for key in cleaned if key in PLAIN_COLUMNS}
    if "stage" in state and "stage" not in errors:
        problems = _state_problems(session, state, project.stage if project else None)
        for field, messages in problems.items():
            errors.setdefault(field, messages)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _state(project: Project) -> dict:
    return {key: getattr(project, key) for key in PLAIN_COLUMNS}


# ---- writes ----


def _assign(project: Project, values: dict) -> None:
    for key in PLAIN_COLUMNS:
        if key in values:
            setattr(project, key, values[key])
    if "district" in values:
        project.district_id = values["district"].id if values["district"] else None
    if "park" in values:
        project.park_id = values["park"].id if values["park"] else None


def _member_key(member: ProjectMember) -> str:
    return f"{member.user_id or ''}:{member.name or ''}:{member.duty or ''}"


def _replace_members(session: Session, project, members: list[Member], actor, action) -> bool:
    wanted = [ProjectMember(user_id=m.user_id, name=m.name, duty=m.duty) for m in members]
    return records.replace_collection(
        session, project, "members", wanted, _member_key, actor, action
    )


def _log_stage(session: Session, project: Project, old: str | None, actor) -> None:
    session.add(
        StageChange(
            subject="project",
            project_id=project.id,
            from_stage=old,
            to_stage=project.stage,
            changed_by_id=records.actor_id(actor),
        )
    )


def _owner_in_scope(session: Session, actor, unit_id: int | None) -> None:
    if not _sees(session, actor, unit_id):
        unit = session.get(Unit, unit_id) if unit_id else None
        raise Forbidden(
            _("“%(unit)s”不在您所在单位的范围内，不能把项目归属到那里。", unit=unit.name)
            if unit
            else _("请选择项目的责任单位。")
        )


def create_project(session: Session, data: Mapping, actor, lead: Lead | None = None) -> Project:
    """A new project with its first stage-log entry; owned by the actor's unit unless told.
    Forbidden, saying why, for an owner unit outside the actor's scope."""
    records.require(actor, WRITE)
    scope = _scope(session, actor)
    if scope is not None and scope.kind == NONE:
        raise Forbidden(_("您的账号未设所属单位，不能新建项目；请联系管理员设置单位。"))
    values = check_project(session, data)
    if values.get("owner_unit_id") is None and actor is not None:
        values["owner_unit_id"] = actor.unit_id
    _owner_in_scope(session, actor, values["owner_unit_id"])
    project = Project(created_by_id=records.actor_id(actor), funds_in_place_wan=Decimal(0))
    if lead is not None:
        project.lead_id = lead.id
    _assign(project, values)
    session.add(project)
    audit.record_create(session, project, records.actor_id(actor))
    _replace_members(session, project, values.get("members", []), actor, "create")
    _log_stage(session, project, None, actor)
    session.flush()
    return project


def update_project(
    session: Session, project: Project, data: Mapping, expected_version: int, actor
) -> Project:
    """Apply the fields given; a stage change is checked and logged. StaleVersion when the
    record moved on since `expected_version`."""
    _require_change(session, project, actor)
    PROJECTS.check_names(data)
    records.check_version(project, expected_version)
    values = check_project(session, data, project)
    if "owner_unit_id" in values and values["owner_unit_id"] != project.owner_unit_id:
        _owner_in_scope(session, actor, values["owner_unit_id"])
    project.members  # noqa: B018  (loaded before any column changes, so it flushes nothing)
    old_stage = project.stage
    with records.stale_as_conflict():
        _assign(project, values)
        changed = audit.record_update(session, project, records.actor_id(actor))
        if "members" in values and _replace_members(
            session, project, values["members"], actor, "update"
        ):
            changed.append("members")
            records.touch(project)
        if project.stage != old_stage:
            _log_stage(session, project, old_stage, actor)
        session.flush()
    return project


def delete_project(session: Session, project: Project, actor) -> None:
    _require_change(session, project, actor)
    records.soft_delete(session, project, actor)


# ---- a signed lead becomes a project ----


def convert_lead(session: Session, lead: Lead, values: Mapping, actor) -> Project:
    """The project of a signed lead, keeping its link, enterprise, amount, signing date and
    owner unit (the caller's `values` add the leader and may complete or change the rest).
    A lead is converted once; the second time names the project it became."""
    records.require(actor, WRITE)
    if lead.deleted_at is not None or not _sees(session, actor, lead.owner_unit_id):
        raise NotFound
    existing = session.scalar(select(Project).where(Project.lead_id == lead.id))
    if existing is not None:
        raise ValidationError(
            {"lead": [_("该线索已转为项目“%(name)s”（编号 %(id)d）", name=existing.name,
                        id=existing.id)]},
            {"lead": existing.id},
        )  # fmt: skip
    if lead.stage != "signed":
        raise ValidationError({"lead": [_("只有已签约的线索可以转为项目")]})
    data = {
        "name": lead.name,
        "enterprise_id": lead.enterprise_id,
        "total_investment_wan": lead.signed_amount_wan or lead.intended_investment_wan,
        "signed_on": lead.signed_on,
        "owner_unit_id": lead.owner_unit_id,
        "sector": lead.sector or "industry",
    }
    return create_project(session, data | dict(values), actor, lead=lead)


def conversion_defaults(lead: Lead) -> dict:
    """What the conversion form starts from."""
    return {
        "name": lead.name,
        "total_investment_wan": lead.signed_amount_wan or lead.intended_investment_wan,
        "sector": lead.sector or "industry",
        "signed_on": lead.signed_on,
    }


def project_of_lead(session: Session, lead_id: int) -> Project | None:
    return session.scalar(select(Project).where(Project.lead_id == lead_id))


# ---- reads ----


def overdue_count(session: Session, project_id: int, today: date) -> int:
    return session.scalar(
        select(func.count(Milestone.id)).where(
            Milestone.project_id == project_id,
            Milestone.status != "done",
            Milestone.planned_on < today,
        )
    )


def cumulative_investment(session: Session, project_id: int) -> Decimal | None:
    return session.scalar(
        select(ProjectProgress.investment_cumulative_wan)
        .where(ProjectProgress.project_id == project_id)
        .order_by(ProjectProgress.period_start_on.desc(), ProjectProgress.id.desc())
        .limit(1)
    )


def project_values(session: Session, project: Project, today: date | None = None) -> dict:
    """The record's values as its declaration names them."""
    today = today or city_today()
    return {
        **{key: getattr(project, key) for key in PLAIN_COLUMNS},
        "id": project.id,
        "version": project.version,
        "district": project.district.code if project.district else None,
        "park": project.park.name if project.park else None,
        "members": [
            Member(user_id=m.user_id, name=m.name, duty=m.duty)
            for m in sorted(project.members, key=lambda m: m.id or 0)
        ],
        "pool": project.pool,
        "size_tier": size_tier(project.total_investment_wan),
        "lead_id": project.lead_id,
        "funds_in_place_wan": project.funds_in_place_wan,
        "cumulative_investment_wan": cumulative_investment(session, project.id),
        "overdue_milestones": overdue_count(session, project.id, today),
        "created_at": project.created_at,
        "updated_at": project.updated_at,
    }


Leader = aliased(User)


def _overdue_column(today: date):
    return (
        select(func.count(Milestone.id))
        .where(
            Milestone.project_id == Project.id,
            Milestone.status != "done",
            Milestone.planned_on < today,
        )
        .scalar_subquery()
        .label("overdue_milestones")
    )


def _list_columns(today: date) -> tuple:
    return (
        Project.id,
        Project.version,
        Project.name,
        Project.project_type,
        Project.sector,
        Project.enterprise_id,
        District.code.label("district"),
        Project.owner_unit_id,
        Project.leader_id,
        Project.total_investment_wan,
        Project.stage,
        Project.pool,
        Project.status,
        Project.in_statistics,
        Project.signed_on,
        Project.started_on,
        Project.lead_id,
        Project.updated_at,
        Enterprise.name.label("enterprise_name"),
        func.coalesce(Leader.display_name, Leader.name).label("leader_name"),
        _overdue_column(today),
    )


SUMMARY_FIELDS = tuple(PROJECTS.summary.model_fields)


def summary_values(row) -> dict:
    values = row._asdict()
    values["size_tier"] = size_tier(values["total_investment_wan"])
    return {key: values[key] for key in SUMMARY_FIELDS}


def _listed(session: Session, filters: ProjectFilters, actor, today: date) -> Select:
    records.require(actor, READ)
    statement = (
        select(*_list_columns(today))
        .outerjoin(District, District.id == Project.district_id)
        .outerjoin(Enterprise, Enterprise.id == Project.enterprise_id)
        .outerjoin(Leader, Leader.id == Project.leader_id)
        .where(Project.deleted_at.is_(None))
    )
    if actor is not None:
        statement = scoped(statement, Project, actor, session)
    return filtered(session, statement, filters, today)


# Construction has begun: the stages of the construction and in-effect pools.
STARTED_STAGES = tuple(term.key for term in PROJECT_STAGE if term.pool != "reserve")


def segment_links(projects=None) -> Select:
    """(project_id, segment_id) for each chain segment of each project: a project is in the
    segments of the lead it came from and of its enterprise (projects have none of their own).
    `projects`: a selection of projects (id, lead_id, enterprise_id) to link; all by default."""
    source = Project.__table__ if projects is None else projects
    return union(
        select(source.c.id.label("project_id"), lead_segments.c.segment_id).join(
            lead_segments, lead_segments.c.lead_id == source.c.lead_id
        ),
        select(source.c.id.label("project_id"), enterprise_segments.c.segment_id).join(
            enterprise_segments, enterprise_segments.c.enterprise_id == source.c.enterprise_id
        ),
    )


def filtered(session: Session, statement: Select, filters: ProjectFilters, today: date) -> Select:
    """The statement narrowed to what the filters ask for."""
    if filters.q:
        statement = statement.where(
            or_(
                Project.name.icontains(filters.q, autoescape=True),
                Enterprise.name.icontains(filters.q, autoescape=True),
            )
        )
    for field in ("stage", "pool", "status", "project_type", "sector", "in_statistics"):
        value = getattr(filters, field)
        if value is not None:
            statement = statement.where(getattr(Project, field) == value)
    if filters.leader is not None:
        statement = statement.where(Project.leader_id == filters.leader)
    if filters.owner_unit is not None:
        statement = statement.where(Project.owner_unit_id == filters.owner_unit)
    if filters.tier is not None:
        floor = dict(TIERS)[filters.tier]
        statement = statement.where(Project.total_investment_wan >= floor)
    if filters.signed_year is not None:
        year = min(max(filters.signed_year, 1), 9999)
        statement = statement.where(
            Project.signed_on >= date(year, 1, 1), Project.signed_on <= date(year, 12, 31)
        )
    if filters.started is not None:
        started = Project.stage.in_(STARTED_STAGES)
        statement = statement.where(started if filters.started else ~started)
    if filters.started_from is not None:
        statement = statement.where(Project.started_on >= filters.started_from)
    if filters.started_to is not None:
        statement = statement.where(Project.started_on <= filters.started_to)
    if filters.lead_signed_from is not None or filters.lead_signed_to is not None:
        signed = select(Lead.id).where(Lead.id == Project.lead_id, Lead.deleted_at.is_(None))
        if filters.lead_signed_from is not None:
            signed = signed.where(Lead.signed_on >= filters.lead_signed_from)
        if filters.lead_signed_to is not None:
            signed = signed.where(Lead.signed_on <= filters.lead_signed_to)
        statement = statement.where(signed.exists())
    if filters.funds_from is not None or filters.funds_to is not None:
        arrived = select(FundsArrival.id).where(FundsArrival.project_id == Project.id)
        if filters.funds_from is not None:
            arrived = arrived.where(FundsArrival.arrived_on >= filters.funds_from)
        if filters.funds_to is not None:
            arrived = arrived.where(FundsArrival.arrived_on <= filters.funds_to)
        statement = statement.where(arrived.exists())
    if filters.overdue is not None:
        has_overdue = (
            select(Milestone.id)
            .where(
                Milestone.project_id == Project.id,
                Milestone.status != "done",
                Milestone.planned_on < today,
            )
            .exists()
        )
        statement = statement.where(has_overdue if filters.overdue else ~has_overdue)
    if filters.segment:
        segment_ids = session.scalars(
            select(ChainSegment.id).where(
                ChainSegment.code == filters.segment, ChainSegment.level == "segment"
            )
        ).all()
        if not segment_ids:
            raise ValidationError(
                {"segment": [_("未知产业链环节代码：%(codes)s", codes=filters.segment)]}
            )
        # The same links as segment_links(), read per project off the link tables' keys.
        statement = statement.where(
            or_(
                exists().where(
                    lead_segments.c.lead_id == Project.lead_id,
                    lead_segments.c.segment_id.in_(segment_ids),
                ),
                exists().where(
                    enterprise_segments.c.enterprise_id == Project.enterprise_id,
                    enterprise_segments.c.segment_id.in_(segment_ids),
                ),
            )
        )
    if filters.district:
        try:
            district = _district(session, filters.district)
        except FieldProblem as problem:
            raise ValidationError({"district": [str(problem)]}) from None
        statement = statement.where(Project.district_id == district.id)
    return statement


def list_projects(
    session: Session,
    filters: ProjectFilters,
    actor,
    page: int = 1,
    per_page: int = 20,
    today: date | None = None,
):
    """One page of live projects within the actor's scope, by id, and whether more follow."""
    statement = _listed(session, filters, actor, today or city_today()).order_by(Project.id)
    return records.numbered_page(session, statement, page, per_page)


SORTS = {
    "investment": records.SortKey(Project.total_investment_wan, descending=True),
    "name": records.SortKey(Project.name),
    "signed": records.SortKey(Project.signed_on, descending=True, nullable=True),
    "updated": records.SortKey(Project.updated_at, descending=True),
}
COUNT_CAP = 10_000


@dataclass(frozen=True)
class Browse:
    rows: list
    has_next: bool
    count: int  # up to COUNT_CAP + 1

    @property
    def count_capped(self) -> bool:
        return self.count > COUNT_CAP


def browse_projects(
    session: Session,
    filters: ProjectFilters,
    actor,
    sort: str = "investment",
    after: tuple | None = None,
    per_page: int = 50,
    today: date | None = None,
) -> Browse:
    """A page of the list as the pages show it, sorted by `sort` (a key of SORTS)."""
    statement = _listed(session, filters, actor, today or city_today())
    rows, has_next = records.keyset_page(
        session, statement, SORTS[sort], Project.id, after, per_page
    )
    count = records.capped_count(session, statement, Project.id, COUNT_CAP)
    return Browse(rows, has_next, count)


def leaders(session: Session) -> list[tuple[int, str]]:
    """Active officials, who may lead a project: (id, name)."""
    rows = session.execute(
        select(User.id, func.coalesce(User.display_name, User.name))
        .where(User.role == "official", User.active.is_(True))
        .order_by(User.name)
    )
    return [(user_id, name) for user_id, name in rows]


def team_logins(session: Session) -> dict[int, str]:
    """Active staff and officials, who may be on a project's team: {id: log-in name}."""
    rows = session.execute(
        select(User.id, User.name).where(User.role.in_(("staff", "official")), User.active)
    )
    return dict(rows.all())


def led_by(session: Session, user, today: date | None = None, limit: int = 20) -> list:
    """The live projects a leader leads, largest first, with their overdue milestones."""
    today = today or city_today()
    return session.execute(
        select(
            Project.id,
            Project.name,
            Project.stage,
            Project.status,
            Project.total_investment_wan,
            _overdue_column(today),
        )
        .where(Project.leader_id == user.id, Project.deleted_at.is_(None))
        .order_by(Project.total_investment_wan.desc(), Project.id)
        .limit(limit)
    ).all()


# ---- the stage log ----


@dataclass(frozen=True)
class LoggedStage:
    id: int
    subject: str
    from_stage: str | None
    to_stage: str
    changed_at: object
    changed_by: str | None


def stage_log(session: Session, project: Project) -> list[LoggedStage]:
    """The project's stage changes and, before them, those of the lead it came from."""
    subject = StageChange.project_id == project.id
    if project.lead_id is not None:
        subject = or_(subject, StageChange.lead_id == project.lead_id)
    rows = session.execute(
        select(StageChange, func.coalesce(User.display_name, User.name))
        .outerjoin(User, User.id == StageChange.changed_by_id)
        .where(subject)
        .order_by(StageChange.changed_at, StageChange.id)
    ).all()
    return [
        LoggedStage(c.id, c.subject, c.from_stage, c.to_stage, c.changed_at, who) for c, who in rows
    ]


def stage_change_json(entry: LoggedStage) -> dict:
    from crm.schemas.formats import datetime_text

    return {
        "id": entry.id,
        "subject": entry.subject,
        "from_stage": entry.from_stage,
        "to_stage": entry.to_stage,
        "changed_at": datetime_text(entry.changed_at),
        "changed_by": entry.changed_by,
    }


# ---- notes: a leader's (or the team's) notes as activities of the project ----


def add_note(
    session: Session,
    project: Project,
    text: str,
    actor,
    kind: str = "meeting",
    occurred_on: date | None = None,
) -> Activity:
    """A note on the project, stored as an Activity (who wrote it is created_by). Officials
    write them on the projects they lead."""
    if not may_note(session, project, actor):
        raise Forbidden(_("只有项目的牵头领导和负责该项目的工作人员可以记录批示和调度情况。"))
    errors = {}
    note = (text or "").strip()
    if not note:
        errors["notes"] = [_("不能为空")]
    elif len(note) > 5000:
        errors["notes"] = [_("最多 %(max)d 个字符，当前 %(length)d 个", max=5000, length=len(note))]
    if kind not in ACTIVITY_KIND:
        errors["kind"] = [_("应为以下之一：%(keys)s", keys=", ".join(ACTIVITY_KIND.keys))]
    if errors:
        raise ValidationError(errors)
    activity = Activity(
        project_id=project.id,
        kind=kind,
        occurred_on=occurred_on or city_today(),
        notes=note,
        created_by_id=records.actor_id(actor),
    )
    session.add(activity)
    audit.record_create(session, activity, records.actor_id(actor))
    return activity


def notes_of(session: Session, project: Project) -> list:
    return session.execute(
        select(Activity, func.coalesce(User.display_name, User.name).label("author"))
        .outerjoin(User, User.id == Activity.created_by_id)
        .where(Activity.project_id == project.id)
        .order_by(Activity.occurred_on.desc(), Activity.id.desc())
    ).all()


# ---- what belongs to a project: milestones, problems, progress, funds ----


@dataclass(frozen=True)
class ItemKind:
    """One kind of a project's items: its model and declaration, how checked values become
    columns (`columns`: session, project, values, item or None -> columns, raising
    FieldProblem-keyed ValidationError), how a row reads back, and what follows a write."""

    model: type
    declaration: object
    order: tuple
    columns: Callable
    values: Callable
    after_write: Callable | None = None


def _item_base(item) -> dict:
    return {
        "id": item.id,
        "version": item.version,
        "project_id": item.project_id,
        "created_at": item.created_at,
        "updated_at": item.updated_at,
    }


def _milestone_columns(session, project, values: dict, milestone) -> dict:
    errors = {}
    if "owner_id" in values:
        try:
            _user(session, values["owner_id"])
        except FieldProblem as problem:
            errors["owner_id"] = [str(problem)]
    state = {"status": milestone.status, "actual_on": milestone.actual_on} if milestone else {}
    state |= values
    if state.get("status") == "done" and state.get("actual_on") is None:
        errors["actual_on"] = [_("已完成的节点须填写实际完成日期")]
    if state.get("status") != "done" and state.get("actual_on") is not None:
        errors["status"] = [_("填写了实际完成日期，状态应为“已完成”")]
    if errors:
        raise ValidationError(errors)
    return values


def milestone_values(milestone: Milestone, today: date | None = None) -> dict:
    today = today or city_today()
    return _item_base(milestone) | {
        "name": milestone.name,
        "planned_on": milestone.planned_on,
        "actual_on": milestone.actual_on,
        "owner_id": milestone.owner_id,
        "status": milestone.status,
        "overdue": is_overdue(milestone.planned_on, milestone.status, today),
    }


def _problem_columns(session, project, values: dict, problem) -> dict:
    errors = {}
    columns = dict(values)
    if "responsible_unit_id" in values:
        try:
            _unit(session, values["responsible_unit_id"])
        except FieldProblem as error:
            errors["responsible_unit_id"] = [str(error)]
    if "response" in columns:
        columns["resolution"] = columns.pop("response")
    status = values.get("status", problem.status if problem else "open")
    response = columns.get("resolution", problem.resolution if problem else None)
    if status == "solved" and not response:
        errors["response"] = [_("已解决的问题须填写办理情况")]
    if errors:
        raise ValidationError(errors)
    return columns


def problem_values(problem: ProjectProblem, today: date | None = None) -> dict:
    return _item_base(problem) | {
        "description": problem.description,
        "responsible_unit_id": problem.responsible_unit_id,
        "deadline_on": problem.deadline_on,
        "response": problem.resolution,
        "status": problem.status,
    }


def _progress_columns(session, project, values: dict, entry) -> dict:
    state = {
        key: getattr(entry, key)
        for key in ("period", "period_start_on", "investment_period_wan", "investment_cumulative_wan")
    } if entry else {}  # fmt: skip
    state |= values
    errors = {}
    start = state.get("period_start_on")
    if start is not None and state.get("period") == "month" and start.day != 1:
        errors["period_start_on"] = [_("月度进度的开始日期应为当月 1 日")]
    if start is not None and state.get("period") == "week" and start.weekday() != 0:
        errors["period_start_on"] = [_("周进度的开始日期应为星期一")]
    if (
        state.get("investment_period_wan") is not None
        and state.get("investment_cumulative_wan") is not None
        and state["investment_cumulative_wan"] < state["investment_period_wan"]
    ):
        errors["investment_cumulative_wan"] = [_("累计完成投资不能小于本期完成投资")]
    if start is not None and not errors:
        taken = session.scalar(
            select(ProjectProgress.id).where(
                ProjectProgress.project_id == project.id,
                ProjectProgress.period == state["period"],
                ProjectProgress.period_start_on == start,
                ProjectProgress.id != (entry.id if entry else 0),
            )
        )
        if taken is not None:
            errors["period_start_on"] = [_("该周期的进度已填报（编号 %(id)d）", id=taken)]
    if errors:
        raise ValidationError(errors)
    return values


def progress_values(entry: ProjectProgress, today: date | None = None) -> dict:
    return _item_base(entry) | {key: getattr(entry, key) for key in PROGRESS.writable}


def _funds_columns(session, project, values: dict, arrival) -> dict:
    state = {
        key: getattr(arrival, key) for key in ("origin", "currency", "amount_usd")
    } if arrival else {}  # fmt: skip
    state |= values
    errors = {}
    if state.get("origin") == "foreign":
        if not state.get("currency"):
            errors["currency"] = [_("境外资金须填写币种")]
        if state.get("amount_usd") is None:
            errors["amount_usd"] = [_("境外资金须填写折合美元金额")]
    if state.get("currency") and not state["currency"].isalpha():
        errors["currency"] = [_("币种应为三位字母代码，如 USD")]
    if errors:
        raise ValidationError(errors)
    if values.get("currency"):
        values["currency"] = values["currency"].upper()
    return values


def funds_values(arrival: FundsArrival, today: date | None = None) -> dict:
    return _item_base(arrival) | {key: getattr(arrival, key) for key in FUNDS.writable}


def _sum_funds(session: Session, project: Project) -> None:
    """到位资金 on the project: the sum of its arrivals."""
    session.flush()
    total = session.scalar(
        select(func.coalesce(func.sum(FundsArrival.amount_wan), 0)).where(
            FundsArrival.project_id == project.id
        )
    )
    project.funds_in_place_wan = Decimal(total)


MILESTONE_KIND = ItemKind(
    Milestone, MILESTONES, (Milestone.planned_on, Milestone.id), _milestone_columns,
    milestone_values,
)  # fmt: skip
PROBLEM_KIND = ItemKind(
    ProjectProblem, PROBLEMS, (ProjectProblem.id,), _problem_columns, problem_values
)
PROGRESS_KIND = ItemKind(
    ProjectProgress, PROGRESS, (ProjectProgress.period_start_on.desc(), ProjectProgress.id),
    _progress_columns, progress_values,
)  # fmt: skip
FUNDS_KIND = ItemKind(
    FundsArrival, FUNDS, (FundsArrival.arrived_on.desc(), FundsArrival.id), _funds_columns,
    funds_values, _sum_funds,
)  # fmt: skip


def items_of(session: Session, kind: ItemKind, project: Project) -> list:
    model = kind.model
    return list(session.scalars(select(model).where(model.project_id == project.id).order_by(
        *kind.order)))  # fmt: skip


def list_items(kind: ItemKind, session: Session, filters, actor, page, per_page, *, parent_id):
    """A page of one project's items (`parent_id`: the project's id, as the resource layer
    passes it)."""
    project = get_project(session, parent_id, actor)
    model = kind.model
    statement = select(model).where(model.project_id == project.id).order_by(*kind.order)
    return records.numbered_page(session, statement, page, per_page)


def get_item(kind: ItemKind, session: Session, item_id: int, actor):
    """An item of a project the actor may read; NotFound otherwise."""
    if actor is not None and not has_right(actor, READ):
        raise NotFound
    if not isinstance(item_id, int) or not 0 < item_id <= MAX_ID:
        raise NotFound
    item = session.get(kind.model, item_id)
    if item is None:
        raise NotFound
    get_project(session, item.project_id, actor)
    return item


def create_item(kind: ItemKind, session: Session, data: Mapping, actor, *, parent_id):
    """A new item of the project `parent_id` (its id, or the Project itself)."""
    project = parent_id if isinstance(parent_id, Project) else get_project(
        session, parent_id, actor)  # fmt: skip
    _require_change(session, project, actor)
    cleaned, errors = kind.declaration.clean(data)
    if errors:
        raise ValidationError(errors)
    columns = kind.columns(session, project, cleaned, None)
    item = kind.model(project_id=project.id, created_by_id=records.actor_id(actor), **columns)
    session.add(item)
    audit.record_create(session, item, records.actor_id(actor))
    if kind.after_write:
        kind.after_write(session, project)
    session.flush()
    return item


def update_item(kind: ItemKind, session: Session, item, data: Mapping, expected_version, actor):
    project = session.get(Project, item.project_id)
    _require_change(session, project, actor)
    kind.declaration.check_names(data)
    records.check_version(item, expected_version)
    cleaned, errors = kind.declaration.clean(data, partial=True)
    if errors:
        raise ValidationError(errors)
    columns = kind.columns(session, project, cleaned, item)
    with records.stale_as_conflict():
        for key, value in columns.items():
            setattr(item, key, value)
        audit.record_update(session, item, records.actor_id(actor))
        session.flush()
    if kind.after_write:
        kind.after_write(session, project)
        session.flush()
    return item


def delete_item(kind: ItemKind, session: Session, item, actor) -> None:
    project = session.get(Project, item.project_id)
    _require_change(session, project, actor)
    audit.record_event(session, "delete", item.__tablename__, item.id, records.actor_id(actor))
    session.delete(item)
    if kind.after_write:
        kind.after_write(session, project)
    session.flush()


def apply_milestone_template(
    session: Session, project: Project, actor, today: date | None = None
) -> list[Milestone]:
    """The standard preparatory milestones (立项, 用地, 环评, 能评, 规划许可, 施工许可), a month
    apart from today, for a project in 谋划 or 准备开工; those it has already are left alone."""
    _require_change(session, project, actor)
    if project.stage not in TEMPLATE_STAGES:
        raise ValidationError(
            {"stage": [_("只有“正在谋划”或“准备开工”的项目可以套用前期手续节点模板")]}
        )
    today = today or city_today()
    have = set(session.scalars(select(Milestone.name).where(Milestone.project_id == project.id)))
    added = []
    for number, name in enumerate(TEMPLATE_MILESTONES, start=1):
        if name in have:
            continue
        data = {"name": name, "planned_on": today + TEMPLATE_SPACING * number}
        added.append(create_item(MILESTONE_KIND, session, data, actor, parent_id=project))
    return added


def mark_milestone_done(
    session: Session, milestone: Milestone, actor, today: date | None = None
) -> Milestone:
    """Done today (in the city), unless it already is."""
    if milestone.status == "done":
        return milestone
    data = {"status": "done", "actual_on": today or city_today()}
    return update_item(MILESTONE_KIND, session, milestone, data, milestone.version, actor)
