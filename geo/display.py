"""Coordinates as the map pages show them: records are WGS-84, and when the base map's tiles
are GCJ-02 (高德, crm.tiles) every coordinate sent to a map page is converted on output, so
points and outlines sit where the tiles draw them. Rounded to DECIMALS (about 1 m)."""

from crm.coordinates import GCJ02, WGS84, wgs84_to_gcj02
from crm.tiles import base_map

DECIMALS = 5


def display_system() -> str:
    return base_map().system


def point(lon: float, lat: float, system: str = WGS84) -> list[float]:
    if system == GCJ02:
        lon, lat = wgs84_to_gcj02(lon, lat)
    return [round(lon, DECIMALS), round(lat, DECIMALS)]


def geometry(shape: dict, system: str = WGS84) -> dict:
    """A GeoJSON geometry with every position converted (nothing to do for WGS-84 tiles)."""
    if system == WGS84:
        return shape

    def convert(positions):
        if positions and isinstance(positions[0], int | float):
            return point(positions[0], positions[1], system)
        return [convert(inner) for inner in positions]

    return {**shape, "coordinates": convert(shape["coordinates"])}


def feature_collection(collection: dict, system: str = WGS84) -> dict:
    if system == WGS84:
        return collection
    return {
        **collection,
        "features": [
            {**feature, "geometry": geometry(feature["geometry"], system)}
            for feature in collection["features"]
        ],
    }
