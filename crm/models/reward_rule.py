"""Reward rules for referrals: bands, cap and extras, as data a city edits, not code."""

from decimal import Decimal

from sqlalchemy import JSON, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base, DemoMarked, Record, Versioned, non_negative


class RewardRule(Record, Versioned, DemoMarked, Base):
    __tablename__ = "reward_rules"
    __table_args__ = (UniqueConstraint("city", "year", name="city_year"), *non_negative("cap_wan"))

    city: Mapped[str]
    year: Mapped[int]
    # e.g. [{"up_to_wan": 1000, "per_mille": 3}, {"up_to_wan": 10000, "per_mille": 4},
    #       {"up_to_wan": null, "per_mille": 5}]
    bands: Mapped[list] = mapped_column(JSON)
    cap_wan: Mapped[Decimal | None]
    # e.g. {"technology_bonus_pct": 10, "financing_pct": 1.5, "pay_within_days": 30}
    extras: Mapped[dict] = mapped_column(JSON, default=dict)
