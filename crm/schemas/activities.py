"""Activities (走访、洽谈、考察、电话、会议) of a lead, declared once."""

from datetime import date, timedelta

from pydantic import BaseModel, ConfigDict, Field

from crm.clock import city_today
from crm.models import Activity
from crm.schemas.declaration import Declaration, pick
from crm.schemas.fields import Choice, Day, Text, Timestamp
from crm.vocabulary import ACTIVITY_KIND

EARLIEST = date(2000, 1, 1)
MAX_NOTES = 10_000


def _soon() -> date:
    """An activity may be entered a little ahead (a meeting fixed for next week)."""
    return city_today() + timedelta(days=366)


class ActivityInput(BaseModel):
    model_config = ConfigDict(extra="forbid", title="ActivityInput")

    kind: Choice(ACTIVITY_KIND, nullable=False) = Field(title="方式")
    occurred_on: Day(EARLIEST, latest=_soon) = Field(title="日期")
    participants: Text(Activity.__table__.c.participants.type.length) = Field(
        None, title="参加人员", description="Staff and the enterprise's people, as text."
    )
    notes: Text(MAX_NOTES, multiline=True) = Field(None, title="情况记录")
    follow_up: Text(Activity.__table__.c.follow_up.type.length) = Field(None, title="跟进事项")


class ActivityRecord(ActivityInput):
    model_config = ConfigDict(title="Activity", json_schema_serialization_defaults_required=True)

    id: int = Field(title="编号")
    version: int = Field(title="版本", description="Send it back with an update.")
    lead: int | None = Field(title="线索")
    enterprise: int | None = Field(title="企业")
    created_by_name: str | None = Field(title="记录人")
    created_at: Timestamp = Field(title="创建时间")
    updated_at: Timestamp = Field(title="更新时间")


ActivitySummary = pick(
    "ActivitySummary",
    ActivityRecord,
    ("id", "version", "kind", "occurred_on", "participants", "notes", "follow_up", "lead"),
)


class ActivityFilters(BaseModel):
    model_config = ConfigDict(extra="forbid", title="ActivityFilters")

    kind: Choice(ACTIVITY_KIND) = Field(None, description="A kind of activity.")


ACTIVITIES = Declaration(
    fields=ActivityInput, record=ActivityRecord, summary=ActivitySummary, filters=ActivityFilters
)
