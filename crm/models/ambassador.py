"""Ambassadors (招商大使, 招才大使, 荣誉市民), their referrals of investors and of talent."""

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import (
    Base,
    DemoMarked,
    Record,
    SoftDeleted,
    Versioned,
    enum_column,
    non_negative,
    utcnow,
)
from crm.vocabulary import (
    AMBASSADOR_KIND,
    AMBASSADOR_STATUS,
    REFERRAL_STATUS,
    SECTOR,
    TALENT_REFERRAL_STATUS,
)

if TYPE_CHECKING:
    from crm.models.lead import Lead
    from crm.models.user import User


class Ambassador(Record, Versioned, Base):
    __tablename__ = "ambassadors"
    __table_args__ = (
        CheckConstraint(
            "term_ends_on IS NULL OR appointed_on IS NULL OR term_ends_on >= appointed_on",
            name="term_after_appointment",
        ),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    kind: Mapped[str] = enum_column(AMBASSADOR_KIND)
    appointed_on: Mapped[date | None]
    term_ends_on: Mapped[date | None]
    organisation: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(120))
    # Personal data: masked for readers without personal_data.unmask (officials).
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(120))
    # The networks the ambassador reaches: lists of regions (data/regions.toml), industries (a
    # chain's [industries] words) and chain segment codes.
    regions: Mapped[list] = mapped_column(JSON, default=list)
    industries: Mapped[list] = mapped_column(JSON, default=list)
    segments: Mapped[list] = mapped_column(JSON, default=list)
    # Stored: active or revoked ("expired" is read from term_ends_on, see
    # crm.services.ambassadors.shown_status).
    status: Mapped[str] = enum_column(AMBASSADOR_STATUS, default="active")
    revoked_at: Mapped[datetime | None]
    revocation_reason: Mapped[str | None] = mapped_column(String(500))

    user: Mapped["User"] = relationship("User", foreign_keys=[user_id], back_populates="ambassador")


class Referral(Record, Versioned, SoftDeleted, DemoMarked, Base):
    """An investor an ambassador refers; credited when the linked lead lands."""

    __tablename__ = "referrals"
    __table_args__ = (
        *non_negative("estimated_investment_wan"),
        CheckConstraint("credit_share >= 0 AND credit_share <= 1", name="credit_share_range"),
        CheckConstraint(
            "status NOT IN ('rejected', 'known') OR rejected_reason IS NOT NULL",
            name="rejected_has_reason",
        ),
        # The inbox: the new ones, oldest first, and their count.
        Index("ix_referrals_status_submitted_at", "status", "submitted_at", "id", "deleted_at"),
        # "My referrals", newest first, a page at a time.
        Index("ix_referrals_ambassador_submitted_at", "ambassador_id", "submitted_at", "id"),
    )

    ambassador_id: Mapped[int] = mapped_column(
        ForeignKey("ambassadors.id", ondelete="RESTRICT"), index=True
    )
    enterprise_name: Mapped[str] = mapped_column(String(200))
    # crm.services.names.normalise_name of it: duplicates are found by it in one query.
    enterprise_name_normalised: Mapped[str | None] = mapped_column(String(200), index=True)
    enterprise_uscc: Mapped[str | None] = mapped_column(String(18), index=True)
    contact_name: Mapped[str | None] = mapped_column(String(80))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    sector: Mapped[str | None] = enum_column(SECTOR, nullable=True)
    # What the ambassador says of it: the project the investor has in mind, how the
    # ambassador knows them, the chain segment (a ChainSegment code, checked on entry), and
    # anything else in the description.
    intended_project: Mapped[str | None] = mapped_column(String(200))
    how_known: Mapped[str | None] = mapped_column(String(500))
    segment_code: Mapped[str | None] = mapped_column(String(20))
    description: Mapped[str | None] = mapped_column(Text)
    estimated_investment_wan: Mapped[Decimal | None]
    status: Mapped[str] = enum_column(REFERRAL_STATUS, default="submitted")
    rejected_reason: Mapped[str | None] = mapped_column(String(500))
    # Co-referrers of one enterprise are linked to the same lead.
    lead_id: Mapped[int | None] = mapped_column(
        ForeignKey("leads.id", ondelete="SET NULL"), index=True
    )
    # Co-referrers split one reward; this is this referral's share of it. The shares of one
    # lead's referrals sum to 1 (crm.services.referrals.record_split): until staff record a
    # split, the first referral keeps 1 and a co-referral linked later 0.
    credit_share: Mapped[Decimal] = mapped_column(default=Decimal(1))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)

    ambassador: Mapped["Ambassador"] = relationship(Ambassador)
    lead: Mapped["Lead | None"] = relationship("Lead", back_populates="referrals")


class TalentReferral(Record, Versioned, SoftDeleted, DemoMarked, Base):
    """A person a 招才大使 refers: talent, not investment."""

    __tablename__ = "talent_referrals"
    __table_args__ = (
        CheckConstraint(
            "status <> 'rejected' OR rejected_reason IS NOT NULL", name="rejected_has_reason"
        ),
    )

    ambassador_id: Mapped[int] = mapped_column(
        ForeignKey("ambassadors.id", ondelete="RESTRICT"), index=True
    )
    person_name: Mapped[str] = mapped_column(String(80))
    field: Mapped[str] = mapped_column(String(120))
    qualifications: Mapped[str | None] = mapped_column(Text)
    wishes: Mapped[str | None] = mapped_column(Text)
    suggested_employer: Mapped[str | None] = mapped_column(String(200))
    suggested_park_id: Mapped[int | None] = mapped_column(
        ForeignKey("parks.id", ondelete="SET NULL")
    )
    contact: Mapped[str | None] = mapped_column(String(120))
    status: Mapped[str] = enum_column(TALENT_REFERRAL_STATUS, default="submitted")
    rejected_reason: Mapped[str | None] = mapped_column(String(500))

    ambassador: Mapped["Ambassador"] = relationship(Ambassador)
