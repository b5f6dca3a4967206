"""Supervision items (督办): overdue milestones, problems and service requests, stalled projects
and the 三未 lag lists, each assigned with a deadline, answered, carded and escalated."""

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import Base, Record, Versioned, enum_column, utcnow
from crm.vocabulary import (
    SUPERVISION_CARD,
    SUPERVISION_EVENT,
    SUPERVISION_LEVEL,
    SUPERVISION_SOURCE,
    SUPERVISION_STATUS,
)

if TYPE_CHECKING:
    from crm.models.project import Milestone, Project, ProjectProblem
    from crm.models.service_request import ServiceRequest
    from crm.models.unit import Unit
    from crm.models.user import User


class SupervisionItem(Record, Versioned, Base):
    __tablename__ = "supervision_items"
    __table_args__ = (
        CheckConstraint(
            "(source <> 'overdue_milestone' OR milestone_id IS NOT NULL)"
            " AND (source <> 'problem' OR problem_id IS NOT NULL)"
            " AND (source <> 'service_request' OR service_request_id IS NOT NULL)"
            " AND (source = 'service_request' OR project_id IS NOT NULL)",
            name="source_has_record",
        ),
    )

    source: Mapped[str] = enum_column(SUPERVISION_SOURCE)
    # A service request's enterprise may have no project: then the item has none either.
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    milestone_id: Mapped[int | None] = mapped_column(
        ForeignKey("milestones.id", ondelete="CASCADE")
    )
    problem_id: Mapped[int | None] = mapped_column(
        ForeignKey("project_problems.id", ondelete="CASCADE")
    )
    service_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_requests.id", ondelete="CASCADE")
    )
    description: Mapped[str] = mapped_column(Text)
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    assignee_unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("units.id", ondelete="SET NULL")
    )
    # The day (in the city) the item was opened: the month it counts in.
    opened_on: Mapped[date] = mapped_column(index=True)
    deadline_on: Mapped[date]
    response: Mapped[str | None] = mapped_column(Text)
    responded_at: Mapped[datetime | None]
    status: Mapped[str] = enum_column(SUPERVISION_STATUS, default="open")
    card: Mapped[str] = enum_column(SUPERVISION_CARD, default="none")
    level: Mapped[str] = enum_column(SUPERVISION_LEVEL, default="unit")
    # The deadline whose passing has already earned a card, so one lapse carries one card.
    carded_deadline_on: Mapped[date | None]

    project: Mapped["Project | None"] = relationship("Project")
    milestone: Mapped["Milestone | None"] = relationship("Milestone")
    problem: Mapped["ProjectProblem | None"] = relationship("ProjectProblem")
    service_request: Mapped["ServiceRequest | None"] = relationship("ServiceRequest")
    assignee: Mapped["User | None"] = relationship("User", foreign_keys=[assignee_id])
    assignee_unit: Mapped["Unit | None"] = relationship("Unit")
    events: Mapped[list["SupervisionEvent"]] = relationship(
        "SupervisionEvent",
        back_populates="item",
        cascade="all, delete-orphan",
        order_by="SupervisionEvent.id",
    )


class SupervisionEvent(Record, Base):
    """One dated step of an item (opened, answered, closed, re-opened, carded, escalated) and
    the item's status, card, level and deadline after it: an as-of report reads the last event
    on or before its day. Append-only."""

    __tablename__ = "supervision_events"

    item_id: Mapped[int] = mapped_column(
        ForeignKey("supervision_items.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = enum_column(SUPERVISION_EVENT)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    happened_on: Mapped[date]  # the city's day it counts on
    text: Mapped[str | None] = mapped_column(Text)  # the response, or the reason
    status: Mapped[str] = enum_column(SUPERVISION_STATUS)
    card: Mapped[str] = enum_column(SUPERVISION_CARD)
    level: Mapped[str] = enum_column(SUPERVISION_LEVEL)
    deadline_on: Mapped[date]

    item: Mapped[SupervisionItem] = relationship(SupervisionItem, back_populates="events")
    by: Mapped["User | None"] = relationship("User", foreign_keys="SupervisionEvent.created_by_id")
