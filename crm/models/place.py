"""Places: districts and functional zones (区县/开发区) and parks (园区)."""

from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import Area, Base, DemoMarked, Record, Versioned, enum_column, non_negative
from crm.vocabulary import DISTRICT_KIND


class District(Record, Versioned, Base):
    __tablename__ = "districts"

    code: Mapped[str] = mapped_column(String(20), unique=True)  # administrative code
    name: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str | None] = mapped_column(String(120))
    kind: Mapped[str] = enum_column(DISTRICT_KIND)
    # A functional zone (经开区, 旅游经济特区) lies within a county-level district.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id", ondelete="RESTRICT"))
    # GeoJSON geometry in WGS-84; real for districts, approximate for zones.
    boundary: Mapped[dict | None] = mapped_column(JSON)
    boundary_approximate: Mapped[bool] = mapped_column(default=False)

    parent: Mapped["District | None"] = relationship("District", remote_side="District.id")


class Park(Record, Versioned, DemoMarked, Base):
    __tablename__ = "parks"
    __table_args__ = (
        *non_negative("land_available_mu"),
        CheckConstraint(
            "lon BETWEEN -180 AND 180 AND lat BETWEEN -90 AND 90", name="lon_lat_range"
        ),
    )

    name: Mapped[str] = mapped_column(String(120), unique=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id", ondelete="RESTRICT"))
    boundary: Mapped[dict | None] = mapped_column(JSON)
    lon: Mapped[float | None]
    lat: Mapped[float | None]
    land_available_mu: Mapped[Decimal | None] = mapped_column(Area)

    district: Mapped["District"] = relationship(District)
