"""Chain segments: the tiers, categories and segments of an industrial chain."""

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import Base, Record, Versioned, enum_column
from crm.vocabulary import CHAIN_LEVEL, CHAIN_TRACK


class ChainSegment(Record, Versioned, Base):
    """One node of a chain's tree (tier → category → segment).

    Supply flows between segments are read from the chain definition file in data/chains/.
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
