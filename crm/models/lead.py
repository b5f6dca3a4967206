"""Leads (招商线索): prospective investors and projects before signing."""

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import (
    Base,
    DemoMarked,
    Record,
    SoftDeleted,
    Versioned,
    enum_column,
    non_negative,
)
from crm.vocabulary import LEAD_SOURCE, LEAD_STAGE, LEAD_STATUS, SECTOR

if TYPE_CHECKING:
    from crm.models.ambassador import Referral
    from crm.models.chain import ChainSegment
    from crm.models.enterprise import Enterprise
    from crm.models.event import Event
    from crm.models.place import District
    from crm.models.unit import Unit
    from crm.models.user import User

lead_segments = Table(
    "lead_segments",
    Base.metadata,
    Column("lead_id", Integer, ForeignKey("leads.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "segment_id",
        Integer,
        ForeignKey("chain_segments.id", ondelete="RESTRICT"),
        primary_key=True,
    ),
)


class Lead(Record, Versioned, SoftDeleted, DemoMarked, Base):
    __tablename__ = "leads"
    __table_args__ = (
        *non_negative("intended_investment_wan", "signed_amount_wan"),
        CheckConstraint("likelihood IS NULL OR likelihood BETWEEN 0 AND 100", name="likelihood"),
        CheckConstraint("status <> 'lost' OR lost_reason IS NOT NULL", name="lost_has_reason"),
        # The list (newest change first) and each column of the board read off these.
        Index("ix_leads_updated_at_id", "updated_at", "id"),
        Index("ix_leads_stage_updated_at_id", "stage", "updated_at", "id"),
    )

    name: Mapped[str] = mapped_column(String(200))
    enterprise_id: Mapped[int | None] = mapped_column(
        ForeignKey("enterprises.id", ondelete="RESTRICT"), index=True
    )
    source: Mapped[str] = enum_column(LEAD_SOURCE)
    stage: Mapped[str] = enum_column(LEAD_STAGE, default="clue", index=True)
    # Status sits beside the stage: a lead in talks may be on hold or lost.
    status: Mapped[str] = enum_column(LEAD_STATUS, default="active")
    lost_reason: Mapped[str | None] = mapped_column(String(500))
    # Who won the investment instead (another city, a competitor), when the lead is lost.
    lost_to: Mapped[str | None] = mapped_column(String(200))
    intended_investment_wan: Mapped[Decimal | None]
    # Why the bureau pursues it: the reasoning of a chain recommendation, an introduction path.
    basis: Mapped[str | None] = mapped_column(Text)
    sector: Mapped[str | None] = enum_column(SECTOR, nullable=True)
    # The district the investor would like to settle in.
    district_id: Mapped[int | None] = mapped_column(
        ForeignKey("districts.id", ondelete="SET NULL"), index=True
    )
    # The unit that owns the lead (scope) and the unit credited with it.
    owner_unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("units.id", ondelete="RESTRICT"), index=True
    )
    credited_unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("units.id", ondelete="SET NULL")
    )
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    likelihood: Mapped[int | None]  # per cent
    next_step: Mapped[str | None] = mapped_column(String(500))
    next_step_on: Mapped[date | None]
    signed_amount_wan: Mapped[Decimal | None]
    signed_on: Mapped[date | None]
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    import_batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("import_batches.id", ondelete="SET NULL")
    )

    enterprise: Mapped["Enterprise | None"] = relationship("Enterprise")
    district: Mapped["District | None"] = relationship("District")
    owner_unit: Mapped["Unit | None"] = relationship("Unit", foreign_keys=[owner_unit_id])
    credited_unit: Mapped["Unit | None"] = relationship("Unit", foreign_keys=[credited_unit_id])
    owner: Mapped["User | None"] = relationship("User", foreign_keys=[owner_id])
    segments: Mapped[list["ChainSegment"]] = relationship("ChainSegment", secondary=lead_segments)
    event: Mapped["Event | None"] = relationship("Event")
    referrals: Mapped[list["Referral"]] = relationship(
        "Referral", back_populates="lead", order_by="Referral.submitted_at, Referral.id"
    )
