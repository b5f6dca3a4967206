"""/map and its folium shell: small, served from the app alone, the city's by configuration."""

import re
from pathlib import Path

import pytest

from geo.presets import PresetFileError, current_presets

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def staff_client(client, login, make_user):
    login(make_user("staff"))
    return client


def addresses(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', html)


def test_the_page_loads_only_the_apps_own_files(staff_client, places):
    page = staff_client.get("/map")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-testid="industry-map"' in html
    assert '<div class="folium-map" id="map_industry" ></div>' in html
    for address in addresses(html):
        assert address.startswith("/"), address
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert scripts == [
        "/static/vendor/leaflet/leaflet.js",
        "/static/vendor/leaflet.markercluster/leaflet.markercluster.js",
        "/static/vendor/leaflet.heat/leaflet-heat.js",
        "/map/shell.js",
        "/static/js/industry-map.js",
    ]
    assert "<script>" not in html  # the page's CSP allows no inline script
    assert len(html) < 100_000


def test_the_shell_names_the_tile_server_only_when_tiles_are_on(staff_client, config):
    shell = staff_client.get("/map/shell.js")
    assert shell.mimetype == "text/javascript"
    script = shell.get_data(as_text=True)
    assert "https://tile.openstreetmap.org/{z}/{x}/{y}.png" in script
    assert re.findall(r"https?://", script) == ["https://"]
    assert "var feature_group_enterprises" in script
    assert "var geo_json_districts" in script and "var geo_json_zones" in script
    assert (
        "img-src 'self' data: https://tile.openstreetmap.org;"
        in shell.headers["Content-Security-Policy"]
    )

    config(TILE_URL="off")
    script = staff_client.get("/map/shell.js").get_data(as_text=True)
    assert "http" not in script
    assert "L.tileLayer" not in script
    page = staff_client.get("/map")
    assert 'data-testid="tiles-off"' in page.get_data(as_text=True)
    assert "img-src 'self' data: ;" in page.headers["Content-Security-Policy"]


def test_a_second_city_needs_only_its_boundary_file(staff_client, config):
    config(MAP_BOUNDARIES=str(FIXTURES / "tiny-city.geojson"))
    script = staff_client.get("/map/shell.js").get_data(as_text=True)
    assert '"code": "990101"' in script and '"code": "XC-Z1"' in script
    assert '"code": "420302"' not in script
    assert "[[30.0, 100.0], [30.5, 101.0]]" in script  # the map opens on the city


def test_ambassadors_and_visitors_do_not_see_the_map(client, login, make_user):
    assert client.get("/map/shell.js").status_code == 302
    login(make_user("ambassador"))
    assert client.get("/map").status_code == 403
    assert client.get("/map/shell.js").status_code == 403


def test_the_shipped_presets_are_valid(app):
    with app.test_request_context():
        presets = {preset.key: preset for preset in current_presets()}
    assert set(presets) == {"standard-land-3x", "industrial-land-control", "per-mu-a"}
    three_x = presets["standard-land-3x"]
    assert three_x.filters["investment_intensity_min"] == "300"
    assert "容积率" in three_x.unchecked["zh"]
    assert "建筑系数 ≥ 30%" in presets["industrial-land-control"].unchecked["zh"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[[preset]]\nkey = "x"\nname = "x"\n[preset.filters]\nplot_ratio_min = "1"\n',
            "plot_ratio",
        ),
        ('[[preset]]\nkey = "y"\nname = "y"\n[preset.filters]\nsafety_at_least = "E"\n', "safety"),
    ],
)
def test_a_preset_with_an_unknown_or_bad_filter_is_refused(app, config, tmp_path, text, message):
    path = tmp_path / "presets.toml"
    path.write_text(text, encoding="utf-8")
    config(MAP_PRESETS=str(path))
    with app.test_request_context(), pytest.raises(PresetFileError, match=message):
        current_presets()
