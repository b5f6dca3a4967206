"""The enterprises on the map: every one the filters pass, as one compact GeoJSON collection.

One query, no ORM objects: at 100,000 enterprises the page must not wait on Python per point.
Each feature carries only what a marker and its popup need, under short keys:

    id  the enterprise's id (its page is /enterprises/<id>)
    n   name
    s   chain segment code (the first by code; null when none), named in `segments`
    o   annual output in 万元 (a number; null when unknown)
    k   1 for 龙头, 2 for 链主 (which outranks it), 0 otherwise

Coordinates are WGS-84 rounded to 5 decimals (about 1 m).
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Float, Select, and_, bindparam, case, cast, func, select
from sqlalchemy.orm import Session, aliased

from crm.models import ChainSegment, Enterprise, Project, enterprise_segments
from crm.permissions import has_right
from crm.schemas.enterprises import EnterpriseFilters
from crm.services import enterprises
from crm.services.errors import Forbidden
from geo import display
from geo.evaluated import ids_in_classes
from geo.evaluation import current_scheme
from geo.filters import MapFilters


def first_segment_code():
    """The enterprise's first segment code, as a correlated subquery (the link table's key
    starts with enterprise_id, so each is an index lookup)."""
    return (
        select(func.min(ChainSegment.code))
        .join(enterprise_segments, enterprise_segments.c.segment_id == ChainSegment.id)
        .where(enterprise_segments.c.enterprise_id == Enterprise.id)
        .scalar_subquery()
    )


def _per_mu_at_least(column, minimum: Decimal):
    # column / land ≥ minimum, without dividing: no division by zero, and indexes stay usable.
    return and_(Enterprise.land_mu > 0, column.isnot(None), column >= Enterprise.land_mu * minimum)


def _investment_intensity_at_least(minimum: Decimal):
    """投资强度: the enterprise's live projects' total investment over their land (亩).

    The enterprise record holds no fixed-asset investment, so the projects that put land to
    use stand for it; an enterprise without one has no intensity and does not pass."""
    with_land = and_(
        Project.enterprise_id == Enterprise.id,
        Project.deleted_at.is_(None),
        Project.land_mu > 0,
    )
    investment = select(func.sum(Project.total_investment_wan)).where(with_land)
    land = select(func.sum(Project.land_mu)).where(with_land)
    return and_(
        land.scalar_subquery() > 0,
        investment.scalar_subquery() >= land.scalar_subquery() * minimum,
    )


def filtered(session: Session, statement: Select, filters: MapFilters) -> Select:
    """The statement narrowed by the map's filters; ValidationError for an unknown district or
    segment (the enterprise list's own rules, shared)."""
    statement = enterprises.filtered(
        session,
        statement,
        EnterpriseFilters.model_construct(
            q=None,
            uscc=None,
            segment=filters.segment,
            district=filters.district,
            park=filters.park,
            tag=None,
            is_leading=None,
            is_chain_leader=None,
            is_above_scale=None,
            is_local=filters.is_local,
            safety_rating=None,
            environment_rating=None,
        ),
    )
    for column, grades in (
        (Enterprise.safety_rating, filters.safety_grades),
        (Enterprise.environment_rating, filters.environment_grades),
    ):
        if grades is not None:
            statement = statement.where(column.in_(grades))
    if filters.output_per_mu_min is not None:
        statement = statement.where(
            _per_mu_at_least(Enterprise.output_wan, filters.output_per_mu_min)
        )
    if filters.tax_per_mu_min is not None:
        statement = statement.where(_per_mu_at_least(Enterprise.tax_wan, filters.tax_per_mu_min))
    if filters.investment_intensity_min is not None:
        statement = statement.where(
            _investment_intensity_at_least(filters.investment_intensity_min)
        )
    if filters.mu_class:
        # Scores are worked in Python (geo.evaluation), so the class narrows by id; the ids are
        # written into the SQL, since SQLite takes at most 32,766 parameters.
        ids = ids_in_classes(session, current_scheme(), filters.mu_class)
        statement = statement.where(
            Enterprise.id.in_(bindparam("mu_class_ids", ids, expanding=True, literal_execute=True))
        )
    return statement


def on_map(session: Session, statement: Select, filters: MapFilters) -> Select:
    """The statement narrowed to the live, located enterprises the filters pass: the map's
    points, its list and its export are the same set."""
    return filtered(
        session,
        statement.where(
            Enterprise.deleted_at.is_(None),
            Enterprise.lon.isnot(None),
            Enterprise.lat.isnot(None),
        ),
        filters,
    )


def enterprise_points(session: Session, filters: MapFilters, actor) -> dict:
    """The FeatureCollection of live, located enterprises the filters pass, with the names of
    their segments and of the segments' categories (for popups and the legend)."""
    if not has_right(actor, enterprises.READ):
        raise Forbidden()
    statement = select(
        Enterprise.id,
        Enterprise.name,
        Enterprise.lon,
        Enterprise.lat,
        cast(Enterprise.output_wan, Float),  # a number for JSON, not a Decimal per row
        case((Enterprise.is_chain_leader, 2), (Enterprise.is_leading, 1), else_=0),
        first_segment_code(),
    )
    statement = on_map(session, statement, filters).order_by(Enterprise.id)
    # Core rows, unpacked as tuples: the ORM's per-row work was most of the time at 100,000.
    rows = session.connection().execute(statement).all()
    system = display.display_system()
    features = [
        {
            "type": "Feature",
            # Rounded in Python: PostgreSQL has no round() of a double to a number of places.
            "geometry": {"type": "Point", "coordinates": display.point(lon, lat, system)},
            "properties": {"id": id_, "n": name, "s": segment, "o": output, "k": kind},
        }
        for id_, name, lon, lat, output, kind, segment in rows
    ]
    segments, categories = segment_names(session, {row[6] for row in rows if row[6]})
    return {
        "type": "FeatureCollection",
        "count": len(features),
        "segments": segments,
        "categories": categories,
        "features": features,
    }


def segment_names(session: Session, codes: set[str]) -> tuple[dict, dict]:
    """{code: [name, category code]} of the segments, and {code: name} of their categories."""
    if not codes:
        return {}, {}
    parent = aliased(ChainSegment)
    rows = session.execute(
        select(ChainSegment.code, ChainSegment.name, parent.code, parent.name)
        .outerjoin(parent, parent.id == ChainSegment.parent_id)
        .where(ChainSegment.level == "segment", ChainSegment.code.in_(codes))
        .order_by(ChainSegment.code)
    ).all()
    segments = {code: [name, category] for code, name, category, _ in rows}
    categories = {category: name for _, _, category, name in rows if category}
    return segments, categories
