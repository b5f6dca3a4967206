"""Projects (项目) and what belongs to them, declared once: the project with its stage, leader,
team and plan; its milestones (节点计划), problems (排忧解难), progress entries and funds
arrivals. Each declaration drives validation, JSON, the OpenAPI document and the writable set."""

from datetime import date
from typing import Annotated

from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, PlainValidator, WithJsonSchema

from crm.clock import city_today
from crm.models import District, Milestone, Park, Project, ProjectMember
from crm.models.base import Area, Money
from crm.schemas.declaration import Declaration, pick
from crm.schemas.fields import (
    MAX_ID,
    Amount,
    Choice,
    Count,
    Day,
    FieldProblem,
    Flag,
    QueryFlag,
    QueryNumber,
    Text,
    Timestamp,
    clean_text,
)
from crm.vocabulary import (
    FUNDS_ORIGIN,
    MILESTONE_STATUS,
    PROBLEM_STATUS,
    PROGRESS_PERIOD,
    PROJECT_POOL,
    PROJECT_SIZE_TIER,
    PROJECT_STAGE,
    PROJECT_STATUS,
    PROJECT_TYPE,
    SECTOR,
)

EARLIEST = date(1990, 1, 1)
MAX_JOBS = 10_000_000
MAX_MEMBERS = 50
PLAN_LENGTH = 5000
TEXT_LENGTH = 2000


def _length(column) -> int:
    return column.type.length


def _far_future() -> date:
    """Plans and deadlines may lie ahead, but not beyond reason (a typing slip)."""
    today = city_today()
    return today.replace(year=today.year + 30)


# The id of another record (a user, a unit, an enterprise), or nothing.
Id = Count(MAX_ID)


# ---- the team: members with or without a log-in ----


class Member(BaseModel):
    model_config = ConfigDict(extra="forbid", title="ProjectMember", frozen=True)

    user_id: int | None = None
    name: str | None = None
    duty: str | None = None


def _members(value) -> list[Member]:
    if not isinstance(value, (list, tuple)):
        raise FieldProblem(_("应为列表"))
    if len(value) > MAX_MEMBERS:
        raise FieldProblem(_("最多 %(max)d 项", max=MAX_MEMBERS))
    members = []
    for item in value:
        if isinstance(item, Member):
            members.append(item)
            continue
        if not isinstance(item, dict) or not set(item) <= {"user_id", "name", "duty"}:
            raise FieldProblem(_('每位成员应为 {"user_id", "name", "duty"}'))
        user_id = item.get("user_id")
        if user_id is not None and (
            isinstance(user_id, bool) or not isinstance(user_id, int) or not 0 < user_id <= MAX_ID
        ):
            raise FieldProblem(_("成员的 user_id 应为正整数"))
        name = clean_text(item.get("name"), _length(ProjectMember.__table__.c.name), name=True)
        duty = clean_text(item.get("duty"), _length(ProjectMember.__table__.c.duty))
        if user_id is None and name is None:
            raise FieldProblem(_("每位成员需有账号（user_id）或姓名"))
        members.append(Member(user_id=user_id, name=name, duty=duty))
    return members


def _member_dicts(members) -> list[dict]:
    return [member.model_dump() for member in members]


Members = Annotated[
    list[Member],
    PlainValidator(_members),
    # Written out plainly: pydantic's own serializer for a list of models behind a plain
    # validator warns on every model it is given.
    PlainSerializer(_member_dicts),
    WithJsonSchema(
        {
            "type": "array",
            "maxItems": MAX_MEMBERS,
            "items": {
                "type": "object",
                "properties": {
                    "user_id": {"type": ["integer", "null"], "description": "A user's id."},
                    "name": {"type": ["string", "null"], "description": "Without a log-in."},
                    "duty": {"type": ["string", "null"]},
                },
                "additionalProperties": False,
            },
        }
    ),
]


# ---- the project ----


class ProjectInput(BaseModel):
    """What a client may write; a new record takes the defaults of what it leaves out."""

    model_config = ConfigDict(extra="forbid", title="ProjectInput")

    name: Text(_length(Project.__table__.c.name), required=True, name=True) = Field(
        title="项目名称"
    )
    project_type: Choice(PROJECT_TYPE, nullable=False) = Field("new_build", title="项目类型")
    sector: Choice(SECTOR, nullable=False) = Field("industry", title="行业")
    enterprise_id: Id = Field(
        None, title="投资企业", description="An enterprise's id; required for 技改 (upgrade)."
    )
    district: Text(_length(District.__table__.c.code)) = Field(
        None, title="区县代码", description="The district's administrative code."
    )
    park: Text(_length(Park.__table__.c.name)) = Field(
        None, title="所在园区", description="The park's name."
    )
    owner_unit_id: Id = Field(
        None,
        title="责任单位",
        description="The unit that owns the project (scope); the creator's unit by default.",
    )
    total_investment_wan: Amount(Money, "total investment, 万元") = Field(title="总投资（万元）")
    land_mu: Amount(Area, "land area, 亩") = Field(None, title="用地面积（亩）")
    stage: Choice(PROJECT_STAGE, nullable=False) = Field(
        "planning",
        title="阶段",
        description="正在谋划 → 准备开工 → 新开工 → 在建 → 竣工 → 达产. Forward to any later "
        "stage whose facts are given (新开工: started_on; 竣工: completed_on; 达产: "
        "full_output_wan and full_tax_wan), or back one stage to correct a mistake.",
    )
    status: Choice(PROJECT_STATUS, nullable=False) = Field("on_track", title="推进状态")
    leader_id: Id = Field(
        title="牵头领导", description="The one responsible leader: an active official's user id."
    )
    team_unit_id: Id = Field(None, title="工作专班单位")
    members: Members = Field(default_factory=list, title="工作专班成员")
    plan: Text(PLAN_LENGTH, multiline=True) = Field(None, title="推进方案")
    planned_investment_this_year_wan: Amount(Money, "investment planned this year, 万元") = Field(
        None, title="年度计划投资（万元）"
    )
    completed_investment_this_year_wan: Amount(Money, "investment made this year, 万元") = Field(
        None, title="年度完成投资（万元）"
    )
    jobs: Count(MAX_JOBS) = Field(None, title="带动就业（人）")
    in_statistics: Flag = Field(False, title="已入库纳统")
    in_statistics_on: Day(EARLIEST, latest=city_today) = Field(None, title="入库纳统日期")
    signed_on: Day(EARLIEST, latest=city_today) = Field(None, title="签约日期")
    started_on: Day(EARLIEST, latest=city_today) = Field(None, title="开工日期")
    completed_on: Day(EARLIEST, latest=city_today) = Field(None, title="竣工日期")
    full_output_wan: Amount(Money, "annual output at full production, 万元") = Field(
        None, title="达产年产值（万元）"
    )
    full_tax_wan: Amount(Money, "annual tax at full production, 万元") = Field(
        None, title="达产年税收（万元）"
    )


class ProjectRecord(ProjectInput):
    """A project as read: its fields and what the system sets or derives."""

    model_config = ConfigDict(title="Project", json_schema_serialization_defaults_required=True)

    id: int = Field(title="编号")
    version: int = Field(title="版本", description="Send it back with an update.")
    pool: Choice(PROJECT_POOL, nullable=False) = Field(
        title="所在库", description="Derived from the stage: 储备库, 建设库 or 达效库."
    )
    size_tier: Choice(PROJECT_SIZE_TIER) = Field(
        title="规模",
        description="Derived from total investment: over_100m (≥ 10,000 万元), over_1b "
        "(≥ 100,000 万元), or null.",
    )
    lead_id: int | None = Field(title="来源线索", description="The signed lead it came from.")
    funds_in_place_wan: Amount(Money, "funds in place, 万元") = Field(
        title="到位资金（万元）", description="The sum of the funds arrivals."
    )
    cumulative_investment_wan: Amount(Money, "cumulative investment, 万元") = Field(
        title="累计完成投资（万元）", description="From the latest progress entry."
    )
    overdue_milestones: int = Field(
        title="逾期节点", description="Milestones not done whose planned day has passed."
    )
    created_at: Timestamp = Field(title="创建时间")
    updated_at: Timestamp = Field(title="更新时间")


ProjectSummary = pick(
    "ProjectSummary",
    ProjectRecord,
    (
        "id",
        "version",
        "name",
        "project_type",
        "sector",
        "enterprise_id",
        "district",
        "owner_unit_id",
        "leader_id",
        "total_investment_wan",
        "stage",
        "pool",
        "status",
        "size_tier",
        "in_statistics",
        "signed_on",
        "started_on",
        "lead_id",
        "updated_at",
    ),
)


class ProjectFilters(BaseModel):
    """The list's filters, as query parameters."""

    model_config = ConfigDict(extra="forbid", title="ProjectFilters")

    q: Text(200) = Field(None, description="A part of the project's or the enterprise's name.")
    stage: Choice(PROJECT_STAGE) = Field(None, description="A stage.")
    pool: Choice(PROJECT_POOL) = Field(
        None, description="A pool: reserve, construction, in_effect."
    )
    status: Choice(PROJECT_STATUS) = Field(None, description="A status.")
    district: Text(20) = Field(None, description="A district code.")
    leader: QueryNumber = Field(None, description="The leader's user id.")
    owner_unit: QueryNumber = Field(None, description="The owner unit's id (that unit only).")
    project_type: Choice(PROJECT_TYPE) = Field(None, description="A project type.")
    sector: Choice(SECTOR) = Field(None, description="A sector.")
    segment: Text(20) = Field(
        None,
        description="A chain segment code: the segments of the lead the project came from or "
        "of its enterprise.",
    )
    tier: Choice(PROJECT_SIZE_TIER) = Field(
        None, description="over_100m: ≥ 10,000 万元 (including over_1b); over_1b: ≥ 100,000 万元."
    )
    in_statistics: QueryFlag = Field(None, description="true or false: 入库纳统.")
    signed_year: QueryNumber = Field(None, description="The year it was signed.")
    overdue: QueryFlag = Field(
        None, description="true: with at least one overdue milestone (in the city's time)."
    )
    started: QueryFlag = Field(
        None, description="true: construction has begun (建设库 or 达效库); false: not yet."
    )
    lead_signed_from: Day(EARLIEST, latest=city_today) = Field(
        None, description="Converted from a lead signed on this day or later (YYYY-MM-DD)."
    )
    lead_signed_to: Day(EARLIEST, latest=city_today) = Field(
        None, description="Converted from a lead signed on this day or earlier (YYYY-MM-DD)."
    )
    started_from: Day(EARLIEST, latest=city_today) = Field(
        None, description="Construction started on this day or later (YYYY-MM-DD)."
    )
    started_to: Day(EARLIEST, latest=city_today) = Field(
        None, description="Construction started on this day or earlier (YYYY-MM-DD)."
    )
    funds_from: Day(EARLIEST, latest=city_today) = Field(
        None, description="With funds arriving on this day or later (YYYY-MM-DD)."
    )
    funds_to: Day(EARLIEST, latest=city_today) = Field(
        None, description="With funds arriving on this day or earlier (YYYY-MM-DD)."
    )


PROJECTS = Declaration(
    fields=ProjectInput, record=ProjectRecord, summary=ProjectSummary, filters=ProjectFilters
)


# ---- what belongs to a project ----


class NoFilters(BaseModel):
    """A project's items are listed whole, in order; no filters."""

    model_config = ConfigDict(extra="forbid", title="NoFilters")


class _Item(BaseModel):
    """What every item of a project shows besides its fields."""

    id: int = Field(title="编号")
    version: int = Field(title="版本", description="Send it back with an update.")
    project_id: int = Field(title="项目")
    created_at: Timestamp = Field(title="创建时间")
    updated_at: Timestamp = Field(title="更新时间")


class MilestoneInput(BaseModel):
    model_config = ConfigDict(extra="forbid", title="MilestoneInput")

    name: Text(_length(Milestone.__table__.c.name), required=True) = Field(title="节点名称")
    planned_on: Day(EARLIEST, latest=_far_future) = Field(title="计划完成日期")
    actual_on: Day(EARLIEST, latest=city_today) = Field(
        None, title="实际完成日期", description="Required when status is done."
    )
    owner_id: Id = Field(None, title="责任人", description="A user's id.")
    status: Choice(MILESTONE_STATUS, nullable=False) = Field("pending", title="状态")


class MilestoneRecord(MilestoneInput, _Item):
    model_config = ConfigDict(title="Milestone", json_schema_serialization_defaults_required=True)

    overdue: bool = Field(
        title="逾期",
        description="Not done and its planned day is over in the city's time zone.",
    )


MILESTONES = Declaration(
    fields=MilestoneInput,
    record=MilestoneRecord,
    summary=pick("MilestoneSummary", MilestoneRecord, tuple(MilestoneRecord.model_fields)),
    filters=NoFilters,
)


class ProblemInput(BaseModel):
    model_config = ConfigDict(extra="forbid", title="ProblemInput")

    description: Text(TEXT_LENGTH, required=True) = Field(title="问题")
    responsible_unit_id: Id = Field(None, title="责任单位")
    deadline_on: Day(EARLIEST, latest=_far_future) = Field(None, title="办结时限")
    response: Text(TEXT_LENGTH) = Field(None, title="办理情况")
    status: Choice(PROBLEM_STATUS, nullable=False) = Field("open", title="状态")


class ProblemRecord(ProblemInput, _Item):
    model_config = ConfigDict(title="Problem", json_schema_serialization_defaults_required=True)


PROBLEMS = Declaration(
    fields=ProblemInput,
    record=ProblemRecord,
    summary=pick("ProblemSummary", ProblemRecord, tuple(ProblemRecord.model_fields)),
    filters=NoFilters,
)


class ProgressInput(BaseModel):
    model_config = ConfigDict(extra="forbid", title="ProgressEntryInput")

    period: Choice(PROGRESS_PERIOD, nullable=False) = Field("month", title="周期")
    period_start_on: Day(EARLIEST, latest=city_today) = Field(
        title="周期开始日期", description="A month's first day, or a week's Monday."
    )
    investment_period_wan: Amount(Money, "investment in the period, 万元") = Field(
        title="本期完成投资（万元）"
    )
    investment_cumulative_wan: Amount(Money, "cumulative investment, 万元") = Field(
        title="累计完成投资（万元）"
    )
    image_progress: Text(TEXT_LENGTH) = Field(None, title="形象进度")


class ProgressRecord(ProgressInput, _Item):
    model_config = ConfigDict(
        title="ProgressEntry", json_schema_serialization_defaults_required=True
    )


PROGRESS = Declaration(
    fields=ProgressInput,
    record=ProgressRecord,
    summary=pick("ProgressEntrySummary", ProgressRecord, tuple(ProgressRecord.model_fields)),
    filters=NoFilters,
)


class FundsInput(BaseModel):
    model_config = ConfigDict(extra="forbid", title="FundsArrivalInput")

    arrived_on: Day(EARLIEST, latest=city_today) = Field(title="到位日期")
    amount_wan: Amount(Money, "amount, 万元") = Field(title="到位金额（万元）")
    origin: Choice(FUNDS_ORIGIN, nullable=False) = Field("local", title="资金来源")
    currency: Text(3) = Field(None, title="币种", description="ISO 4217; required for foreign.")
    amount_usd: Amount(Money, "amount in US dollars, 万美元") = Field(
        None, title="折合美元（万美元）", description="Required for foreign funds."
    )


class FundsRecord(FundsInput, _Item):
    model_config = ConfigDict(
        title="FundsArrival", json_schema_serialization_defaults_required=True
    )


FUNDS = Declaration(
    fields=FundsInput,
    record=FundsRecord,
    summary=pick("FundsArrivalSummary", FundsRecord, tuple(FundsRecord.model_fields)),
    filters=NoFilters,
)


class StageChangeRecord(BaseModel):
    """One step of a lead's or a project's stage log."""

    model_config = ConfigDict(title="StageChange")

    id: int
    subject: str = Field(description="lead or project")
    from_stage: str | None = Field(description="null when the record was created")
    to_stage: str
    changed_at: Timestamp
    changed_by: str | None = Field(description="The user's display name.")
