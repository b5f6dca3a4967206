"""Enterprises, their yearly figures, segments and tags."""

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

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
from crm.vocabulary import COORDINATE_SYSTEM, ENTERPRISE_TAG, RATING

if TYPE_CHECKING:
    from crm.models.chain import ChainSegment
    from crm.models.place import District, Park

SORTABLE_COLUMNS = ("output_wan", "tax_wan", "employees", "updated_at")

enterprise_segments = Table(
    "enterprise_segments",
    Base.metadata,
    Column(
        "enterprise_id",
        Integer,
        ForeignKey("enterprises.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "segment_id",
        Integer,
        ForeignKey("chain_segments.id", ondelete="RESTRICT"),
        primary_key=True,
        index=True,
    ),
)


class Enterprise(Record, Versioned, SoftDeleted, DemoMarked, Base):
    __tablename__ = "enterprises"
    __table_args__ = (
        *non_negative(
            "land_mu",
            "output_wan",
            "tax_wan",
            "employees",
            "rd_spend_wan",
            "energy_tce",
            "emissions_t",
            "registered_capital_wan",
        ),
        CheckConstraint(
            "lon BETWEEN -180 AND 180 AND lat BETWEEN -90 AND 90", name="lon_lat_range"
        ),
        CheckConstraint("uscc <> ''", name="uscc_not_empty"),
        # The list sorts by these (with the id to break ties) and pages by keyset.
        *(Index(f"ix_enterprises_{column}_id", column, "id") for column in SORTABLE_COLUMNS),
    )

    # 统一社会信用代码: normalised and validated (crm.uscc); NULL when unknown, never "".
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    # Name without spaces, full-width forms or company suffix noise, for duplicate checks.
    name_normalised: Mapped[str] = mapped_column(String(200), index=True)
    name_initials: Mapped[str] = mapped_column(String(100), index=True)  # pinyin initials
    aliases: Mapped[list] = mapped_column(JSON, default=list)
    # Set with name, aliases and initials (crm.services.search.search_columns); NULL is never
    # found. Their indexes are made by the migration alone: an FTS5 table, a GIN index.
    search_text: Mapped[str | None] = mapped_column(Text)  # what a search term must be part of
    search_grams: Mapped[str | None] = mapped_column(Text)  # what the index looks up

    is_leading: Mapped[bool] = mapped_column(default=False)  # 龙头
    is_chain_leader: Mapped[bool] = mapped_column(default=False)  # 链主
    is_above_scale: Mapped[bool] = mapped_column(default=False)  # 规上
    # Local enterprise, or an outside one the bureau targets.
    is_local: Mapped[bool] = mapped_column(default=True)

    district_id: Mapped[int | None] = mapped_column(
        ForeignKey("districts.id", ondelete="RESTRICT"), index=True
    )
    park_id: Mapped[int | None] = mapped_column(ForeignKey("parks.id", ondelete="SET NULL"))
    lon: Mapped[float | None]  # WGS-84
    lat: Mapped[float | None]
    # The system the location was given in (a 高德 or Baidu picker's), converted on the way in.
    location_source: Mapped[str | None] = enum_column(COORDINATE_SYSTEM, nullable=True)

    land_mu: Mapped[Decimal | None] = mapped_column(Area)
    output_wan: Mapped[Decimal | None]
    tax_wan: Mapped[Decimal | None]
    employees: Mapped[int | None]
    rd_spend_wan: Mapped[Decimal | None]
    energy_tce: Mapped[Decimal | None]  # tonnes of standard coal equivalent
    emissions_t: Mapped[Decimal | None]
    safety_rating: Mapped[str | None] = enum_column(RATING, "safety_rating", nullable=True)
    environment_rating: Mapped[str | None] = enum_column(
        RATING, "environment_rating", nullable=True
    )

    established_on: Mapped[date | None]
    registered_capital_wan: Mapped[Decimal | None]
    legal_representative: Mapped[str | None] = mapped_column(String(80))
    address: Mapped[str | None] = mapped_column(String(300))
    industry_code: Mapped[str | None] = mapped_column(String(10))  # GB/T 4754

    import_batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("import_batches.id", ondelete="SET NULL")
    )
    # A record merged into another is kept, deleted, and points at the one that took it over.
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("enterprises.id", ondelete="SET NULL")
    )

    district: Mapped["District | None"] = relationship("District")
    park: Mapped["Park | None"] = relationship("Park")
    segments: Mapped[list["ChainSegment"]] = relationship(
        "ChainSegment", secondary=enterprise_segments
    )
    tags: Mapped[list["EnterpriseTag"]] = relationship(
        "EnterpriseTag", cascade="all, delete-orphan", back_populates="enterprise"
    )
    years: Mapped[list["EnterpriseYear"]] = relationship(
        "EnterpriseYear", cascade="all, delete-orphan", back_populates="enterprise"
    )


class EnterpriseTag(Base):
    __tablename__ = "enterprise_tags"

    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = enum_column(ENTERPRISE_TAG, primary_key=True)

    enterprise: Mapped["Enterprise"] = relationship(Enterprise, back_populates="tags")


class EnterpriseYear(Record, Versioned, Base):
    """An enterprise's annual figures; 亩均 evaluation and thresholds read these."""

    __tablename__ = "enterprise_years"
    __table_args__ = (
        UniqueConstraint("enterprise_id", "year", name="enterprise_year"),
        CheckConstraint("year BETWEEN 1949 AND 2200", name="year_range"),
        *non_negative(
            "output_wan", "value_added_wan", "tax_wan", "energy_tce", "emissions_t", "employees"
        ),
        *non_negative("rd_spend_wan"),
    )

    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id", ondelete="CASCADE"))
    year: Mapped[int]
    output_wan: Mapped[Decimal | None]
    value_added_wan: Mapped[Decimal | None]
    tax_wan: Mapped[Decimal | None]
    energy_tce: Mapped[Decimal | None]
    emissions_t: Mapped[Decimal | None]
    employees: Mapped[int | None]
    rd_spend_wan: Mapped[Decimal | None]

    enterprise: Mapped["Enterprise"] = relationship(Enterprise, back_populates="years")
