"""Service requests (企业诉求): aftercare for enterprises already here."""

from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import Base, Record, SoftDeleted, Versioned, enum_column
from crm.vocabulary import SERVICE_REQUEST_STATUS

if TYPE_CHECKING:
    from crm.models.enterprise import Enterprise
    from crm.models.unit import Unit


class ServiceRequest(Record, Versioned, SoftDeleted, Base):
    __tablename__ = "service_requests"

    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="CASCADE"), index=True
    )
    request: Mapped[str] = mapped_column(Text)
    responsible_unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("units.id", ondelete="SET NULL")
    )
    deadline_on: Mapped[date | None]
    response: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = enum_column(SERVICE_REQUEST_STATUS, default="open")

    enterprise: Mapped["Enterprise"] = relationship("Enterprise")
    responsible_unit: Mapped["Unit | None"] = relationship("Unit")
