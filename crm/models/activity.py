"""Activities: visits, calls, meetings, talks and inspections about a lead, project or enterprise."""

from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base, Record, Versioned, enum_column
from crm.vocabulary import ACTIVITY_KIND


class Activity(Record, Versioned, Base):
    __tablename__ = "activities"
    __table_args__ = (
        CheckConstraint(
            "lead_id IS NOT NULL OR project_id IS NOT NULL OR enterprise_id IS NOT NULL",
            name="has_subject",
        ),
    )

    lead_id: Mapped[int | None] = mapped_column(
        ForeignKey("leads.id", ondelete="CASCADE"), index=True
    )
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    enterprise_id: Mapped[int | None] = mapped_column(
        ForeignKey("enterprises.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = enum_column(ACTIVITY_KIND)
    occurred_on: Mapped[date]
    participants: Mapped[str | None] = mapped_column(String(500))
    notes: Mapped[str | None] = mapped_column(Text)
    # What was agreed to do next (跟进事项).
    follow_up: Mapped[str | None] = mapped_column(String(500))
