"""Users: creation with an ambassador profile where due, and authentication."""

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from crm.models import Ambassador, ApiToken, Unit, User
from crm.models.base import utcnow
from crm.services import audit
from crm.vocabulary import AMBASSADOR_KIND, ROLE

MIN_PASSWORD_LENGTH = 8


class UserError(ValueError):
    """A user that cannot be created as asked; the message says why, in Chinese."""


def create_user(
    session: Session,
    name: str,
    role: str,
    password: str,
    *,
    display_name: str | None = None,
    unit: Unit | None = None,
    can_verify: bool = False,
    ambassador_kind: str = "investment_ambassador",
    actor_id: int | None = None,
) -> User:
    name = name.strip()
    if not name:
        raise UserError("用户名不能为空")
    if role not in ROLE:
        raise UserError(f"未知角色 {role!r}，可选：{', '.join(ROLE.keys)}")
    if role == "ambassador" and ambassador_kind not in AMBASSADOR_KIND:
        raise UserError(
            f"未知大使类别 {ambassador_kind!r}，可选：{', '.join(AMBASSADOR_KIND.keys)}"
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"密码至少需要 {MIN_PASSWORD_LENGTH} 个字符")
    if session.scalar(select(User.id).where(User.name == name)) is not None:
        raise UserError(f"用户名 {name} 已存在")

    user = User(
        name=name,
        role=role,
        display_name=display_name,
        unit=unit,
        can_verify=can_verify,
        created_by_id=actor_id,
    )
    user.set_password(password)
    session.add(user)
    audit.record_create(session, user, actor_id)
    if role == "ambassador":
        profile = Ambassador(user=user, kind=ambassador_kind, created_by_id=actor_id)
        session.add(profile)
        audit.record_create(session, profile, actor_id)
    return user


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
    if not found.active or not check_password_hash(found.password_hash, password):
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


def revoke_tokens(session: Session, user: User, actor_id: int | None = None) -> int:
    """Revoke every live API token of the user; returns how many."""
    tokens = session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ).all()
    for token in tokens:
        token.revoked_at = utcnow()
        audit.record_event(session, "delete", "api_tokens", token.id, actor_id)
    return len(tokens)


def set_preferred_locale(session: Session, user: User, locale: str) -> None:
    """The UI language the user chose; remembered across sessions and devices."""
    user.locale = locale
    audit.record_update(session, user, user.id)


def create_token(session: Session, user: User, name: str | None = None) -> str:
    """Issue an API token for the user; only its hash is stored, the token is returned once."""
    token_record, token = ApiToken.issue(user, name)
    session.add(token_record)
    audit.record_create(session, token_record, user.id)
    return token
