"""周调度 sheets: the week's notes per project while the sheet is a draft, and the sheet as it
was issued, frozen, so later changes to the data never alter what was sent out."""

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import Base, Record, Versioned

if TYPE_CHECKING:
    from crm.models.user import User


class WeeklySheet(Record, Versioned, Base):
    """One week's sheet for one scope (`city`, `district:<id>`, `unit:<id>`, `leader:<id>`).
    A draft (issued_at NULL) holds notes; issuing stores the whole sheet in `frozen`."""

    __tablename__ = "weekly_sheets"
    __table_args__ = (UniqueConstraint("week_start", "scope", name="week_scope"),)

    week_start: Mapped[date]  # a Monday
    scope: Mapped[str] = mapped_column(String(60))
    scope_label: Mapped[str] = mapped_column(String(200), default="")
    issued_at: Mapped[datetime | None]
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The sheet as issued (crm.reports.weekly.to_dict), notes included; NULL while a draft.
    frozen: Mapped[dict | None] = mapped_column(JSON)

    issued_by: Mapped["User | None"] = relationship("User", foreign_keys=[issued_by_id])
    notes: Mapped[list["WeeklyNote"]] = relationship(
        "WeeklyNote", cascade="all, delete-orphan", back_populates="sheet"
    )


class WeeklyNote(Record, Versioned, Base):
    """协调事项/本周说明: staff's note on one project for the week; its own version, so two
    people writing notes on different projects never collide, and on the same one are told."""

    __tablename__ = "weekly_notes"
    __table_args__ = (UniqueConstraint("sheet_id", "project_id", name="sheet_project"),)

    sheet_id: Mapped[int] = mapped_column(ForeignKey("weekly_sheets.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text, default="")

    sheet: Mapped["WeeklySheet"] = relationship(WeeklySheet, back_populates="notes")
