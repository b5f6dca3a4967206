"""Units: the organisations in play (市招商局, 区县招商局, 园区管委会, 市直部门, 专班), as a tree."""

from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import Base, DemoMarked, Record, Versioned, enum_column
from crm.vocabulary import UNIT_KIND

if TYPE_CHECKING:
    from crm.models.place import District


class Unit(Record, Versioned, DemoMarked, Base):
    __tablename__ = "units"

    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = enum_column(UNIT_KIND)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id", ondelete="SET NULL"))

    parent: Mapped["Unit | None"] = relationship(
        "Unit", remote_side="Unit.id", back_populates="children"
    )
    children: Mapped[list["Unit"]] = relationship("Unit", back_populates="parent")
    district: Mapped["District | None"] = relationship("District")
