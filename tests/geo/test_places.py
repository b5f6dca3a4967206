"""Hand-worked checks of the map's places: coordinate systems, areas in 亩, the spatial join,
boundary files as configuration (a second, fictional city) and their errors."""

import math
from pathlib import Path

import pytest
import shapely
from pyproj import Geod, Transformer
from shapely.geometry import box

from crm.coordinates import (
    BD09,
    GCJ02,
    WGS84,
    bd09_to_gcj02,
    bd09_to_wgs84,
    from_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from geo.area import SQUARE_METRES_PER_MU, area_mu
from geo.boundaries import BoundaryFileError, load_boundaries
from geo.join import districts_of

FIXTURES = Path(__file__).parent / "fixtures"
GEOD = Geod(ellps="WGS84")
# 十堰 city centre near the 市政府, WGS-84.
SHIYAN = (110.79801, 32.62918)


def metres(a, b) -> float:
    return GEOD.inv(a[0], a[1], b[0], b[1])[2]


# ---- coordinate systems ----


def test_gcj02_at_shiyan_is_about_500_m_east_and_240_m_south():
    # The published formulas give (110.80333, 32.62699): 高德 draws the city centre about
    # 499 m east and 243 m south of where GPS puts it, 555 m in all (geo-facts: 530-600 m).
    lon, lat = wgs84_to_gcj02(*SHIYAN)
    assert (round(lon, 5), round(lat, 5)) == (110.80333, 32.62699)
    east = metres(SHIYAN, (lon, SHIYAN[1]))
    south = metres(SHIYAN, (SHIYAN[0], lat))
    assert 490 < east < 510 and lon > SHIYAN[0]
    assert 235 < south < 250 and lat < SHIYAN[1]
    assert 530 < metres(SHIYAN, (lon, lat)) < 600


def test_bd09_adds_baidus_fixed_shift_of_about_0_0065_and_0_006_degrees():
    # BD-09 = GCJ-02 turned by at most 3e-6 rad and stretched by 2e-5°, then moved 0.0065° east
    # and 0.006° north; the turn moves a point at 110.8°E by up to 110.8 × 3e-6 ≈ 0.00033°.
    gcj = wgs84_to_gcj02(*SHIYAN)
    lon, lat = gcj02_to_bd09(*gcj)
    assert lon - gcj[0] == pytest.approx(0.0065, abs=0.0004)
    assert lat - gcj[1] == pytest.approx(0.006, abs=0.0004)
    assert wgs84_to_bd09(*SHIYAN) == (lon, lat)


@pytest.mark.parametrize(
    "point",
    [SHIYAN, (110.0, 32.0), (109.5, 33.2), (111.3, 31.5), (116.39, 39.91), (121.47, 31.23)],
)
def test_round_trips_come_back_within_a_metre(point):
    assert metres(point, gcj02_to_wgs84(*wgs84_to_gcj02(*point))) < 0.01
    assert metres(point, bd09_to_wgs84(*wgs84_to_bd09(*point))) < 1
    gcj = wgs84_to_gcj02(*point)
    assert metres(gcj, bd09_to_gcj02(*gcj02_to_bd09(*gcj))) < 1


def test_outside_china_gcj02_is_wgs84():
    assert wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)
    assert gcj02_to_wgs84(2.35, 48.85) == (2.35, 48.85)


def test_points_come_in_from_any_system_and_go_out_to_gcj02_only_when_asked():
    gcj = wgs84_to_gcj02(*SHIYAN)
    assert metres(to_wgs84(*gcj, GCJ02), SHIYAN) < 0.01
    assert metres(to_wgs84(*wgs84_to_bd09(*SHIYAN), BD09), SHIYAN) < 1
    assert to_wgs84(*SHIYAN, WGS84) == SHIYAN
    assert from_wgs84(*SHIYAN, WGS84) == SHIYAN
    assert from_wgs84(*SHIYAN, GCJ02) == gcj
    with pytest.raises(ValueError, match="unknown coordinate system"):
        to_wgs84(*SHIYAN, "web-mercator")


# ---- areas in 亩 ----


def test_a_square_kilometre_is_1500_mu():
    # A 1,000 m square laid out in EPSG:4546 metres near 十堰, taken back to WGS-84 degrees.
    to_metres = Transformer.from_crs("EPSG:4326", "EPSG:4546", always_xy=True)
    to_degrees = Transformer.from_crs("EPSG:4546", "EPSG:4326", always_xy=True)
    x, y = to_metres.transform(*SHIYAN)
    square = shapely.transform(
        box(x, y, x + 1000, y + 1000), to_degrees.transform, interleaved=False
    )
    assert area_mu(square) == pytest.approx(1500, abs=0.01)
    assert pytest.approx(1_000_000) == SQUARE_METRES_PER_MU * 1500


def test_area_of_a_box_in_degrees_by_hand():
    # 0.01° × 0.01° at 32.6°N: 0.01° of latitude ≈ 1,109 m, of longitude ≈ 1,109 m × cos 32.6°
    # ≈ 938 m (ellipsoidal values), so ≈ 1.040 km² ≈ 1,560 亩.
    parcel = box(110.79, 32.60, 110.80, 32.61)
    by_hand = 1109.0 * 1109.0 * math.cos(math.radians(32.605)) / SQUARE_METRES_PER_MU
    assert area_mu(parcel) == pytest.approx(by_hand, rel=0.005)
    geodesic = abs(GEOD.geometry_area_perimeter(parcel)[0]) / SQUARE_METRES_PER_MU
    assert area_mu(parcel) == pytest.approx(geodesic, rel=0.001)


# ---- the spatial join ----


def test_a_point_on_each_side_of_a_border_of_the_fictional_city():
    boundaries = load_boundaries(FIXTURES / "tiny-city.geojson")
    points = [(100.4999, 30.25), (100.5001, 30.25), (100.7, 30.2), (99.9, 30.25)]
    # The zone 小城新区 lies in 东区 and is never a point's district.
    assert districts_of(points, boundaries) == ["990102", "990101", "990101", None]


def test_a_point_on_each_side_of_the_border_between_maojian_and_zhangwan():
    boundaries = load_boundaries()
    by_code = {b.code: b.geometry for b in boundaries}
    border = by_code["420302"].boundary.intersection(by_code["420303"].boundary)
    segment = shapely.get_parts(shapely.line_merge(border))[0]
    # Step 20 m either side of the middle of the shared border, across it.
    (x1, y1), (x2, y2) = segment.coords[len(segment.coords) // 2 - 1 : len(segment.coords) // 2 + 1]
    mid_x, mid_y = (x1 + x2) / 2, (y1 + y2) / 2
    length = math.hypot(x2 - x1, y2 - y1)
    normal = (-(y2 - y1) / length * 0.0002, (x2 - x1) / length * 0.0002)
    side_a = (mid_x + normal[0], mid_y + normal[1])
    side_b = (mid_x - normal[0], mid_y - normal[1])
    assert sorted(districts_of([side_a, side_b], boundaries)) == ["420302", "420303"]
    assert districts_of([SHIYAN], boundaries) == ["420302"]


def test_a_point_exactly_on_the_border_gets_the_district_listed_first():
    boundaries = load_boundaries(FIXTURES / "tiny-city.geojson")
    assert districts_of([(100.5, 30.25)], boundaries) == ["990101"]
    assert districts_of([], boundaries) == []


# ---- boundary files ----


def test_a_self_crossing_outline_is_refused_naming_the_feature(tmp_path):
    with pytest.raises(BoundaryFileError, match=r"feature 0 \(990201\): invalid geometry"):
        load_boundaries(FIXTURES / "bowtie.geojson")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "not a readable GeoJSON FeatureCollection"),
        ('{"type": "FeatureCollection"}', "not a readable GeoJSON FeatureCollection"),
        (
            '{"features": [{"properties": {"code": "1"}, "geometry": null}]}',
            "lacks the properties name, name_en, kind",
        ),
        (
            '{"features": [{"properties": {"code": "1", "name": "a", "name_en": "a", '
            '"kind": "county", "parent_code": null, "approximate": false}}]}',
            "kind 'county' is not one of",
        ),
        (
            '{"features": [{"properties": {"code": "1", "name": "a", "name_en": "a", '
            '"kind": "county_district", "parent_code": null, "approximate": false}, '
            '"geometry": {"type": "Point", "coordinates": [100, 30]}}]}',
            "a Point, not a",
        ),
        (
            '{"features": [{"properties": {"code": "1", "name": "a", "name_en": "a", '
            '"kind": "county_district", "parent_code": null, "approximate": false}, '
            '"geometry": {"type": "Polygon", "coordinates": [[[3e6, 3e6], [3e6, 4e6], '
            "[4e6, 4e6], [3e6, 3e6]]]}}]}",
            "not WGS-84",
        ),
    ],
)
def test_an_unusable_boundary_file_gives_a_clear_error(tmp_path, text, message):
    path = tmp_path / "city.geojson"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BoundaryFileError, match=message):
        load_boundaries(path)
