"""Another city's boundary file is built from its city file alone (cnmaps only fetches the
outlines, so the build is tested on a fictional city's polygons)."""

import json
from pathlib import Path

import shapely
from shapely.geometry import shape

from geo.boundaries import load_boundaries
from geo.build_boundaries import build, read_spec

FIXTURES = Path(__file__).parent / "fixtures"


def test_a_city_file_builds_a_boundary_file_the_app_reads(tmp_path):
    spec = read_spec(FIXTURES / "tiny-city.toml")
    assert [code for code, _, _ in spec.districts] == ["990101", "990102"]
    assert spec.output == FIXTURES.parent / "tiny-city-built.geojson"
    tiny = json.loads((FIXTURES / "tiny-city.geojson").read_text(encoding="utf-8"))
    outlines = {f["properties"]["code"]: shape(f["geometry"]) for f in tiny["features"]}
    text, districts = build(spec, [outlines["990101"], outlines["990102"]], "a test")

    path = tmp_path / "built.geojson"
    path.write_text(text, encoding="utf-8")
    built = {boundary.code: boundary for boundary in load_boundaries(path)}
    assert set(built) == {"990101", "990102", "XC-Z9"}
    assert built["990101"].name == "东区" and built["XC-Z9"].parent_code == "990101"
    # The shared border is simplified once: no gap, no overlap.
    assert shapely.coverage_is_valid(districts)
    # The zone's outline crossed into 西区 and was clipped to its parent.
    zone = built["XC-Z9"].geometry
    assert zone.bounds[0] == 100.5 and outlines["990101"].contains(zone.representative_point())
    assert json.loads(text)["source"] == "a test"
