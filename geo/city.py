"""The configured city's places: its boundary file, the zones in it, and its area projection.

Nothing here names Shiyan: another city sets MAP_BOUNDARIES (and MAP_AREA_CRS) and needs no
code. Paths that are not absolute are read from the app's folder."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from flask import current_app

if TYPE_CHECKING:
    from geo.boundaries import DistrictBoundary

# shapely and pyproj load only when the map first reads the file: the other commands and
# pages never pay for them (tests/crm/test_cli.py).


@dataclass(frozen=True)
class City:
    boundaries: tuple[DistrictBoundary, ...]

    @property
    def districts(self) -> list[DistrictBoundary]:
        return [b for b in self.boundaries if b.is_county_district]

    @property
    def zones(self) -> list[DistrictBoundary]:
        return [b for b in self.boundaries if not b.is_county_district]

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(min lon, min lat, max lon, max lat) of the districts: where the map opens."""
        import shapely

        return shapely.union_all([b.geometry for b in self.districts]).bounds

    @property
    def feature_collection(self) -> dict:
        return {"type": "FeatureCollection", "features": [b.geojson for b in self.boundaries]}


def configured_path(key: str) -> Path:
    path = Path(current_app.config[key])
    return path if path.is_absolute() else Path(current_app.root_path) / path


def current_city() -> City:
    """The city of the app's MAP_BOUNDARIES, read once per file version."""
    path = configured_path("MAP_BOUNDARIES")
    return _read_city(str(path), path.stat().st_mtime_ns)


@lru_cache(maxsize=4)
def _read_city(path: str, _version: int) -> City:
    from geo.boundaries import load_boundaries

    return City(tuple(load_boundaries(path)))
