"""Events: 集中签约, 集中开工, exhibitions and promotion trips."""

from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import Base, DemoMarked, Record, Versioned, enum_column
from crm.vocabulary import EVENT_KIND

if TYPE_CHECKING:
    from crm.models.place import District


class Event(Record, Versioned, DemoMarked, Base):
    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="ends_after_start"),
    )

    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = enum_column(EVENT_KIND)
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]
    location: Mapped[str | None] = mapped_column(String(200))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id", ondelete="SET NULL"))

    district: Mapped["District | None"] = relationship("District")
