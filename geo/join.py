"""Which district holds each point: a spatial join of points against the city's outlines."""

from __future__ import annotations

from collections.abc import Sequence

import geopandas

from geo.boundaries import DistrictBoundary


def districts_of(
    points: Sequence[tuple[float, float]], boundaries: Sequence[DistrictBoundary]
) -> list[str | None]:
    """The code of the county-level district holding each (lon, lat), None outside them all.

    Zones are left out: they overlap their district, and their outlines are approximate. A
    point exactly on a border touches both districts; the one listed first in the file wins,
    so the answer never depends on the join's order.
    """
    if not points:
        return []
    districts = [b for b in boundaries if b.is_county_district]
    outlines = geopandas.GeoDataFrame(
        {"code": [b.code for b in districts], "rank": range(len(districts))},
        geometry=[b.geometry for b in districts],
        crs="EPSG:4326",
    )
    lons, lats = zip(*points, strict=True)
    located = geopandas.GeoDataFrame(geometry=geopandas.points_from_xy(lons, lats), crs="EPSG:4326")
    joined = geopandas.sjoin(located, outlines, how="left", predicate="intersects")
    first = joined.sort_values("rank", kind="stable").groupby(level=0)["code"].first()
    codes = [first.get(index) for index in range(len(points))]
    return [code if isinstance(code, str) else None for code in codes]  # NaN: no district
