"""Supply links between enterprises: the local supply network."""

from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import Base, Record, Versioned

if TYPE_CHECKING:
    from crm.models.chain import ChainSegment
    from crm.models.enterprise import Enterprise


class SupplyLink(Record, Versioned, Base):
    """A supplier enterprise sells to a customer enterprise in a segment."""

    __tablename__ = "supply_links"
    __table_args__ = (
        UniqueConstraint("supplier_id", "customer_id", "segment_id", name="supplier_customer"),
        CheckConstraint("supplier_id <> customer_id", name="not_self"),
        CheckConstraint("share IS NULL OR (share >= 0 AND share <= 1)", name="share_range"),
    )

    supplier_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="CASCADE"), index=True
    )
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="CASCADE"), index=True
    )
    segment_id: Mapped[int | None] = mapped_column(
        ForeignKey("chain_segments.id", ondelete="RESTRICT")
    )
    # Share of the customer's purchases in this segment that come from this supplier.
    share: Mapped[float | None]

    supplier: Mapped["Enterprise"] = relationship("Enterprise", foreign_keys=[supplier_id])
    customer: Mapped["Enterprise"] = relationship("Enterprise", foreign_keys=[customer_id])
    segment: Mapped["ChainSegment | None"] = relationship("ChainSegment")
