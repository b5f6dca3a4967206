"""Leads (招商线索) declared once: what may be written, what a record and a list row show, and
the list's filters. Stage and status are kept apart: a lead in talks may be on hold or lost."""

from datetime import date, timedelta

from pydantic import BaseModel, ConfigDict, Field

from crm.clock import city_today
from crm.models import Lead
from crm.models.base import Money
from crm.schemas.declaration import Declaration, pick
from crm.schemas.fields import (
    Amount,
    Choice,
    Count,
    Day,
    JsonObject,
    QueryFlag,
    QueryNumber,
    RecordId,
    Text,
    TextList,
    Timestamp,
)
from crm.vocabulary import LEAD_SOURCE, LEAD_STAGE, LEAD_STATUS, SECTOR


def _length(column) -> int:
    return column.type.length


EARLIEST = date(2000, 1, 1)
MAX_SEGMENTS = 100
MAX_BASIS = 4000


def _planning_horizon() -> date:
    """A next step may be planned this far ahead; further is a typing slip."""
    return city_today() + timedelta(days=5 * 366)


class _LeadFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Text(_length(Lead.__table__.c.name), required=True, name=True) = Field(
        title="线索名称", description="What the investor plans, e.g. 年产10万套电驱动系统项目."
    )
    enterprise: RecordId = Field(
        None,
        title="企业",
        description="The investor: an existing enterprise's id (or `new_enterprise` on create).",
    )
    source: Choice(LEAD_SOURCE, nullable=False) = Field(title="线索来源")
    stage: Choice(LEAD_STAGE, nullable=False) = Field(
        "clue",
        title="阶段",
        description="线索 → 初步接洽 → 实地考察 → 深度洽谈 → 签约. Forward steps may skip, "
        "going back is allowed; every change is logged (GET /leads/{id}/stage-changes). "
        "签约 needs the `verify` right, `signed_amount_wan` and `signed_on`.",
    )
    status: Choice(LEAD_STATUS, nullable=False) = Field(
        "active",
        title="状态",
        description="推进中, 暂缓 or 流失; 流失 needs `lost_reason` and `lost_to`.",
    )
    lost_reason: Text(_length(Lead.__table__.c.lost_reason)) = Field(None, title="流失原因")
    lost_to: Text(_length(Lead.__table__.c.lost_to)) = Field(
        None, title="流失去向", description="Who won the investment instead (a city, a park)."
    )
    intended_investment_wan: Amount(Money, "intended investment, 万元") = Field(
        None, title="意向投资额（万元）"
    )
    sector: Choice(SECTOR) = Field(None, title="产业类别")
    segments: TextList(MAX_SEGMENTS, 20) = Field(
        default_factory=list,
        title="产业链环节",
        description="Codes of chain segments (level 'segment'), e.g. M501.",
    )
    district: Text(20) = Field(
        None, title="意向落地区县", description="The district wanted: its administrative code."
    )
    owner: RecordId = Field(
        None, title="负责人", description="A user's id; a new lead's defaults to its creator."
    )
    owner_unit: RecordId = Field(
        None,
        title="责任单位",
        description="A unit's id; a new lead's defaults to its creator's unit. Decides who "
        "sees the lead.",
    )
    likelihood: Count(100) = Field(None, title="成功可能性（%）")
    next_step: Text(_length(Lead.__table__.c.next_step)) = Field(None, title="下一步工作")
    basis: Text(MAX_BASIS, multiline=True) = Field(
        None,
        title="线索依据",
        description="Why the bureau pursues it, e.g. the reasoning of a chain recommendation.",
    )
    next_step_on: Day(EARLIEST, latest=_planning_horizon) = Field(None, title="下一步日期")
    signed_amount_wan: Amount(Money, "signed amount, 万元") = Field(None, title="签约金额（万元）")
    signed_on: Day(EARLIEST, latest=city_today) = Field(None, title="签约日期")


class LeadInput(_LeadFields):
    """What a client may write; a new record takes the defaults of what it leaves out."""

    model_config = ConfigDict(extra="forbid", title="LeadInput")

    new_enterprise: JsonObject(
        "On create only, instead of `enterprise`: an EnterpriseInput object; the enterprise is "
        "created by the registry's own rules (duplicate names and credit codes are refused "
        "with the record that holds them)."
    ) = Field(None, title="新企业")


class LeadRecord(_LeadFields):
    """A lead as read: its fields and what the system sets."""

    model_config = ConfigDict(title="Lead", json_schema_serialization_defaults_required=True)

    id: int = Field(title="编号")
    version: int = Field(title="版本", description="Send it back with an update.")
    enterprise_name: str | None = Field(title="企业名称")
    owner_name: str | None = Field(title="负责人姓名")
    owner_unit_name: str | None = Field(title="责任单位名称")
    referrals: list[int] = Field(
        title="推荐",
        description="The ids of the ambassador referrals linked to the lead (co-referrers of "
        "one enterprise share it), first submitted first.",
    )
    created_at: Timestamp = Field(title="创建时间")
    updated_at: Timestamp = Field(title="更新时间")


LeadSummary = pick(
    "LeadSummary",
    LeadRecord,
    (
        "id",
        "version",
        "name",
        "enterprise",
        "enterprise_name",
        "source",
        "stage",
        "status",
        "intended_investment_wan",
        "sector",
        "district",
        "owner",
        "owner_name",
        "owner_unit",
        "owner_unit_name",
        "likelihood",
        "next_step",
        "next_step_on",
        "basis",
        "updated_at",
    ),
)


class LeadFilters(BaseModel):
    """The list's filters, as query parameters."""

    model_config = ConfigDict(extra="forbid", title="LeadFilters")

    q: Text(200) = Field(None, description="A part of the lead's name or of its enterprise's name.")
    stage: Choice(LEAD_STAGE) = Field(None, description="A stage.")
    status: Choice(LEAD_STATUS) = Field(None, description="A status.")
    source: Choice(LEAD_SOURCE) = Field(None, description="A source.")
    sector: Choice(SECTOR) = Field(None, description="A sector.")
    district: Text(20) = Field(None, description="The district wanted, by code.")
    owner: QueryNumber = Field(None, description="The owner's user id.")
    owner_unit: QueryNumber = Field(None, description="The owner unit's id.")
    segment: Text(20) = Field(None, description="A chain segment code.")
    overdue: QueryFlag = Field(
        None,
        description="true: the next step's date has passed (in the city's time zone) and the "
        "lead is neither signed nor lost; false: the others.",
    )
    signed_from: Day(EARLIEST, latest=city_today) = Field(
        None, description="Signed on this day or later (YYYY-MM-DD)."
    )
    signed_to: Day(EARLIEST, latest=city_today) = Field(
        None, description="Signed on this day or earlier (YYYY-MM-DD)."
    )


LEADS = Declaration(fields=LeadInput, record=LeadRecord, summary=LeadSummary, filters=LeadFilters)


class StageChangeRecord(BaseModel):
    """One entry of a lead's stage log."""

    model_config = ConfigDict(title="StageChange")

    id: int
    from_stage: str | None = Field(description="None when the lead was created.")
    to_stage: str
    changed_at: Timestamp
    changed_by: int | None = Field(description="The user's id.")
    changed_by_name: str | None
