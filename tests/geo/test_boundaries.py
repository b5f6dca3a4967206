import itertools
import random

import pytest
import shapely
from shapely.geometry import shape

from geo.boundaries import (
    COUNTY_DISTRICT,
    FUNCTIONAL_ZONE,
    district_containing,
    geodesic_area_km2,
    load_boundaries,
    random_point_in,
)

# Geodesic areas (km²) of the full-detail cnmaps outlines; Shiyan as a whole is about 23,700.
REFERENCE_AREAS_KM2 = {
    "420302": 540,  # 茅箭区
    "420303": 660,  # 张湾区
    "420304": 3_819,  # 郧阳区
    "420322": 3_514,  # 郧西县
    "420323": 3_612,  # 竹山县
    "420324": 3_306,  # 竹溪县
    "420325": 5_128,  # 房县
    "420381": 3_122,  # 丹江口市
}


@pytest.fixture(scope="module")
def boundaries():
    return load_boundaries()


@pytest.fixture(scope="module")
def by_code(boundaries):
    return {b.code: b for b in boundaries}


@pytest.fixture(scope="module")
def districts(boundaries):
    return [b for b in boundaries if b.kind == COUNTY_DISTRICT]


@pytest.fixture(scope="module")
def zones(boundaries):
    return [b for b in boundaries if b.kind == FUNCTIONAL_ZONE]


def test_the_eight_county_level_districts_with_their_official_codes(districts):
    assert sorted(d.code for d in districts) == sorted(REFERENCE_AREAS_KM2)
    assert {d.name for d in districts} == {
        "茅箭区",
        "张湾区",
        "郧阳区",
        "郧西县",
        "竹山县",
        "竹溪县",
        "房县",
        "丹江口市",
    }
    assert all(d.parent_code is None and not d.approximate for d in districts)


def test_every_geometry_is_a_valid_polygon(boundaries):
    assert len(boundaries) == 10
    for b in boundaries:
        assert b.geometry.geom_type in ("Polygon", "MultiPolygon"), b.name
        assert b.geometry.is_valid, b.name


def test_neighbouring_districts_share_borders_without_overlaps(districts):
    for a, b in itertools.combinations(districts, 2):
        assert geodesic_area_km2(a.geometry.intersection(b.geometry)) < 0.01, (a.name, b.name)


def test_neighbouring_districts_leave_no_gaps(districts):
    assert shapely.coverage_is_valid([d.geometry for d in districts])


@pytest.mark.parametrize(("code", "expected_km2"), REFERENCE_AREAS_KM2.items())
def test_district_area_matches_the_reference(by_code, code, expected_km2):
    assert geodesic_area_km2(by_code[code].geometry) == pytest.approx(expected_km2, rel=0.03)


def test_total_area_is_shiyans(districts):
    total = sum(geodesic_area_km2(d.geometry) for d in districts)
    assert total == pytest.approx(23_700, rel=0.01)


def test_zones_are_approximate_and_lie_inside_their_parent(zones, by_code):
    assert {z.code for z in zones} == {"SY-ETDZ", "SY-WDS"}
    assert by_code["SY-WDS"].parent_code == "420381"  # 武当山 lies in 丹江口市
    for zone in zones:
        assert zone.approximate
        parent = by_code[zone.parent_code]
        assert parent.kind == COUNTY_DISTRICT
        outside = geodesic_area_km2(zone.geometry.difference(parent.geometry))
        assert outside < 0.01 * geodesic_area_km2(zone.geometry), zone.name


@pytest.mark.parametrize(
    ("lon", "lat", "code"),
    [
        (110.79, 32.59, "420302"),  # 茅箭区, south of the urban core
        (110.65, 32.63, "420303"),  # 张湾区, west of the urban core
        (110.81, 32.83, "420304"),  # 郧阳区 town
        (110.42, 33.00, "420322"),  # 郧西县 town
        (110.23, 32.22, "420323"),  # 竹山县 town
        (109.72, 32.32, "420324"),  # 竹溪县 town
        (110.74, 32.06, "420325"),  # 房县 town
        (111.51, 32.54, "420381"),  # 丹江口 city
    ],
)
def test_district_containing_a_known_point(boundaries, lon, lat, code):
    assert district_containing(boundaries, lon, lat).code == code


def test_district_containing_ignores_zones(boundaries, by_code):
    lon, lat = 111.004, 32.40  # 武当山金顶, inside the 武当山 zone outline
    assert by_code["SY-WDS"].geometry.covers(shapely.Point(lon, lat))
    assert district_containing(boundaries, lon, lat).code == "420381"


def test_no_district_contains_beijing(boundaries):
    assert district_containing(boundaries, 116.4, 39.9) is None


def test_geodesic_area_of_a_one_degree_cell_at_the_equator():
    # 111.32 km per degree of longitude × 110.57 km per degree of latitude at the equator
    assert geodesic_area_km2(shapely.box(0, 0, 1, 1)) == pytest.approx(12_309, rel=0.001)


def test_geodesic_area_does_not_depend_on_winding():
    ccw = shapely.box(0, 0, 1, 1)
    cw = shapely.box(2, 0, 3, 1).reverse()
    both = shapely.MultiPolygon([ccw, cw])
    assert geodesic_area_km2(both) == pytest.approx(2 * 12_309, rel=0.001)


def test_random_point_in_is_deterministic_and_lands_inside(by_code):
    geometry = by_code["420302"].geometry
    first = [random_point_in(geometry, random.Random(7)) for _ in range(2)]
    assert first[0] == first[1]

    rng = random.Random(7)
    points = [random_point_in(geometry, rng) for _ in range(200)]
    assert points[0] == first[0]
    assert len(set(points)) == 200
    assert all(geometry.covers(shapely.Point(p)) for p in points)


def test_random_point_in_an_empty_geometry_fails():
    with pytest.raises(ValueError):
        random_point_in(shapely.Polygon(), random.Random(1))


def test_geojson_round_trips(by_code):
    feature = by_code["SY-ETDZ"].geojson
    assert feature["properties"] == {
        "code": "SY-ETDZ",
        "name": "十堰经济技术开发区",
        "name_en": "Shiyan Economic and Technological Development Zone",
        "kind": "functional_zone",
        "parent_code": "420302",
        "approximate": True,
    }
    assert shape(feature["geometry"]).equals(by_code["SY-ETDZ"].geometry)
