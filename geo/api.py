"""The map's data over the API: the filtered enterprises (as points and as a list), the projects,
the parks and the city's boundaries as GeoJSON."""

import gzip
import threading
from dataclasses import dataclass

import orjson
from flask import Response, request
from sqlalchemy import func, select

from crm.api import blueprint
from crm.api.auth import require_right
from crm.api.errors import service_errors
from crm.api.openapi import describe, json_content, responses
from crm.extensions import db
from crm.i18n import is_english
from crm.models import ChainDataVersion, Enterprise
from crm.services import enterprises, projects
from crm.vocabulary import PROJECT_POOL, PROJECT_STAGE
from geo import display
from geo.choropleth import choropleth
from geo.city import current_city
from geo.filters import MapFilters, parse_map_filters
from geo.layers import park_features, parse_project_filters, project_features
from geo.listing import LIMIT, passing_enterprises
from geo.points import enterprise_points

GEOJSON = "application/geo+json"
# Smaller answers are sent as they are: compressing them saves less than it costs.
GZIP_MIN_BYTES = 1024


def geojson_response(data: dict | None, encoded: "Encoded | None" = None) -> Response:
    """Compact JSON (orjson: about ten times the standard library's speed on 100,000 points),
    gzipped when the client accepts it (typically a tenth of the size)."""
    encoded = encoded or Encoded.of(data)
    response = Response(encoded.body, mimetype=GEOJSON)
    response.vary.add("Accept-Encoding")
    if encoded.gzipped is not None and request.accept_encodings["gzip"] > 0:
        response.set_data(encoded.gzipped)
        response.headers["Content-Encoding"] = "gzip"
    return response


@dataclass(frozen=True)
class Encoded:
    body: bytes
    gzipped: bytes | None

    @classmethod
    def of(cls, data: dict) -> "Encoded":
        body = orjson.dumps(data)
        small = len(body) < GZIP_MIN_BYTES
        return cls(body, None if small else gzip.compress(body, compresslevel=3))


# Every point, unfiltered, is what the map asks for first: it is kept per process, encoded and
# compressed, while the enterprises stay as they were (their count, newest change and highest
# id) and the chain's data too (segment names). At 100,000 points it saves about 1.5 s.
_every_point: dict[tuple, tuple[tuple, Encoded]] = {}
_every_point_lock = threading.Lock()


def _enterprises_fingerprint() -> tuple:
    row = db.session.execute(
        select(func.count(), func.max(Enterprise.updated_at), func.max(Enterprise.id))
    ).one()
    # The chain data's token moves with every insert or delete of an enterprise, and with
    # segment names, which the answer carries.
    return (*row, db.session.scalar(select(ChainDataVersion.token)))


def _every_point_encoded(user) -> Encoded:
    key = (db.engine.url.render_as_string(), is_english(), display.display_system())
    fingerprint = _enterprises_fingerprint()
    kept = _every_point.get(key)
    if kept and kept[0] == fingerprint:
        return kept[1]
    with _every_point_lock:
        encoded = Encoded.of(enterprise_points(db.session, MapFilters(), user))
        _every_point[key] = (fingerprint, encoded)
    return encoded


@blueprint.get("/map/enterprises.geojson")
def map_enterprises():
    user = require_right(enterprises.READ)
    with service_errors():
        filters = parse_map_filters(request.args)
        if filters == MapFilters():
            return geojson_response(None, _every_point_encoded(user))
        data = enterprise_points(db.session, filters, user)
    return geojson_response(data)


@blueprint.get("/map/enterprise-list")
def map_enterprise_list():
    user = require_right(enterprises.READ)
    with service_errors():
        filters = parse_map_filters(request.args)
        data = passing_enterprises(db.session, filters, user)
    return data


@blueprint.get("/map/projects.geojson")
def map_projects():
    user = require_right(projects.READ)
    with service_errors():
        filters = parse_project_filters(request.args)
        data = project_features(db.session, filters, user, "en" if is_english() else "zh")
    return geojson_response(data)


@blueprint.get("/map/parks.geojson")
def map_parks():
    require_right("map.read")
    return geojson_response(park_features(db.session))


@blueprint.get("/map/district-figures")
def map_district_figures():
    user = require_right("map.read")
    with service_errors():
        return choropleth(db.session, user)


@blueprint.get("/map/districts.geojson")
def map_districts():
    require_right("map.read")
    collection = current_city().feature_collection
    return geojson_response(display.feature_collection(collection, display.display_system()))


def _parameters() -> list[dict]:
    properties = MapFilters.model_json_schema()["properties"]
    return [
        {
            "name": name,
            "in": "query",
            "required": False,
            "schema": {k: v for k, v in schema.items() if k not in ("description", "default")},
            "description": schema.get("description", ""),
        }
        for name, schema in properties.items()
    ]


describe(
    "/map/enterprises.geojson",
    "get",
    {
        "operationId": "mapEnterprises",
        "summary": "Every located enterprise the filters pass, as one GeoJSON FeatureCollection.",
        "description": "Properties under short keys: `id`, `n` name, `s` first chain segment "
        "code, `o` output (万元), `k` 1 龙头 / 2 链主 / 0. Top-level `count`, `segments` "
        "({code: [name, category]}) and `categories` ({code: name}). Coordinates WGS-84, 5 "
        "decimals. Gzipped when the client accepts it. A bad filter value answers 422.",
        "parameters": _parameters(),
        "responses": responses(
            {"200": {"description": "The points.", "content": {GEOJSON: {"schema": {
                "type": "object"}}}}},
            "401 403 422",
        ),
    },
)  # fmt: skip
describe(
    "/map/enterprise-list",
    "get",
    {
        "operationId": "mapEnterpriseList",
        "summary": f"The first {LIMIT} enterprises the map's filters pass, largest output first.",
        "description": "`count` of all that pass, `more` not listed, and `rows`: `id`, `name`, "
        "`district`, `segment` (code and name of the first), `output_wan`, `output_per_mu` and "
        "`tax_per_mu` (万元/亩; null without land). The same filters as the GeoJSON.",
        "parameters": _parameters(),
        "responses": responses(
            {"200": json_content("The list.", {"type": "object"})}, "401 403 422"
        ),
    },
)
describe(
    "/map/projects.geojson",
    "get",
    {
        "operationId": "mapProjects",
        "summary": "Live projects in the caller's scope, at their enterprise's location (else "
        "their park's), as GeoJSON.",
        "description": "Properties: `id`, `n` name, `st` stage, `p` pool, `i` total investment "
        "(万元); top-level `count`, `stages` and `pools` ({key: label}). Projects with no "
        "location are left off. A bad value answers 422.",
        "parameters": [
            {"name": "stage", "in": "query", "required": False, "schema": {"type": "string"},
             "description": "Stages to keep, comma-separated: " + ", ".join(PROJECT_STAGE.keys)},
            {"name": "pool", "in": "query", "required": False, "schema": {"type": "string"},
             "description": "Pools to keep, comma-separated: " + ", ".join(PROJECT_POOL.keys)},
        ],
        "responses": responses(
            {"200": {"description": "The projects.", "content": {GEOJSON: {"schema": {
                "type": "object"}}}}},
            "401 403 422",
        ),
    },
)  # fmt: skip
describe(
    "/map/parks.geojson",
    "get",
    {
        "operationId": "mapParks",
        "summary": "The parks, as their outline when recorded, else their point, as GeoJSON.",
        "description": "Properties: `id`, `n` name, `d` district, `a` land available (亩).",
        "responses": responses(
            {"200": {"description": "The parks.", "content": {GEOJSON: {"schema": {
                "type": "object"}}}}},
            "401 403",
        ),
    },
)  # fmt: skip
describe(
    "/map/district-figures",
    "get",
    {
        "operationId": "mapDistrictFigures",
        "summary": "Per district code: enterprises, output per mu (万元/亩), projects and their "
        "investment (万元), with each measure's class bounds for a choropleth.",
        "description": "`districts`: {code: {enterprises, output_per_mu, projects, "
        "investment}}; projects within the caller's scope. `breaks`: {measure: [upper bounds "
        "of all but the top class]}.",
        "responses": responses(
            {"200": json_content("The figures.", {"type": "object"})}, "401 403"
        ),
    },
)
describe(
    "/map/districts.geojson",
    "get",
    {
        "operationId": "mapDistricts",
        "summary": "The configured city's districts and zones (MAP_BOUNDARIES), as GeoJSON.",
        "responses": responses(
            {"200": json_content("The boundaries.", {"type": "object"})}, "401 403"
        ),
    },
)
