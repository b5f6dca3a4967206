"""Land areas in 亩, measured in a projected CRS (metres), never in degrees."""

from __future__ import annotations

from functools import lru_cache

import shapely
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

# 1 亩 = 10000/15 m² (a hectare is 15 亩).
SQUARE_METRES_PER_MU = 10_000 / 15
# CGCS2000 3-degree Gauss-Krüger, central meridian 111°E: Shiyan (109.5-111.6°E) to within
# about 0.05%. A city elsewhere sets MAP_AREA_CRS to its own zone (EPSG:4547 is 114°E).
DEFAULT_AREA_CRS = "EPSG:4546"


@lru_cache(maxsize=8)
def _to_projected(crs: str) -> Transformer:
    return Transformer.from_crs("EPSG:4326", crs, always_xy=True)


def area_m2(geometry: BaseGeometry, crs: str = DEFAULT_AREA_CRS) -> float:
    """Area of a WGS-84 (lon, lat) geometry in m², in the projected `crs`."""
    projected = shapely.transform(geometry, _to_projected(crs).transform, interleaved=False)
    return projected.area


def area_mu(geometry: BaseGeometry, crs: str = DEFAULT_AREA_CRS) -> float:
    """Area of a WGS-84 (lon, lat) geometry in 亩, in the projected `crs`."""
    return area_m2(geometry, crs) / SQUARE_METRES_PER_MU
