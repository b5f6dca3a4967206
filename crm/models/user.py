"""Users of every role, their log-in sessions, API tokens and one-time password links."""

import hashlib
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from crm.models.base import Base, DemoMarked, Record, Versioned, enum_column, utcnow
from crm.vocabulary import ROLE

if TYPE_CHECKING:
    from crm.models.ambassador import Ambassador
    from crm.models.unit import Unit


class User(UserMixin, Record, Versioned, DemoMarked, Base):
    __tablename__ = "users"

    name: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(80))
    role: Mapped[str] = enum_column(ROLE)
    # Staff with a unit see only records owned by that unit or its sub-units.
    # RESTRICT: deleting a unit must never widen its users' scope to the whole city.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))
    # Officials who may verify signing (签约) and landing.
    can_verify: Mapped[bool] = mapped_column(default=False)
    password_hash: Mapped[str] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(String(10))
    last_login_at: Mapped[datetime | None]

    unit: Mapped["Unit | None"] = relationship("Unit", foreign_keys=[unit_id])
    ambassador: Mapped["Ambassador | None"] = relationship(
        "Ambassador", foreign_keys="Ambassador.user_id", back_populates="user", uselist=False
    )

    # The log-in session this request runs in, "session id.key" (see crm.services.sessions):
    # Flask-Login stores get_id() in the session and the remember cookie, so both name one
    # revocable session row rather than the user, and die with it.
    login_id = None  # a plain attribute, not a column

    def get_id(self) -> str | None:
        return self.login_id

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def label(self) -> str:
        return self.display_name or self.name


class ApiToken(Record, Base):
    __tablename__ = "api_tokens"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str | None] = mapped_column(String(80))
    # Only a SHA-256 of the token is kept; the token itself is shown once.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    last_used_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]  # None: until revoked
    revoked_at: Mapped[datetime | None]

    user: Mapped["User"] = relationship(User, foreign_keys=[user_id])

    @staticmethod
    def hash(token: str) -> str:
        return secret_hash(token)


class UserSession(Record, Base):
    """One log-in on one browser: ended by log-out, "sign out everywhere", a password change,
    deactivation or a change of role or unit. The cookies carry its id and a secret key, of
    which only a hash is kept."""

    __tablename__ = "user_sessions"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    remember: Mapped[bool] = mapped_column(default=False)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    user_agent: Mapped[str | None] = mapped_column(String(200))
    remote_addr: Mapped[str | None] = mapped_column(String(45))

    user: Mapped["User"] = relationship(User, foreign_keys=[user_id])


class PasswordLink(Record, Base):
    """A one-time, time-limited link to set a password (a new user's first, or a reset).
    Only a hash of its secret is kept; the link is shown once, to the administrator."""

    __tablename__ = "password_links"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    # Set when a newer link for the same user replaced it, or the user was deactivated.
    cancelled_at: Mapped[datetime | None]

    user: Mapped["User"] = relationship(User, foreign_keys=[user_id])


def new_secret() -> tuple[str, str]:
    """A random secret for a URL or a header, and the SHA-256 hex digest that is stored."""
    secret = secrets.token_urlsafe(32)
    return secret, secret_hash(secret)


def secret_hash(secret: str) -> str:
    # Secrets are 256 random bits: a fast hash suffices, no salt or stretching needed.
    return hashlib.sha256(secret.encode()).hexdigest()
