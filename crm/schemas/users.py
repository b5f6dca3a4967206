"""Users (用户) declared once, for administrators: what may be written, what a record and a list
row show, and the list's filters. Passwords are never a field: a user sets their own through a
one-time link (crm.services.users.create_password_link)."""

from pydantic import BaseModel, ConfigDict, Field

from crm.models import User
from crm.schemas.declaration import Declaration, pick
from crm.schemas.fields import Choice, Count, Flag, QueryFlag, QueryNumber, Text, Timestamp
from crm.vocabulary import AMBASSADOR_KIND, ROLE

NAME_LENGTH = User.__table__.c.name.type.length
MAX_ID = 2**31 - 1


class UserInput(BaseModel):
    """What an administrator may write; a new user takes the defaults of what it leaves out."""

    model_config = ConfigDict(extra="forbid", title="UserInput")

    name: Text(NAME_LENGTH, required=True, name=True) = Field(
        title="用户名",
        description="The log-in name: letters (Chinese too), digits and . _ - @; NFKC-normalised.",
    )
    display_name: Text(User.__table__.c.display_name.type.length, name=True) = Field(
        None, title="姓名"
    )
    role: Choice(ROLE, nullable=False) = Field(title="角色")
    unit_id: Count(MAX_ID) = Field(
        None,
        title="单位",
        description="The unit's id. Staff see and change what their unit's scope allows; staff "
        "without a unit see no leads or projects and change nothing.",
    )
    can_verify: Flag = Field(False, title="可核验签约", description="Officials only.")
    ambassador_kind: Choice(AMBASSADOR_KIND) = Field(
        None, title="大使类别", description="Ambassadors only; set when the user is created."
    )
    active: Flag = Field(True, title="启用", description="false: deactivated, cannot log in.")


class UserRecord(UserInput):
    """A user as read: the fields, and what the system keeps."""

    model_config = ConfigDict(title="User", json_schema_serialization_defaults_required=True)

    id: int = Field(title="编号")
    version: int = Field(title="版本", description="Send it back with an update.")
    unit_name: str | None = Field(title="单位名称")
    last_login_at: Timestamp | None = Field(title="最近登录")
    live_sessions: int = Field(title="登录会话", description="Sessions not ended.")
    live_tokens: int = Field(title="API 令牌", description="Tokens neither revoked nor expired.")
    created_at: Timestamp = Field(title="创建时间")
    updated_at: Timestamp = Field(title="更新时间")


UserSummary = pick(
    "UserSummary",
    UserRecord,
    (
        "id",
        "version",
        "name",
        "display_name",
        "role",
        "unit_id",
        "unit_name",
        "can_verify",
        "active",
        "last_login_at",
    ),
)


class UserFilters(BaseModel):
    model_config = ConfigDict(extra="forbid", title="UserFilters")

    q: Text(NAME_LENGTH) = Field(None, description="A part of the log-in name or the name.")
    role: Choice(ROLE) = Field(None, description="A role.")
    unit: QueryNumber = Field(None, description="A unit's id.")
    active: QueryFlag = Field(None, description="true: active users; false: deactivated ones.")


USERS = Declaration(fields=UserInput, record=UserRecord, summary=UserSummary, filters=UserFilters)
