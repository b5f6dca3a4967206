"""Service requests (企业诉求) declared once: what may be written, what a record and a list row
show, and the list's filters."""

from datetime import date, timedelta

from pydantic import BaseModel, ConfigDict, Field

from crm.clock import city_today
from crm.schemas.declaration import Declaration, pick
from crm.schemas.fields import MAX_ID, Choice, Count, Day, QueryFlag, QueryNumber, Text, Timestamp
from crm.vocabulary import SERVICE_REQUEST_STATUS

MAX_TEXT = 2000
EARLIEST_DEADLINE = date(2000, 1, 1)


def _latest_deadline() -> date:
    return city_today() + timedelta(days=5 * 366)


class ServiceRequestInput(BaseModel):
    """What a client may write; a new request takes the defaults of what it leaves out."""

    model_config = ConfigDict(extra="forbid", title="ServiceRequestInput")

    enterprise_id: Count(MAX_ID) = Field(
        title="企业", description="The enterprise's id; set when the request is made."
    )
    request: Text(MAX_TEXT, required=True) = Field(
        title="诉求内容", description="What the enterprise asks for."
    )
    responsible_unit_id: Count(MAX_ID) = Field(
        None, title="责任单位", description="The id of the unit that answers it."
    )
    deadline_on: Day(EARLIEST_DEADLINE, latest=_latest_deadline) = Field(
        None, title="办理期限", description="Overdue after this day (the city's time zone)."
    )
    response: Text(MAX_TEXT) = Field(
        None, title="答复", description="The answer; needed once answered or closed."
    )
    status: Choice(SERVICE_REQUEST_STATUS, nullable=False) = Field("open", title="状态")


class ServiceRequestRecord(ServiceRequestInput):
    """A service request as read: its fields and what the system works out."""

    model_config = ConfigDict(
        title="ServiceRequest", json_schema_serialization_defaults_required=True
    )

    id: int = Field(title="编号")
    version: int = Field(title="版本", description="Send it back with an update.")
    enterprise_name: str = Field(title="企业名称")
    responsible_unit_name: str | None = Field(title="责任单位名称")
    overdue: bool = Field(
        title="已逾期",
        description="Open or in progress, and its deadline is before today in the city.",
    )
    created_at: Timestamp = Field(title="创建时间")
    updated_at: Timestamp = Field(title="更新时间")


ServiceRequestSummary = pick(
    "ServiceRequestSummary",
    ServiceRequestRecord,
    (
        "id",
        "version",
        "enterprise_id",
        "enterprise_name",
        "request",
        "responsible_unit_id",
        "responsible_unit_name",
        "deadline_on",
        "status",
        "overdue",
        "updated_at",
    ),
)


class ServiceRequestFilters(BaseModel):
    """The list's filters, as query parameters."""

    model_config = ConfigDict(extra="forbid", title="ServiceRequestFilters")

    enterprise: QueryNumber = Field(None, description="An enterprise's id.")
    status: Choice(SERVICE_REQUEST_STATUS) = Field(None, description="A status.")
    unit: QueryNumber = Field(None, description="The responsible unit's id.")
    open: QueryFlag = Field(
        None, description="true: open or in progress; false: answered or closed."
    )
    overdue: QueryFlag = Field(
        None, description="true: open or in progress past the deadline; false: the others."
    )


SERVICE_REQUESTS = Declaration(
    fields=ServiceRequestInput,
    record=ServiceRequestRecord,
    summary=ServiceRequestSummary,
    filters=ServiceRequestFilters,
)
