"""Projects: from a signed lead to full effect, with their team, progress, funds and milestones."""

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, case
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from crm.models.base import (
    Area,
    Base,
    DemoMarked,
    Record,
    SoftDeleted,
    Versioned,
    enum_column,
    non_negative,
)
from crm.vocabulary import (
    FUNDS_ORIGIN,
    MILESTONE_STATUS,
    PROBLEM_STATUS,
    PROGRESS_PERIOD,
    PROJECT_STAGE,
    PROJECT_STATUS,
    PROJECT_TYPE,
    SECTOR,
)

if TYPE_CHECKING:
    from crm.models.enterprise import Enterprise
    from crm.models.event import Event
    from crm.models.lead import Lead
    from crm.models.place import District, Park
    from crm.models.unit import Unit
    from crm.models.user import User


class Project(Record, Versioned, SoftDeleted, DemoMarked, Base):
    """一个项目、一名领导、一个班子、一套方案: one leader, one team, one plan."""

    __tablename__ = "projects"
    __table_args__ = (
        *non_negative(
            "total_investment_wan",
            "funds_in_place_wan",
            "land_mu",
            "planned_investment_this_year_wan",
            "completed_investment_this_year_wan",
            "jobs",
            "full_output_wan",
            "full_tax_wan",
        ),
        CheckConstraint(
            "in_statistics = false OR in_statistics_on IS NOT NULL", name="in_statistics_dated"
        ),
        # The list's sorts read the first page off an index, not by sorting every project.
        Index("ix_projects_total_investment_wan_id", "total_investment_wan", "id"),
        Index("ix_projects_updated_at_id", "updated_at", "id"),
    )

    name: Mapped[str] = mapped_column(String(200))
    lead_id: Mapped[int | None] = mapped_column(
        ForeignKey("leads.id", ondelete="SET NULL"), unique=True
    )
    enterprise_id: Mapped[int | None] = mapped_column(
        ForeignKey("enterprises.id", ondelete="RESTRICT"), index=True
    )
    project_type: Mapped[str] = enum_column(PROJECT_TYPE)
    sector: Mapped[str] = enum_column(SECTOR)
    district_id: Mapped[int | None] = mapped_column(
        ForeignKey("districts.id", ondelete="RESTRICT"), index=True
    )
    park_id: Mapped[int | None] = mapped_column(ForeignKey("parks.id", ondelete="SET NULL"))
    owner_unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("units.id", ondelete="RESTRICT"), index=True
    )
    total_investment_wan: Mapped[Decimal]
    funds_in_place_wan: Mapped[Decimal] = mapped_column(default=Decimal(0))
    land_mu: Mapped[Decimal | None] = mapped_column(Area)
    stage: Mapped[str] = enum_column(PROJECT_STAGE, default="planning", index=True)
    status: Mapped[str] = enum_column(PROJECT_STATUS, default="on_track")
    # Exactly one responsible leader (NOT NULL), one task team, one plan.
    leader_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    team_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"))
    plan: Mapped[str | None] = mapped_column(Text)
    planned_investment_this_year_wan: Mapped[Decimal | None]
    completed_investment_this_year_wan: Mapped[Decimal | None]
    jobs: Mapped[int | None]
    # 入库/纳统: entered into the official fixed-asset investment statistics.
    in_statistics: Mapped[bool] = mapped_column(default=False)
    in_statistics_on: Mapped[date | None]
    signed_on: Mapped[date | None]
    started_on: Mapped[date | None]
    completed_on: Mapped[date | None]  # 竣工
    # 达产: annual output and tax once in full production, what the project was signed to bring.
    full_output_wan: Mapped[Decimal | None]
    full_tax_wan: Mapped[Decimal | None]
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    import_batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("import_batches.id", ondelete="SET NULL")
    )

    # The pool is derived from the stage through the vocabulary, never stored apart from it.
    pool: Mapped[str] = column_property(
        case({term.key: term.pool for term in PROJECT_STAGE}, value=stage)
    )

    lead: Mapped["Lead | None"] = relationship("Lead")
    enterprise: Mapped["Enterprise | None"] = relationship("Enterprise")
    district: Mapped["District | None"] = relationship("District")
    park: Mapped["Park | None"] = relationship("Park")
    owner_unit: Mapped["Unit | None"] = relationship("Unit", foreign_keys=[owner_unit_id])
    team_unit: Mapped["Unit | None"] = relationship("Unit", foreign_keys=[team_unit_id])
    leader: Mapped["User"] = relationship("User", foreign_keys=[leader_id])
    event: Mapped["Event | None"] = relationship("Event")
    members: Mapped[list["ProjectMember"]] = relationship(
        "ProjectMember", cascade="all, delete-orphan", back_populates="project"
    )
    milestones: Mapped[list["Milestone"]] = relationship(
        "Milestone", cascade="all, delete-orphan", back_populates="project"
    )


class ProjectMember(Record, Base):
    """A member of the project's task team (工作专班)."""

    __tablename__ = "project_members"
    __table_args__ = (UniqueConstraint("project_id", "user_id", name="project_user"),)

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str | None] = mapped_column(String(80))  # when the member has no log-in
    duty: Mapped[str | None] = mapped_column(String(120))

    project: Mapped["Project"] = relationship(Project, back_populates="members")
    user: Mapped["User | None"] = relationship("User", foreign_keys=[user_id])


class ProjectProgress(Record, Versioned, Base):
    """Progress in one week or month; the weekly sheet and as-of reports read it."""

    __tablename__ = "project_progress"
    __table_args__ = (
        UniqueConstraint("project_id", "period", "period_start_on", name="project_period"),
        *non_negative("investment_period_wan", "investment_cumulative_wan"),
    )

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    period: Mapped[str] = enum_column(PROGRESS_PERIOD)
    period_start_on: Mapped[date]
    investment_period_wan: Mapped[Decimal]
    investment_cumulative_wan: Mapped[Decimal]
    image_progress: Mapped[str | None] = mapped_column(Text)  # 形象进度; photos are attachments

    project: Mapped["Project"] = relationship(Project)


class FundsArrival(Record, Versioned, Base):
    """到位资金: money actually in place."""

    __tablename__ = "funds_arrivals"
    __table_args__ = (
        *non_negative("amount_wan", "amount_usd"),
        CheckConstraint(
            "origin <> 'foreign' OR (currency IS NOT NULL AND amount_usd IS NOT NULL)",
            name="foreign_has_usd",
        ),
    )

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    arrived_on: Mapped[date]
    amount_wan: Mapped[Decimal]
    origin: Mapped[str] = enum_column(FUNDS_ORIGIN)
    currency: Mapped[str | None] = mapped_column(String(3))
    amount_usd: Mapped[Decimal | None]

    project: Mapped["Project"] = relationship(Project)


class Milestone(Record, Versioned, Base):
    """节点计划: a dated step of the project's plan, planned against actual."""

    __tablename__ = "milestones"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    planned_on: Mapped[date]
    actual_on: Mapped[date | None]
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = enum_column(MILESTONE_STATUS, default="pending")

    project: Mapped["Project"] = relationship(Project, back_populates="milestones")
    owner: Mapped["User | None"] = relationship("User", foreign_keys=[owner_id])


class ProjectProblem(Record, Versioned, Base):
    """排忧解难: a problem the project needs solved, by whom and by when."""

    __tablename__ = "project_problems"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    description: Mapped[str] = mapped_column(Text)
    responsible_unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("units.id", ondelete="SET NULL")
    )
    deadline_on: Mapped[date | None]
    status: Mapped[str] = enum_column(PROBLEM_STATUS, default="open")
    resolution: Mapped[str | None] = mapped_column(Text)

    project: Mapped["Project"] = relationship(Project)
    responsible_unit: Mapped["Unit | None"] = relationship("Unit")
