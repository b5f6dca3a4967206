"""Log-in sessions that can be ended.

Each log-in makes a UserSession row and a secret key; the session cookie and the remember-me
cookie carry "row id.key" (Flask-Login's user id, see User.get_id), so both are new at every
log-in and every request checks the row. Log-out ends the row; "sign out everywhere", a password
change, deactivation and a change of role or unit end all of a user's rows. A cookie replayed
after that finds its row ended and is treated as no log-in at all."""

import hmac
from datetime import timedelta

from flask import current_app, has_app_context
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from crm.models import User, UserSession
from crm.models.base import utcnow
from crm.models.user import new_secret, secret_hash
from crm.schemas.fields import MAX_ID
from crm.services import audit

# A session without remember-me ends after this long without a request; one with it ends this
# many days after the log-in, the life of its cookie.
IDLE_HOURS = 12
REMEMBER_DAYS = 30
# last_seen_at says which sessions are in use; a write per request would be waste.
LAST_SEEN_RESOLUTION = timedelta(minutes=1)
# Ended sessions stay this long, for the audit trail's "which device" questions.
KEPT = timedelta(days=90)


def _setting(name: str, default: int) -> int:
    return int(current_app.config.get(name, default)) if has_app_context() else default


def idle_limit() -> timedelta:
    return timedelta(hours=_setting("SESSION_IDLE_HOURS", IDLE_HOURS))


def remember_limit() -> timedelta:
    return timedelta(days=_setting("REMEMBER_DAYS", REMEMBER_DAYS))


def start_session(
    session: Session,
    user: User,
    *,
    remember: bool,
    user_agent: str | None = None,
    remote_addr: str | None = None,
) -> str:
    """A new session for the user; returns its log-in id, which only the cookies keep."""
    key, key_hash = new_secret()
    now = utcnow()
    row = UserSession(
        user_id=user.id,
        key_hash=key_hash,
        remember=remember,
        last_seen_at=now,
        expires_at=now + (remember_limit() if remember else idle_limit()),
        user_agent=(user_agent or "")[:200] or None,
        remote_addr=remote_addr,
        created_by_id=user.id,
    )
    session.add(row)
    # The user's sessions that ended or ran out long ago go: the table stays the size of use.
    session.execute(
        delete(UserSession).where(
            UserSession.user_id == user.id,
            or_(UserSession.ended_at < now - KEPT, UserSession.expires_at < now - KEPT),
        )
    )
    session.flush()
    user.login_id = f"{row.id}.{key}"
    return user.login_id


def _session_id(login_id: str | None) -> tuple[int, str] | None:
    row_id, dot, key = (login_id or "").partition(".")
    if not dot or not row_id.isdigit() or not key or not 0 < int(row_id) <= MAX_ID:
        return None
    return int(row_id), key


def resume_session(session: Session, login_id: str | None) -> User | None:
    """The user of a live session, or None: unknown, wrong key, ended, expired, inactive."""
    parsed = _session_id(login_id)
    if parsed is None:
        return None
    row_id, key = parsed
    found = session.execute(
        select(User, UserSession.key_hash, UserSession.remember, UserSession.last_seen_at)
        .join(UserSession, UserSession.user_id == User.id)
        .where(
            UserSession.id == row_id,
            UserSession.ended_at.is_(None),
            UserSession.expires_at > utcnow(),
        )
    ).first()
    if found is None or not hmac.compare_digest(found.key_hash, secret_hash(key)):
        return None
    user = found.User
    if not user.active:
        return None
    now = utcnow()
    if now - found.last_seen_at >= LAST_SEEN_RESOLUTION:
        _note_seen(session, row_id, found.remember, now)
    user.login_id = login_id
    return user


def _note_seen(session: Session, row_id: int, remember: bool, now) -> None:
    # A transaction of its own that begins with the write (see crm.api.auth on tokens): a GET's
    # deferred SQLite transaction that read first could not take the write lock. Should the
    # user be loaded with changes pending, they are not committed here: the note waits.
    if session.new or session.dirty or session.deleted:
        return
    session.commit()
    values = {"last_seen_at": now}
    if not remember:
        values["expires_at"] = now + idle_limit()
    session.execute(update(UserSession).where(UserSession.id == row_id).values(**values))
    session.commit()


def current_session_id(user: User) -> int | None:
    parsed = _session_id(user.get_id())
    return parsed[0] if parsed else None


def live_sessions(session: Session, user: User) -> list[UserSession]:
    """The user's sessions that have not ended, the most recently used first."""
    return list(
        session.scalars(
            select(UserSession)
            .where(
                UserSession.user_id == user.id,
                UserSession.ended_at.is_(None),
                UserSession.expires_at > utcnow(),
            )
            .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
        )
    )


def end_session(session: Session, user: User, session_id: int, actor_id: int | None) -> bool:
    """End one of the user's sessions; False when it was not theirs or had ended already."""
    if session_id is None or not 0 < session_id <= MAX_ID:
        return False
    ended = session.execute(
        update(UserSession)
        .where(
            UserSession.id == session_id,
            UserSession.user_id == user.id,
            UserSession.ended_at.is_(None),
        )
        .values(ended_at=utcnow())
    ).rowcount
    if ended:
        audit.record_event(session, "logout", "user_sessions", session_id, actor_id)
    return bool(ended)


def end_sessions(
    session: Session, user: User, actor_id: int | None, *, keep: int | None = None
) -> int:
    """End every session of the user but `keep`; returns how many ended."""
    statement = update(UserSession).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None)
    )
    if keep is not None:
        statement = statement.where(UserSession.id != keep)
    ended = session.execute(statement.values(ended_at=utcnow())).rowcount
    if ended:
        audit.record_event(session, "logout", "users", user.id, actor_id)
    return ended
