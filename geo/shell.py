"""The map's folium shell: the map container, the base layer, the boundary layers, an empty
layer for the enterprises and the layer control. Points never pass through here: the browser
fetches them from /api/v1/map/enterprises.geojson and draws them (static/js/industry-map.js),
since folium writes a marker per point (69 MB at 50,000) and its templates do not make user
text safe.

folium's default front end loads from four CDNs; the shell names the app's own copies under
static/vendor instead, so the only outside address the page uses is the tile server's, and
none at all with TILE_URL=off. The script is served as a file (the page's CSP allows no inline
script), and every element has a fixed id so the page's own script can find its layers."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import folium
from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from crm.tiles import BaseMap, base_map
from geo import display
from geo.city import configured_path, current_city

# JavaScript names of the shell's elements (folium's own name, a prefix and the id).
MAP_ID = "industry"
ENTERPRISES_ID = "enterprises"
PROJECTS_ID = "projects"
PARKS_ID = "parks"
DISTRICTS_ID = "districts"
ZONES_ID = "zones"
HEAT_ID = "heat"

VENDOR_JS = (
    "vendor/leaflet/leaflet.js",
    "vendor/leaflet.markercluster/leaflet.markercluster.js",
    "vendor/leaflet.heat/leaflet-heat.js",
)
VENDOR_CSS = (
    "vendor/leaflet/leaflet.css",
    "vendor/leaflet.markercluster/MarkerCluster.css",
    "vendor/leaflet.markercluster/MarkerCluster.Default.css",
)

DISTRICT_STYLE = {"color": "#1d4ed8", "weight": 2, "fill": True, "fillOpacity": 0.03}
ZONE_STYLE = {"color": "#b45309", "weight": 2, "dashArray": "6 4", "fillOpacity": 0.05}


def tile_url() -> str | None:
    """The base map's tile URL, or None when tiles are off (an intranet without one)."""
    return base_map().url


@dataclass(frozen=True)
class Shell:
    html: str  # the map's container
    script: str  # folium's script, served as /map/shell.js
    names: dict  # JavaScript variable names of the map and its layers

    @property
    def css(self) -> list[str]:
        return [url_for("static", filename=path) for path in VENDOR_CSS]

    @property
    def js(self) -> list[str]:
        return [url_for("static", filename=path) for path in VENDOR_JS]


def current_shell() -> Shell:
    """The shell for this app's city, tiles and language (folium renders it once each)."""
    path = configured_path("MAP_BOUNDARIES")
    return _shell(str(path), path.stat().st_mtime_ns, base_map(), str(get_locale()))


@lru_cache(maxsize=16)
def _shell(_path: str, _version: int, base: BaseMap, _locale: str) -> Shell:
    city = current_city()  # the arguments are the cache's key: file, version, tiles, language
    min_lon, min_lat, max_lon, max_lat = city.bounds
    figure = folium.Map(
        location=[(min_lat + max_lat) / 2, (min_lon + max_lon) / 2],
        zoom_start=9,
        tiles=None,
        control_scale=True,
    )
    figure._id = MAP_ID
    figure.options["max_zoom"] = 18  # clustering needs it; without tiles nothing else sets it
    # folium's own CDN links, replaced by the app's copies (nothing else reads these).
    figure.default_js = [(path, path) for path in VENDOR_JS]
    figure.default_css = [(path, path) for path in VENDOR_CSS]
    if base.url:
        names = {"osm": _("OpenStreetMap 底图"), "tianditu": _("天地图底图"), "amap": _("高德底图")}
        layer = folium.TileLayer(
            tiles=base.url, attr=base.attribution, name=names.get(base.key, _("底图")), max_zoom=18
        )
        layer._id = "base"
        layer.add_to(figure)
    layers = {}
    for key, title, boundaries, style in (
        (DISTRICTS_ID, _("区县边界"), city.districts, DISTRICT_STYLE),
        (ZONES_ID, _("功能区（示意范围）"), city.zones, ZONE_STYLE),
    ):
        if not boundaries:
            continue
        collection = display.feature_collection(
            {"type": "FeatureCollection", "features": [b.geojson for b in boundaries]}, base.system
        )
        # A constant style, so folium writes no per-feature switch; names are bound as text by
        # the page's script, never through folium's tooltip templates (innerHTML).
        layer = folium.GeoJson(
            collection, name=title, style_function=lambda _f, s=style: s, zoom_on_click=False
        )
        layer._id = key
        layer.add_to(figure)
        layers[key] = layer.get_name()
    # Empty groups the page's script fills: listed in the layer control, which turns them off.
    groups = {}
    for key, title, shown in (
        (PARKS_ID, _("园区"), True),
        (PROJECTS_ID, _("项目"), True),
        (ENTERPRISES_ID, _("企业"), True),
        (HEAT_ID, _("热力图（企业产值）"), False),
    ):
        group = folium.FeatureGroup(name=title, show=shown)
        group._id = key
        group.add_to(figure)
        groups[key] = group.get_name()
    folium.LayerControl(collapsed=False).add_to(figure)
    figure.fit_bounds([[min_lat, min_lon], [max_lat, max_lon]])

    root = figure.get_root()
    root.render()
    return Shell(
        html=root.html.render(),
        script=root.script.render(),
        names={"map": figure.get_name(), **groups, **layers},
    )
