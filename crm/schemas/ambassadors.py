"""Ambassadors (招商大使, 招才大使, 荣誉市民) declared once, for the bureau: what staff may write, what
a record and a list row show, and the list's filters. An ambassador is a user of role
`ambassador` and this profile; creating one creates the user, without a password, and answers
with a one-time invitation link. There is no delete: an ambassador is revoked (status `revoked`
with `revocation_reason`), which keeps their history and can be undone."""

from datetime import date, timedelta

from pydantic import BaseModel, ConfigDict, Field

from crm.clock import city_today
from crm.models import Ambassador, User
from crm.schemas.declaration import Declaration, pick
from crm.schemas.fields import Choice, Day, QueryFlag, Text, TextList, Timestamp
from crm.vocabulary import AMBASSADOR_KIND, AMBASSADOR_STATUS, Vocabulary

EARLIEST = date(2000, 1, 1)
MAX_REGIONS = 20
MAX_INDUSTRIES = 30
MAX_SEGMENTS = 100
WORD_LENGTH = 40
# What staff may set: "expired" follows from the term's end, never from a choice.
SETTABLE_STATUS = Vocabulary(
    "ambassador_settable_status",
    *(term for term in AMBASSADOR_STATUS if term.key in ("active", "revoked")),
)


def _column_length(name: str) -> int:
    return Ambassador.__table__.c[name].type.length


def _latest_term_end() -> date:
    return city_today() + timedelta(days=366 * 10)


def _latest_appointment() -> date:
    return city_today() + timedelta(days=366)


class AmbassadorInput(BaseModel):
    """What staff may write; a new ambassador takes the defaults of what it leaves out."""

    model_config = ConfigDict(extra="forbid", title="AmbassadorInput")

    name: Text(User.__table__.c.name.type.length, name=True) = Field(
        None,
        title="用户名",
        description="The log-in name of the ambassador's account: required when creating, "
        "fixed afterwards.",
    )
    display_name: Text(User.__table__.c.display_name.type.length, name=True) = Field(
        None, title="姓名", description="Required when creating."
    )
    phone: Text(_column_length("phone")) = Field(
        None, title="电话", description="Personal data: masked for officials."
    )
    email: Text(_column_length("email")) = Field(
        None, title="邮箱", description="Personal data: masked for officials."
    )
    kind: Choice(AMBASSADOR_KIND, nullable=False) = Field(title="类别")
    organisation: Text(_column_length("organisation"), name=True) = Field(None, title="单位")
    title: Text(_column_length("title"), name=True) = Field(None, title="职务")
    appointed_on: Day(EARLIEST, latest=_latest_appointment) = Field(None, title="聘任日期")
    term_ends_on: Day(EARLIEST, latest=_latest_term_end) = Field(
        None, title="任期届满", description="Not before appointed_on."
    )
    regions: TextList(MAX_REGIONS, WORD_LENGTH, names=True) = Field(
        default_factory=list,
        title="地区网络",
        description="Names of data/regions.toml's regions, e.g. 长三角.",
    )
    industries: TextList(MAX_INDUSTRIES, WORD_LENGTH, names=True) = Field(
        default_factory=list,
        title="行业网络",
        description="Words of a loaded chain's [industries], e.g. 新能源汽车.",
    )
    segments: TextList(MAX_SEGMENTS, 20) = Field(
        default_factory=list,
        title="产业链环节",
        description="Codes of chain segments (level 'segment'), e.g. M501.",
    )
    status: Choice(SETTABLE_STATUS, nullable=False) = Field(
        "active",
        title="状态",
        description="revoked (with revocation_reason) ends the account's sessions and tokens at "
        "once; active again reinstates, and the ambassador needs a new invitation link.",
    )
    revocation_reason: Text(_column_length("revocation_reason"), multiline=True) = Field(
        None, title="撤销原因", description="Required to revoke."
    )


class AmbassadorRecord(AmbassadorInput):
    """An ambassador as read: the fields, and what the system keeps or derives."""

    model_config = ConfigDict(title="Ambassador", json_schema_serialization_defaults_required=True)

    id: int = Field(title="编号")
    version: int = Field(title="版本", description="Send it back with an update.")
    user_id: int = Field(title="用户")
    status: Choice(AMBASSADOR_STATUS, nullable=False) = Field(
        title="状态",
        description="active; expired once term_ends_on has passed; revoked.",
    )
    term_ends_soon: bool = Field(
        title="即将届满", description="Active, and the term ends within 60 days."
    )
    revoked_at: Timestamp | None = Field(title="撤销时间")
    last_login_at: Timestamp | None = Field(title="最近登录")
    invitation_link: str | None = Field(
        title="邀请链接",
        description="Only in the answer that made it (create, or POST …/invitation): a "
        "one-time link to set a password. The server keeps its hash only.",
    )
    invitation_expires_at: Timestamp | None = Field(title="邀请链接有效期至")
    created_at: Timestamp = Field(title="创建时间")
    updated_at: Timestamp = Field(title="更新时间")


AmbassadorSummary = pick(
    "AmbassadorSummary",
    AmbassadorRecord,
    (
        "id",
        "version",
        "name",
        "display_name",
        "phone",
        "email",
        "kind",
        "organisation",
        "title",
        "appointed_on",
        "term_ends_on",
        "regions",
        "industries",
        "segments",
        "status",
        "term_ends_soon",
    ),
)


class AmbassadorFilters(BaseModel):
    model_config = ConfigDict(extra="forbid", title="AmbassadorFilters")

    q: Text(80) = Field(None, description="A part of the name, the log-in name or organisation.")
    kind: Choice(AMBASSADOR_KIND) = Field(None, description="A kind.")
    status: Choice(AMBASSADOR_STATUS) = Field(
        None, description="active, expired (term ended) or revoked."
    )
    expiring: QueryFlag = Field(
        None, description="true: active ambassadors whose term ends within 60 days."
    )


AMBASSADORS = Declaration(
    fields=AmbassadorInput,
    record=AmbassadorRecord,
    summary=AmbassadorSummary,
    filters=AmbassadorFilters,
)
