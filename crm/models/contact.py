"""Contacts: people at enterprises, whose personal data is masked by default."""

from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import Base, Record, SoftDeleted, Versioned

if TYPE_CHECKING:
    from crm.models.enterprise import Enterprise


class Contact(Record, Versioned, SoftDeleted, Base):
    """A person at an enterprise; phone and e-mail are masked unless a reader unmasks them."""

    __tablename__ = "contacts"

    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(80))
    title: Mapped[str | None] = mapped_column(String(80))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(120))
    wechat: Mapped[str | None] = mapped_column(String(80))
    notes: Mapped[str | None] = mapped_column(String(2000))

    enterprise: Mapped["Enterprise"] = relationship("Enterprise")
