"""Users of every role, and the API tokens they hold."""

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
    revoked_at: Mapped[datetime | None]

    user: Mapped["User"] = relationship(User, foreign_keys=[user_id])

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def issue(cls, user: User, name: str | None = None) -> tuple["ApiToken", str]:
        token = secrets.token_urlsafe(32)
        return cls(user=user, name=name, token_hash=cls.hash(token), created_at=utcnow()), token
