"""Annual targets (全年目标任务) per district or department."""

from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import Base, DemoMarked, Record, Versioned, enum_column, non_negative
from crm.vocabulary import TARGET_INDICATOR

if TYPE_CHECKING:
    from crm.models.place import District
    from crm.models.unit import Unit


class Target(Record, Versioned, DemoMarked, Base):
    __tablename__ = "targets"
    __table_args__ = (
        UniqueConstraint("district_id", "unit_id", "year", "indicator", name="one_per_year"),
        CheckConstraint("district_id IS NOT NULL OR unit_id IS NOT NULL", name="has_owner"),
        *non_negative("value"),
    )

    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id", ondelete="CASCADE"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    year: Mapped[int]
    indicator: Mapped[str] = enum_column(TARGET_INDICATOR)
    value: Mapped[Decimal]

    district: Mapped["District | None"] = relationship("District")
    unit: Mapped["Unit | None"] = relationship("Unit")
