"""Industrial chains: each chain's definition, the tiers, categories and segments of its tree,
and the change counter that tells the kept chain analyses when their data moved."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import Base, Record, Versioned, enum_column, utcnow
from crm.vocabulary import CHAIN_LEVEL, CHAIN_TRACK


class Chain(Record, Versioned, Base):
    """A loaded chain definition: its key and names, and the TOML it was loaded from (the supply
    flows between segments and the industry words are read from it)."""

    __tablename__ = "chains"

    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str | None] = mapped_column(String(160))
    definition: Mapped[str] = mapped_column(Text)
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChainDataVersion(Base):
    """One row, bumped by database triggers whenever data a chain analysis reads changes
    (enterprises' chain fields, their segments and tags, supply links, ambassadors, chains).
    The token changes with every bump, so a counter that a rolled-back transaction took back
    can never name an analysis of other data."""

    __tablename__ = "chain_data_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(default=0)
    token: Mapped[str] = mapped_column(String(40), default="")


class ChainSegment(Record, Versioned, Base):
    """One node of a chain's tree (tier → category → segment).

    Supply flows between segments are read from the chain's definition (Chain.definition).
    """

    __tablename__ = "chain_segments"
    __table_args__ = (UniqueConstraint("chain_key", "code", name="chain_code"),)

    chain_key: Mapped[str] = mapped_column(String(40))
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str | None] = mapped_column(String(160))
    level: Mapped[str] = enum_column(CHAIN_LEVEL)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("chain_segments.id", ondelete="RESTRICT")
    )
    track: Mapped[str | None] = enum_column(CHAIN_TRACK, nullable=True)

    parent: Mapped["ChainSegment | None"] = relationship(
        "ChainSegment", remote_side="ChainSegment.id"
    )
