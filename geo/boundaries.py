"""A city's district and functional-zone boundaries, read from a GeoJSON file.

Which file is configuration (MAP_BOUNDARIES, see geo.city); DEFAULT_PATH is Shiyan's, the
default and the demo city's."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path

import shapely
from pyproj import Geod
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "geo" / "shiyan-districts.geojson"

COUNTY_DISTRICT = "county_district"
FUNCTIONAL_ZONE = "functional_zone"

_GEOD = Geod(ellps="WGS84")


@dataclass(frozen=True)
class DistrictBoundary:
    """One county-level district or functional zone, with its outline in WGS-84 (lon, lat)."""

    code: str
    name: str
    name_en: str
    kind: str
    parent_code: str | None
    approximate: bool
    geometry: BaseGeometry = field(repr=False)

    @property
    def is_county_district(self) -> bool:
        return self.kind == COUNTY_DISTRICT

    @property
    def geojson(self) -> dict:
        """This boundary as a GeoJSON Feature."""
        return {
            "type": "Feature",
            "properties": {
                "code": self.code,
                "name": self.name,
                "name_en": self.name_en,
                "kind": self.kind,
                "parent_code": self.parent_code,
                "approximate": self.approximate,
            },
            "geometry": mapping(self.geometry),
        }


class BoundaryFileError(ValueError):
    """A boundary file the map cannot use; the message names the file and the feature."""


KINDS = (COUNTY_DISTRICT, FUNCTIONAL_ZONE)
REQUIRED_PROPERTIES = ("code", "name", "name_en", "kind", "parent_code", "approximate")


def _checked_geometry(path, index: int, feature: dict) -> BaseGeometry:
    code = (feature.get("properties") or {}).get("code")
    where = f"{path}: feature {index} ({code})"
    try:
        geometry = shape(feature["geometry"])
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise BoundaryFileError(f"{where}: unreadable geometry ({error})") from error
    if geometry.geom_type not in ("Polygon", "MultiPolygon") or geometry.is_empty:
        raise BoundaryFileError(f"{where}: a {geometry.geom_type}, not a (Multi)Polygon")
    if not geometry.is_valid:
        # Point-in-polygon answers on a self-crossing outline are wrong, not merely slow.
        raise BoundaryFileError(f"{where}: invalid geometry, {shapely.is_valid_reason(geometry)}")
    min_lon, min_lat, max_lon, max_lat = geometry.bounds
    if not (-180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
        raise BoundaryFileError(f"{where}: coordinates are not WGS-84 lon, lat in degrees")
    return geometry


def load_boundaries(path: Path | str = DEFAULT_PATH) -> list[DistrictBoundary]:
    """Read the districts and zones, in file order, from a GeoJSON FeatureCollection.

    Raises BoundaryFileError for a file that is not one, a feature without the properties
    data/geo/README.md lists, or a geometry that is not a valid polygon in lon, lat."""
    try:
        collection = json.loads(Path(path).read_text(encoding="utf-8"))
        features = collection["features"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise BoundaryFileError(
            f"{path}: not a readable GeoJSON FeatureCollection ({error})"
        ) from error
    boundaries = []
    for index, feature in enumerate(features):
        props = feature.get("properties") or {}
        missing = [key for key in REQUIRED_PROPERTIES if key not in props]
        if missing:
            raise BoundaryFileError(
                f"{path}: feature {index} lacks the properties {', '.join(missing)}"
            )
        if props["kind"] not in KINDS:
            raise BoundaryFileError(
                f"{path}: feature {index} ({props['code']}): kind {props['kind']!r} is not "
                f"one of {', '.join(KINDS)}"
            )
        geometry = _checked_geometry(path, index, feature)
        shapely.prepare(geometry)  # point-in-polygon tests run many times per geometry
        boundaries.append(
            DistrictBoundary(
                code=props["code"],
                name=props["name"],
                name_en=props["name_en"],
                kind=props["kind"],
                parent_code=props["parent_code"],
                approximate=props["approximate"],
                geometry=geometry,
            )
        )
    return boundaries


def geodesic_area_km2(geometry: BaseGeometry) -> float:
    """Area on the WGS-84 ellipsoid in km², needing no choice of projection."""
    # pyproj signs each ring's area by its winding, so parts wound the other way would
    # cancel out: orient every polygon the same way first.
    area_m2, _ = _GEOD.geometry_area_perimeter(shapely.orient_polygons(geometry))
    return abs(area_m2) / 1e6


def district_containing(
    boundaries: list[DistrictBoundary], lon: float, lat: float
) -> DistrictBoundary | None:
    """The county-level district (never a zone) that holds the point, or None outside them all."""
    point = shapely.Point(lon, lat)
    for boundary in boundaries:
        # covers, not contains, so that a point exactly on a border still gets a district
        if boundary.is_county_district and boundary.geometry.covers(point):
            return boundary
    return None


def random_point_in(
    geometry: BaseGeometry, rng: random.Random, max_tries: int = 10_000
) -> tuple[float, float]:
    """A (lon, lat) drawn uniformly inside the geometry by rejection sampling from its bounds.

    Uniform in degrees, which over a district (under 2° of latitude) is uniform in area to
    within about 1%. Deterministic for a given rng state.
    """
    if geometry.is_empty:
        raise ValueError("cannot sample a point from an empty geometry")
    min_lon, min_lat, max_lon, max_lat = geometry.bounds
    for _ in range(max_tries):
        lon = rng.uniform(min_lon, max_lon)
        lat = rng.uniform(min_lat, max_lat)
        if shapely.contains_xy(geometry, lon, lat):
            return lon, lat
    raise ValueError(f"no point found inside the geometry in {max_tries} tries")
