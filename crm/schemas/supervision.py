"""Supervision items (督办) declared once: what a PATCH may write (an answer, or a staff
member's close, re-open or escalation), what a record and a list row show, and the filters."""

from datetime import date, timedelta

from pydantic import BaseModel, ConfigDict, Field

from crm.clock import city_today
from crm.schemas.declaration import Declaration, pick
from crm.schemas.fields import Choice, Day, QueryFlag, QueryNumber, Text, Timestamp
from crm.vocabulary import (
    SUPERVISION_CARD,
    SUPERVISION_LEVEL,
    SUPERVISION_SOURCE,
    SUPERVISION_STATUS,
)

MAX_TEXT = 2000
EARLIEST_DEADLINE = date(2000, 1, 1)


def _latest_deadline() -> date:
    return city_today() + timedelta(days=366)


class SupervisionInput(BaseModel):
    """What a PATCH may send. The assignee answers (response, status "answered"); staff close
    (status "closed"), re-open (status "open" with a new deadline_on and a reason) or escalate
    (a higher level with a reason). Items are made by the monthly generation, never by hand."""

    model_config = ConfigDict(extra="forbid", title="SupervisionItemInput")

    response: Text(MAX_TEXT, multiline=True) = Field(
        None, title="反馈", description="The assignee's answer: what was done, and by when."
    )
    status: Choice(SUPERVISION_STATUS, nullable=False) = Field(None, title="状态")
    deadline_on: Day(EARLIEST_DEADLINE, latest=_latest_deadline) = Field(
        None, title="办理期限", description="A new deadline, given when re-opening."
    )
    level: Choice(SUPERVISION_LEVEL, nullable=False) = Field(
        None, title="督办层级", description="A higher level escalates the item (with a reason)."
    )
    reason: Text(MAX_TEXT, multiline=True) = Field(
        None, title="理由", description="Why the item is re-opened, escalated or closed."
    )


class SupervisionRecord(BaseModel):
    """A supervision item as read."""

    model_config = ConfigDict(
        title="SupervisionItem", json_schema_serialization_defaults_required=True
    )

    id: int = Field(title="编号")
    version: int = Field(title="版本", description="Send it back with an update.")
    source: Choice(SUPERVISION_SOURCE, nullable=False) = Field(title="来源")
    project_id: int | None = Field(title="项目")
    project_name: str | None = Field(title="项目名称")
    milestone_id: int | None = Field(title="节点")
    problem_id: int | None = Field(title="问题")
    service_request_id: int | None = Field(title="企业诉求")
    description: str = Field(title="督办事项")
    assignee_id: int | None = Field(title="责任领导")
    assignee_name: str | None = Field(title="责任领导姓名")
    assignee_unit_id: int | None = Field(title="责任单位")
    assignee_unit_name: str | None = Field(title="责任单位名称")
    opened_on: date = Field(title="督办日期")
    deadline_on: date = Field(title="办理期限")
    response: str | None = Field(title="反馈")
    responded_at: Timestamp | None = Field(title="反馈时间")
    status: Choice(SUPERVISION_STATUS, nullable=False) = Field(title="状态")
    card: Choice(SUPERVISION_CARD, nullable=False) = Field(title="警示")
    level: Choice(SUPERVISION_LEVEL, nullable=False) = Field(title="督办层级")
    overdue: bool = Field(
        title="已逾期", description="Open, and its deadline is before today in the city."
    )
    updated_at: Timestamp = Field(title="更新时间")


SupervisionSummary = pick(
    "SupervisionItemSummary",
    SupervisionRecord,
    (
        "id",
        "version",
        "source",
        "project_id",
        "project_name",
        "description",
        "assignee_id",
        "assignee_name",
        "assignee_unit_name",
        "opened_on",
        "deadline_on",
        "status",
        "card",
        "level",
        "overdue",
    ),
)


class SupervisionFilters(BaseModel):
    """The list's filters, as query parameters."""

    model_config = ConfigDict(extra="forbid", title="SupervisionItemFilters")

    mine: QueryFlag = Field(None, description="true: the items assigned to the caller.")
    status: Choice(SUPERVISION_STATUS) = Field(None, description="A status.")
    card: Choice(SUPERVISION_CARD) = Field(None, description="A warning card.")
    level: Choice(SUPERVISION_LEVEL) = Field(None, description="An escalation level.")
    source: Choice(SUPERVISION_SOURCE) = Field(None, description="Where the item came from.")
    district: QueryNumber = Field(None, description="The project's district id.")
    overdue: QueryFlag = Field(None, description="true: open past the deadline.")


SUPERVISION = Declaration(
    fields=SupervisionInput,
    record=SupervisionRecord,
    summary=SupervisionSummary,
    filters=SupervisionFilters,
)
