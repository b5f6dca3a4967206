"""The list under the map: the first enterprises the filters pass, largest output first, with
their figures per mu, and how many more there are (the export holds them all)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, nulls_last, select
from sqlalchemy.orm import Session

from crm.models import ChainSegment, District, Enterprise
from crm.permissions import has_right
from crm.services import enterprises
from crm.services.errors import Forbidden
from geo.filters import MapFilters
from geo.points import first_segment_code, on_map

LIMIT = 100


def _per_mu(figure: Decimal | None, land: Decimal | None) -> float | None:
    if figure is None or not land:
        return None
    return round(float(figure / land), 2)


def passing_enterprises(session: Session, filters: MapFilters, actor) -> dict:
    """{count, more, rows}: rows of the first LIMIT enterprises on the map, for JSON."""
    if not has_right(actor, enterprises.READ):
        raise Forbidden()
    limit = LIMIT
    count = session.scalar(on_map(session, select(func.count(Enterprise.id)), filters))
    segment = first_segment_code().label("segment")
    statement = on_map(
        session,
        select(
            Enterprise.id,
            Enterprise.name,
            District.name.label("district"),
            segment,
            Enterprise.output_wan,
            Enterprise.tax_wan,
            Enterprise.land_mu,
        ).outerjoin(District, District.id == Enterprise.district_id),
        filters,
    ).order_by(nulls_last(Enterprise.output_wan.desc()), Enterprise.id)
    rows = session.execute(statement.limit(limit)).all()
    names = dict(
        session.execute(
            select(ChainSegment.code, ChainSegment.name).where(
                ChainSegment.level == "segment",
                ChainSegment.code.in_({row.segment for row in rows if row.segment}),
            )
        ).all()
    )
    return {
        "count": count,
        "more": max(count - len(rows), 0),
        "rows": [
            {
                "id": row.id,
                "name": row.name,
                "district": row.district,
                "segment": f"{row.segment} {names.get(row.segment, '')}".strip()
                if row.segment
                else None,
                "output_wan": None if row.output_wan is None else float(row.output_wan),
                "output_per_mu": _per_mu(row.output_wan, row.land_mu),
                "tax_per_mu": _per_mu(row.tax_wan, row.land_mu),
            }
            for row in rows
        ],
    }
