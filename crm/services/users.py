"""Users: creation and administration, authentication, passwords and their one-time links,
API tokens. Ending sessions is crm.services.sessions; it is called wherever access changes."""

import re
import secrets
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from crm.models import Ambassador, ApiToken, PasswordLink, Unit, User, UserSession
from crm.models.base import utcnow
from crm.models.user import new_secret, secret_hash
from crm.schemas.fields import MAX_ID, FieldProblem, clean_text
from crm.schemas.users import USERS, UserFilters
from crm.services import audit, records, sessions
from crm.services.errors import ValidationError
from crm.services.passwords import password_problems

MANAGE = "user.manage"
# What a log-in name may hold: letters (Chinese too), digits and a few marks. Nothing invisible,
# no direction controls, no look-alike full-width forms (names are NFKC-normalised first).
LOG_IN_NAME = re.compile(r"[\w.@-]+")
# A one-time link to set a password is good for this long unless configured otherwise.
PASSWORD_LINK_HOURS = 72
MAX_TOKEN_DAYS = 3650


class UserError(ValidationError):
    """A user that cannot be created or changed as asked; str() is the messages, for the CLI."""

    @classmethod
    def on(cls, field: str, message: str) -> "UserError":
        return cls({field: [message]})

    def __str__(self) -> str:
        return "；".join(message for messages in self.fields.values() for message in messages)


# ---- creating and changing users ----


def create_user(
    session: Session,
    name: str,
    role: str,
    password: str | None = None,
    *,
    display_name: str | None = None,
    unit: Unit | None = None,
    can_verify: bool = False,
    ambassador_kind: str | None = None,
    actor_id: int | None = None,
) -> User:
    """A new user. Without a password the user cannot log in until they set one through a
    one-time link (create_password_link)."""
    values = _checked(
        session,
        {
            "name": name,
            "role": role,
            "display_name": display_name,
            "unit_id": unit.id if unit is not None else None,
            "can_verify": can_verify,
            "ambassador_kind": ambassador_kind,
        },
    )
    if password is not None:
        _check_password(password, values["name"])
    user = User(
        name=values["name"],
        role=values["role"],
        display_name=values["display_name"],
        unit=unit,
        can_verify=values["can_verify"],
        created_by_id=actor_id,
    )
    # No password yet: a random one nobody knows, so the hash column holds a real hash.
    user.set_password(password if password is not None else secrets.token_urlsafe(32))
    session.add(user)
    audit.record_create(session, user, actor_id)
    if user.role == "ambassador":
        kind = values["ambassador_kind"] or "investment_ambassador"
        profile = Ambassador(user=user, kind=kind, created_by_id=actor_id)
        session.add(profile)
        audit.record_create(session, profile, actor_id)
    return user


def _checked(
    session: Session, data: Mapping, user: User | None = None, *, staff_need_a_unit=False
) -> dict:
    """The cleaned values of `data` for a new user (`user` None) or a change; UserError naming
    every wrong field otherwise. With `staff_need_a_unit` (an administrator's form and the API)
    staff without a unit are refused: they would see and change nothing."""
    values, errors = USERS.clean(data, partial=user is not None)
    if values.get("name"):
        values["name"] = unicodedata.normalize("NFKC", values["name"])
    role = values.get("role", user.role if user else None)
    unit_id = values.get("unit_id", user.unit_id if user else None)
    placing = user is None or "role" in values or "unit_id" in values
    if (
        staff_need_a_unit
        and placing
        and role == "staff"
        and unit_id is None
        and "unit_id" not in errors
    ):
        errors["unit_id"] = [_("工作人员须属于一个单位：单位决定其能查看和修改的范围")]
    if "name" in values and "name" not in errors:
        if not LOG_IN_NAME.fullmatch(values["name"]):
            errors["name"] = [_("用户名只能由字母、汉字、数字和 . _ - @ 组成，不能有空格")]
        elif _name_taken(session, values["name"], user):
            errors["name"] = [_("用户名 %(name)s 已被使用", name=values["name"])]
    if values.get("unit_id") is not None and session.get(Unit, values["unit_id"]) is None:
        errors["unit_id"] = [_("单位不存在")]
    changes_role = user is not None and values.get("role", user.role) != user.role
    if changes_role and "ambassador" in (values["role"], user.role):
        # An ambassador's referrals and profile are not a staff user's, nor the reverse.
        errors["role"] = [_("大使账号与其他角色不能互换，请另建账号")]
    if values.get("can_verify") and role != "official":
        errors["can_verify"] = [_("只有领导可以核验签约")]
    if values.get("ambassador_kind") is not None and role != "ambassador":
        errors["ambassador_kind"] = [_("只有大使有大使类别")]
    if user is not None and "ambassador_kind" in data and data["ambassador_kind"] is not None:
        errors.setdefault("ambassador_kind", [_("大使类别在创建时设定")])
    if errors:
        raise UserError(errors)
    return values


def _name_taken(session: Session, name: str, user: User | None) -> bool:
    # Case-insensitively: "Li.Staff" and "li.staff" would be two accounts to a reader, not one.
    statement = select(User.id).where(func.lower(User.name) == name.lower())
    if user is not None:
        statement = statement.where(User.id != user.id)
    return session.scalar(statement.limit(1)) is not None


def update_user(session: Session, user: User, data: Mapping, expected_version: int, actor) -> User:
    """An administrator's change of a user; a change of role, unit or activity ends the user's
    sessions, so the next request runs under the new rights or none."""
    records.require(actor, MANAGE)
    records.check_version(user, expected_version)
    values = _checked(session, data, user, staff_need_a_unit=True)
    values.pop("ambassador_kind", None)
    _keep_an_admin(session, user, values, actor)
    revoked = (
        user.role == "ambassador"
        and user.ambassador is not None
        and user.ambassador.status == "revoked"
    )
    if values.get("active") and not user.active and revoked:
        # A revoked ambassador comes back only by reinstatement (the ambassadors' page), which
        # records it; reactivating the account alone would undo the revocation unseen.
        raise UserError.on("active", _("这位大使已被撤销，请在大使页面恢复。"))
    access_before = (user.role, user.unit_id, user.active)
    with records.stale_as_conflict():
        for field, value in values.items():
            setattr(user, field, value)
        if user.role != "official":
            user.can_verify = False
        audit.record_update(session, user, records.actor_id(actor))
        session.flush()
    if (user.role, user.unit_id, user.active) != access_before:
        # An administrator changing their own unit stays logged in where they made the change.
        own = actor is not None and actor.id == user.id
        keep = sessions.current_session_id(actor) if own else None
        sessions.end_sessions(session, user, records.actor_id(actor), keep=keep)
    if not user.active:
        _cut_off(session, user, actor)
    return user


def _keep_an_admin(session: Session, user: User, values: dict, actor) -> None:
    """No administrator locks themselves out, and the last active one stays."""
    stays_admin = values.get("role", user.role) == "admin" and values.get("active", user.active)
    if user.role != "admin" or not user.active or stays_admin:
        return
    field = "active" if not values.get("active", True) else "role"
    if actor is not None and actor.id == user.id:
        raise UserError.on(field, _("不能停用自己的管理员账号或取消自己的管理员角色"))
    # Locked (PostgreSQL; SQLite's write transaction holds the whole database), so two
    # administrators removing each other at the same moment cannot leave none.
    others = session.scalars(
        select(User.id)
        .where(User.role == "admin", User.active.is_(True), User.id != user.id)
        .with_for_update()
    ).all()
    if not others:
        raise UserError.on(field, _("这是最后一个启用的管理员账号"))


def deactivate_user(session: Session, user: User, actor) -> User:
    """Deactivate: the user can no longer log in, their sessions end, tokens and links die."""
    records.require(actor, MANAGE)
    if not user.active:
        return user
    _keep_an_admin(session, user, {"active": False}, actor)
    user.active = False
    audit.record_update(session, user, records.actor_id(actor))
    sessions.end_sessions(session, user, records.actor_id(actor))
    _cut_off(session, user, actor)
    return user


def _cut_off(session: Session, user: User, actor) -> None:
    revoke_tokens(session, user, records.actor_id(actor))
    _cancel_links(session, user)


def lock_out(session: Session, user: User, actor_id: int | None) -> None:
    """What deactivation does, for a service that decides it by its own right (an ambassador's
    revocation): the account cannot log in, its sessions end at once, its tokens are revoked,
    its password links die, and its password is replaced by one nobody knows, so that being
    active again takes a new link."""
    user.active = False
    session.execute(
        update(User)
        .where(User.id == user.id)
        .values(password_hash=generate_password_hash(secrets.token_urlsafe(32)))
        .execution_options(synchronize_session=False)
    )
    session.refresh(user, ["password_hash"])
    audit.record_update(session, user, actor_id)
    sessions.end_sessions(session, user, actor_id)
    revoke_tokens(session, user, actor_id)
    _cancel_links(session, user)


# ---- reads for administrators ----


def get_user(session: Session, user_id: int, actor) -> User:
    return records.get_live(session, User, user_id, actor, MANAGE)


def _listed(filters: UserFilters):
    statement = select(User).outerjoin(Unit, Unit.id == User.unit_id)
    if filters.q:
        pattern = f"%{filters.q.lower()}%"
        statement = statement.where(
            or_(func.lower(User.name).like(pattern), func.lower(User.display_name).like(pattern))
        )
    if filters.role:
        statement = statement.where(User.role == filters.role)
    if filters.unit:
        statement = statement.where(User.unit_id == filters.unit)
    if filters.active is not None:
        statement = statement.where(User.active.is_(filters.active))
    return statement


def list_users(session: Session, filters: UserFilters, actor, page: int = 1, per_page: int = 50):
    records.require(actor, MANAGE)
    statement = _listed(filters).order_by(User.active.desc(), User.name)
    rows, has_next = records.numbered_page(session, statement, page, per_page)
    return [row.User for row in rows], has_next


def user_values(session: Session, user: User) -> dict:
    """The record's values as its declaration names them."""
    now = utcnow()
    live_sessions = session.scalar(
        select(func.count())
        .select_from(UserSession)
        .where(
            UserSession.user_id == user.id,
            UserSession.ended_at.is_(None),
            UserSession.expires_at > now,
        )
    )
    live_tokens = session.scalar(
        select(func.count()).select_from(ApiToken).where(ApiToken.user_id == user.id, _live(now))
    )
    return summary_values(user) | {
        "ambassador_kind": user.ambassador.kind if user.ambassador else None,
        "live_sessions": live_sessions,
        "live_tokens": live_tokens,
        "created_at": user.created_at,
        "updated_at": user.updated_at,
    }


def summary_values(user: User) -> dict:
    return {
        "id": user.id,
        "version": user.version,
        "name": user.name,
        "display_name": user.display_name,
        "role": user.role,
        "unit_id": user.unit_id,
        "unit_name": user.unit.name if user.unit else None,
        "can_verify": user.can_verify,
        "active": user.active,
        "last_login_at": user.last_login_at,
    }


# ---- the resource layer's functions ----


def create_user_from(session: Session, data: Mapping, actor) -> User:
    records.require(actor, MANAGE)
    values = _checked(session, data, staff_need_a_unit=True)
    if not values["active"]:
        raise UserError.on("active", _("新用户应为启用状态"))
    unit = session.get(Unit, values["unit_id"]) if values["unit_id"] else None
    return create_user(
        session,
        values["name"],
        values["role"],
        display_name=values["display_name"],
        unit=unit,
        can_verify=values["can_verify"],
        ambassador_kind=values["ambassador_kind"],
        actor_id=records.actor_id(actor),
    )


# ---- log-in ----


# Checked when the name is unknown, so the answer takes as long as for a real user.
_DUMMY_HASH = generate_password_hash("no such user")


def authenticate(session: Session, name: str, password: str) -> User | None:
    """The user whose name and password these are, with the log-in recorded; else None.

    The first step of a log-in: the read ends its transaction before the password is checked,
    which is slow on purpose, so no lock (SQLite's write lock) is held meanwhile. Call it with
    nothing pending in the session."""
    found = session.execute(
        select(User.id, User.password_hash, User.active).where(User.name == name.strip())
    ).first()
    session.rollback()
    if found is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    # The hash first, always: a deactivated account must not answer faster than a wrong password.
    if not check_password_hash(found.password_hash, password) or not found.active:
        return None
    user = session.get(User, found.id)
    # A log-in is not an edit of the user: a plain UPDATE leaves `version` alone, so people
    # logging in at the same moment as the same user do not collide.
    session.execute(
        update(User)
        .where(User.id == user.id)
        .values(last_login_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    audit.record_event(session, "login", "users", user.id, user.id)
    return user


def set_preferred_locale(session: Session, user: User, locale: str) -> None:
    """The UI language the user chose; remembered across sessions and devices."""
    user.locale = locale
    audit.record_update(session, user, user.id)


# ---- passwords ----


def _check_password(password: str, user_name: str, field: str = "password") -> None:
    problems = password_problems(password, user_name)
    if problems:
        raise UserError.on(field, problems[0])


def set_password(
    session: Session, user: User, password: str, actor_id: int | None, *, keep: int | None = None
) -> None:
    """A new password (checked against the rules); every session but `keep` ends."""
    _check_password(password, user.name)
    # Not an edit of the record's fields: the audit trail says a password was set, never what.
    session.execute(
        update(User)
        .where(User.id == user.id)
        .values(password_hash=generate_password_hash(password))
        .execution_options(synchronize_session=False)
    )
    session.refresh(user, ["password_hash"])
    audit.record_event(session, "password", "users", user.id, actor_id)
    sessions.end_sessions(session, user, actor_id, keep=keep)
    _cancel_links(session, user)


def change_own_password(
    session: Session, user: User, current: str, new: str, confirm: str | None = None
) -> None:
    """The user's own change: the current password is required; their other sessions end,
    this one goes on."""
    if not check_password_hash(user.password_hash, current or ""):
        raise UserError.on("current", _("当前密码不正确"))
    if confirm is not None and new != confirm:
        raise UserError.on("confirm", _("两次输入的新密码不一致"))
    if new == current:
        raise UserError.on("password", _("新密码不能与当前密码相同"))
    set_password(session, user, new, user.id, keep=sessions.current_session_id(user))


def password_link_hours() -> int:
    if has_app_context():
        return int(current_app.config.get("PASSWORD_LINK_HOURS", PASSWORD_LINK_HOURS))
    return PASSWORD_LINK_HOURS


@dataclass(frozen=True)
class IssuedLink:
    token: str  # shown once, then only its hash exists
    expires_at: datetime


def create_password_link(session: Session, user: User, actor) -> IssuedLink:
    """A one-time link for the user to set a password; older unused links stop working."""
    records.require(actor, MANAGE)
    return issue_password_link(session, user, records.actor_id(actor))


def issue_password_link(session: Session, user: User, actor_id: int | None) -> IssuedLink:
    """The link itself, for a service that checked the actor's right (an ambassador's
    invitation is staff's, ambassador.write); older unused links stop working."""
    if not user.active:
        raise UserError.on("active", _("账号已停用，请先启用"))
    _cancel_links(session, user)
    token, token_hash = new_secret()
    link = PasswordLink(
        user_id=user.id,
        token_hash=token_hash,
        expires_at=utcnow() + timedelta(hours=password_link_hours()),
        created_by_id=actor_id,
    )
    session.add(link)
    audit.record_create(session, link, actor_id)
    return IssuedLink(token, link.expires_at)


def _cancel_links(session: Session, user: User) -> None:
    session.execute(
        update(PasswordLink)
        .where(
            PasswordLink.user_id == user.id,
            PasswordLink.used_at.is_(None),
            PasswordLink.cancelled_at.is_(None),
        )
        .values(cancelled_at=utcnow())
        .execution_options(synchronize_session=False)
    )


class LinkProblem(ValueError):
    """A password link that cannot be used; the message says why."""


def password_link(session: Session, token: str) -> PasswordLink:
    """The live link for this token; LinkProblem says why not."""
    link = session.scalar(select(PasswordLink).where(PasswordLink.token_hash == secret_hash(token)))
    if link is None:
        raise LinkProblem(_("链接无效，请向管理员索取新的链接。"))
    if link.used_at is not None:
        raise LinkProblem(_("此链接已使用过。如需重设密码，请向管理员索取新的链接。"))
    if link.cancelled_at is not None:
        raise LinkProblem(_("此链接已被更新的链接取代，或账号已停用。"))
    if link.expires_at <= utcnow() or not link.user.active:
        raise LinkProblem(_("此链接已过期，请向管理员索取新的链接。"))
    return link


def redeem_password_link(session: Session, token: str, password: str, confirm: str) -> User:
    """Set the password through a link, which is then used up; every session of the user ends."""
    link = password_link(session, token)
    if password != confirm:
        raise UserError.on("confirm", _("两次输入的密码不一致"))
    _check_password(password, link.user.name)
    # Used up by one conditional UPDATE: of two requests racing with the same link, one wins.
    now = utcnow()
    won = session.execute(
        update(PasswordLink)
        .where(
            PasswordLink.id == link.id,
            PasswordLink.used_at.is_(None),
            PasswordLink.cancelled_at.is_(None),
            PasswordLink.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if won != 1:
        raise LinkProblem(_("此链接已使用过。如需重设密码，请向管理员索取新的链接。"))
    set_password(session, link.user, password, link.user_id)
    return link.user


# ---- API tokens ----


def _live(now):
    return ApiToken.revoked_at.is_(None) & or_(
        ApiToken.expires_at.is_(None), ApiToken.expires_at > now
    )


def create_token(
    session: Session,
    user: User,
    name: str | None = None,
    *,
    expires_days: int | None = None,
    actor_id: int | None = None,
) -> str:
    """Issue an API token for the user; only its hash is stored, the token is returned once."""
    if not user.active:
        raise UserError.on("name", _("账号已停用，不能发放令牌"))
    if expires_days is not None and not 1 <= expires_days <= MAX_TOKEN_DAYS:
        raise UserError.on("expires_days", _("有效期应为 1 到 %(max)d 天", max=MAX_TOKEN_DAYS))
    try:
        name = clean_text(name, ApiToken.__table__.c.name.type.length, name=True)
    except FieldProblem as problem:
        raise UserError.on("name", str(problem)) from None
    token, token_hash = new_secret()
    now = utcnow()
    record = ApiToken(
        user_id=user.id,
        name=name,
        token_hash=token_hash,
        created_at=now,
        expires_at=now + timedelta(days=expires_days) if expires_days else None,
        created_by_id=actor_id if actor_id is not None else user.id,
    )
    session.add(record)
    audit.record_create(session, record, actor_id if actor_id is not None else user.id)
    return token


def tokens_of(session: Session, user: User, *, live_only: bool = True) -> list[ApiToken]:
    statement = select(ApiToken).where(ApiToken.user_id == user.id)
    if live_only:
        statement = statement.where(_live(utcnow()))
    return list(session.scalars(statement.order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def revoke_token(session: Session, user: User, token_id: int, actor_id: int | None) -> bool:
    """Revoke one of the user's tokens; False when it is not theirs or already revoked."""
    if not 0 < token_id <= MAX_ID:
        return False
    revoked = session.execute(
        update(ApiToken)
        .where(ApiToken.id == token_id, ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if revoked:
        audit.record_event(session, "revoke", "api_tokens", token_id, actor_id)
    return bool(revoked)


def revoke_tokens(session: Session, user: User, actor_id: int | None = None) -> int:
    """Revoke every live API token of the user; returns how many."""
    revoked = session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if revoked:
        audit.record_event(session, "revoke", "users", user.id, actor_id)
    return revoked
