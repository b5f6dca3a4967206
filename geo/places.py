"""Districts and functional zones in the database, loaded from the shipped boundary file."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.models import District
from geo.boundaries import DEFAULT_PATH, DistrictBoundary, load_boundaries


def load_districts(session: Session, path=DEFAULT_PATH) -> list[DistrictBoundary]:
    """Insert the districts and zones of the boundary file that the database lacks; idempotent."""
    boundaries = load_boundaries(path)
    known = {district.code: district for district in session.scalars(select(District))}
    for boundary in boundaries:  # the file lists county-level districts before their zones
        if boundary.code in known:
            continue
        district = District(
            code=boundary.code,
            name=boundary.name,
            name_en=boundary.name_en,
            kind=boundary.kind,
            parent=known.get(boundary.parent_code) if boundary.parent_code else None,
            boundary=boundary.geojson["geometry"],
            boundary_approximate=boundary.approximate,
        )
        session.add(district)
        known[boundary.code] = district
    session.flush()
    return boundaries
