"""The map's project and park layers, as GeoJSON: few properties, rounded coordinates.

A project records no coordinates of its own: it is drawn where its enterprise is, else at its
park's point; one with neither is left off (the count says how many are drawn)."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import gettext as _
from sqlalchemy import Float, case, cast, select
from sqlalchemy.orm import Session, aliased

from crm.models import District, Enterprise, Park, Project
from crm.permissions import has_right
from crm.services import projects
from crm.services.errors import Forbidden, ValidationError
from crm.services.scope import scoped
from crm.vocabulary import PROJECT_POOL, PROJECT_STAGE
from geo import display
from geo.filters import parse_map_filters


def _keys(arguments: Mapping[str, str], name: str, known: tuple[str, ...]) -> list[str]:
    """Keys of a vocabulary from ?name=a,b or ?name=a&name=b; ValidationError for others."""
    given = arguments.getlist(name) if hasattr(arguments, "getlist") else [arguments.get(name, "")]
    keys = [k.strip() for value in given for k in (value or "").split(",") if k.strip()]
    unknown = [key for key in keys if key not in known]
    if unknown:
        raise ValidationError(
            {name: [_("未知取值：%(unknown)s；可选：%(keys)s", unknown=", ".join(unknown),
                      keys=", ".join(known))]}
        )  # fmt: skip
    return keys


def parse_project_filters(arguments: Mapping[str, str]) -> dict:
    """Stage and pool, and the map's district (code) and park (id), which place a project too."""
    places = parse_map_filters(arguments)
    return {
        "stage": _keys(arguments, "stage", PROJECT_STAGE.keys),
        "pool": _keys(arguments, "pool", PROJECT_POOL.keys),
        "district": places.district,
        "park": places.park,
    }


def _point(lon: float, lat: float) -> dict:
    return {"type": "Point", "coordinates": display.point(lon, lat, display.display_system())}


def project_features(session: Session, filters: dict[str, list[str]], actor, locale: str) -> dict:
    """Live projects within the actor's scope that the stage and pool filters keep."""
    if not has_right(actor, projects.READ):
        raise Forbidden()
    park = aliased(Park)
    lon = case((Enterprise.lon.isnot(None), Enterprise.lon), else_=park.lon)
    lat = case((Enterprise.lon.isnot(None), Enterprise.lat), else_=park.lat)
    statement = (
        select(
            Project.id,
            Project.name,
            Project.stage,
            Project.pool,
            cast(Project.total_investment_wan, Float),
            lon,
            lat,
        )
        .outerjoin(Enterprise, Enterprise.id == Project.enterprise_id)
        .outerjoin(park, park.id == Project.park_id)
        .where(Project.deleted_at.is_(None), lon.isnot(None), lat.isnot(None))
    )
    statement = scoped(statement, Project, actor, session)
    if filters["stage"]:
        statement = statement.where(Project.stage.in_(filters["stage"]))
    if filters["pool"]:
        statement = statement.where(Project.pool.in_(filters["pool"]))
    if filters.get("district"):
        statement = statement.join(District, District.id == Project.district_id).where(
            District.code == filters["district"]
        )
    if filters.get("park"):
        statement = statement.where(Project.park_id == filters["park"])
    rows = session.execute(statement.order_by(Project.id)).all()
    features = [
        {
            "type": "Feature",
            "geometry": _point(x, y),
            "properties": {"id": id_, "n": name, "st": stage, "p": pool, "i": investment},
        }
        for id_, name, stage, pool, investment, x, y in rows
    ]
    return {
        "type": "FeatureCollection",
        "count": len(features),
        "stages": {term.key: PROJECT_STAGE.label(term.key, locale) for term in PROJECT_STAGE},
        "pools": {term.key: PROJECT_POOL.label(term.key, locale) for term in PROJECT_POOL},
        "features": features,
    }


def park_features(session: Session) -> dict:
    """Every park: its outline when one is recorded, else its point; parks with neither are
    left off. Properties: id, n name, d district, a land available (亩)."""
    rows = session.execute(
        select(
            Park.id,
            Park.name,
            District.name,
            Park.boundary,
            Park.lon,
            Park.lat,
            cast(Park.land_available_mu, Float),
        )
        .join(District, District.id == Park.district_id)
        .order_by(Park.name)
    ).all()
    features = []  # a few dozen parks: sorted out here, not in SQL (a JSON null is not NULL)
    for id_, name, district, boundary, lon, lat, available in rows:
        if boundary:
            geometry = display.geometry(boundary, display.display_system())
        else:
            geometry = _point(lon, lat) if lon is not None and lat is not None else None
        if geometry is None:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": geometry,
                "properties": {"id": id_, "n": name, "d": district, "a": available},
            }
        )
    return {"type": "FeatureCollection", "count": len(features), "features": features}
