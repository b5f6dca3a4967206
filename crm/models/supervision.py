"""Supervision items (督办): overdue milestones, stalled projects and problems, with deadlines."""

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import Base, Record, Versioned, enum_column
from crm.vocabulary import SUPERVISION_SOURCE, SUPERVISION_STATUS

if TYPE_CHECKING:
    from crm.models.project import Project
    from crm.models.user import User


class SupervisionItem(Record, Versioned, Base):
    __tablename__ = "supervision_items"
    __table_args__ = (
        CheckConstraint(
            "(source <> 'overdue_milestone' OR milestone_id IS NOT NULL)"
            " AND (source <> 'problem' OR problem_id IS NOT NULL)",
            name="source_has_record",
        ),
    )

    source: Mapped[str] = enum_column(SUPERVISION_SOURCE)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    milestone_id: Mapped[int | None] = mapped_column(
        ForeignKey("milestones.id", ondelete="CASCADE")
    )
    problem_id: Mapped[int | None] = mapped_column(
        ForeignKey("project_problems.id", ondelete="CASCADE")
    )
    description: Mapped[str] = mapped_column(Text)
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    assignee_unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("units.id", ondelete="SET NULL")
    )
    deadline_on: Mapped[date]
    response: Mapped[str | None] = mapped_column(Text)
    responded_at: Mapped[datetime | None]
    status: Mapped[str] = enum_column(SUPERVISION_STATUS, default="open")

    project: Mapped["Project"] = relationship("Project")
    assignee: Mapped["User | None"] = relationship("User", foreign_keys=[assignee_id])
