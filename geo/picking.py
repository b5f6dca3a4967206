"""Picking a place for a record: the district and park of a point, and the area in 亩 of a drawn
parcel, over the API (the enterprise form's map asks them as the user clicks)."""

from flask import current_app, request
from flask_babel import gettext as _
from sqlalchemy import select

from crm.api import blueprint
from crm.api.auth import require_right
from crm.api.body import json_object
from crm.api.errors import invalid
from crm.api.openapi import describe, json_content, responses
from crm.coordinates import SYSTEMS, WGS84, to_wgs84
from crm.extensions import db
from crm.models import District, Park
from geo.city import current_city

# A drawn parcel is a hand-made outline: a few hundred vertices are plenty.
MAX_VERTICES = 1_000


def _number(name: str, low: float, high: float) -> float:
    try:
        value = float(request.args.get(name, ""))
    except ValueError:
        raise invalid({name: [_("应为数字")]}) from None
    if not low <= value <= high:
        raise invalid({name: [_("应在 %(low)s 到 %(high)s 之间", low=low, high=high)]})
    return value


def districts_at(points: list[tuple[float, float]]) -> list[str | None]:
    """The district code of each WGS-84 (lon, lat): one spatial join for them all."""
    from geo.join import districts_of

    return districts_of(points, current_city().districts)


def place_of(lon: float, lat: float) -> dict:
    """The district (by spatial join on the city's outlines) and the park (whose outline holds
    the point, if parks have outlines) of a WGS-84 point."""
    from shapely.geometry import Point, shape

    from geo.join import districts_of

    code = districts_of([(lon, lat)], current_city().districts)[0]
    district = db.session.scalar(select(District).where(District.code == code)) if code else None
    park = None
    if district is not None:
        point = Point(lon, lat)
        for candidate in db.session.scalars(
            select(Park).where(Park.district_id == district.id, Park.boundary.is_not(None))
        ):
            if shape(candidate.boundary).contains(point):
                park = candidate.name
                break
    return {
        "location": {"lon": round(lon, 6), "lat": round(lat, 6)},
        "district": code,
        "district_name": district.name if district else None,
        "park": park,
    }


@blueprint.get("/map/place")
def map_place():
    require_right("map.read")
    lon, lat = _number("lon", -180, 180), _number("lat", -90, 90)
    system = request.args.get("system") or WGS84
    if system not in SYSTEMS:
        raise invalid({"system": [_("坐标系应为 wgs84、gcj02（高德、腾讯）或 bd09（百度）")]})
    return place_of(*to_wgs84(lon, lat, system))


@blueprint.post("/map/parcel")
def map_parcel():
    """The area in 亩 of a drawn parcel (a GeoJSON Polygon in WGS-84), measured in the city's
    projected CRS, with the place of a point inside it."""
    require_right("map.read")
    from shapely.geometry import shape

    from geo.area import area_mu

    body = json_object()
    system = body.get("system") or WGS84
    if system not in SYSTEMS:
        raise invalid({"system": [_("坐标系应为 wgs84、gcj02（高德、腾讯）或 bd09（百度）")]})
    ring = body.get("coordinates", [None])[0] if body.get("type") == "Polygon" else None
    if not isinstance(ring, list) or not 4 <= len(ring) <= MAX_VERTICES + 1:
        raise invalid({"coordinates": [_("应为一个多边形地块（至少三个点）")]})
    try:
        ring = [to_wgs84(float(lon), float(lat), system) for lon, lat in ring]
        parcel = shape({"type": "Polygon", "coordinates": [ring]})
    except (TypeError, ValueError, IndexError):
        raise invalid({"coordinates": [_("应为一个多边形地块（至少三个点）")]}) from None
    lon_min, lat_min, lon_max, lat_max = parcel.bounds
    if not (-180 <= lon_min <= lon_max <= 180 and -90 <= lat_min <= lat_max <= 90):
        raise invalid({"coordinates": [_("经纬度超出范围")]})
    if not parcel.is_valid or parcel.area == 0:
        raise invalid({"coordinates": [_("地块的边不能交叉，面积不能为零")]})
    inside = parcel.representative_point()
    mu = area_mu(parcel, current_app.config["MAP_AREA_CRS"])
    return {"area_mu": f"{mu:.2f}", **place_of(inside.x, inside.y)}


_PLACE = {"type": "object", "properties": {
    "location": {"type": "object"}, "district": {"type": ["string", "null"]},
    "district_name": {"type": ["string", "null"]}, "park": {"type": ["string", "null"]}}}  # fmt: skip
describe("/map/place", "get", {
    "summary": "The district and park of a point (the form's map picker)",
    "tags": ["map"],
    "parameters": [
        {"name": "lon", "in": "query", "required": True, "schema": {"type": "number"}},
        {"name": "lat", "in": "query", "required": True, "schema": {"type": "number"}},
        {"name": "system", "in": "query", "schema": {"enum": list(SYSTEMS)},
         "description": "The system of lon and lat (default wgs84); the answer is WGS-84."},
    ],
    "responses": responses({"200": json_content("Its place.", _PLACE)}, "401 403 422"),
})  # fmt: skip
describe("/map/parcel", "post", {
    "summary": "The area in 亩 of a drawn parcel, and the place of a point inside it",
    "tags": ["map"],
    "requestBody": {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "description": "A GeoJSON Polygon in WGS-84 (one ring is read)."}}}},
    "responses": responses({"200": json_content("Its area and place.", {
        **_PLACE, "properties": {**_PLACE["properties"], "area_mu": {"type": "string"}}})},
        "400 401 403 415 422"),
})  # fmt: skip
