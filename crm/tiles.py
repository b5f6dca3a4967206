"""The base map: which tile server the map pages use, and in which coordinate system its tiles
are drawn. Set by TILE_URL: a named base map (osm, tianditu, amap), a URL template of an
intranet tile server (its system in TILE_SYSTEM, wgs84 unless it serves 高德-style tiles), or
off. Records are WGS-84; when the tiles are GCJ-02 (高德), every coordinate the map pages are
sent is converted to GCJ-02 on output, and what they send back is converted in, so overlays
line up with whichever base map is chosen. Here, not in geo: the security headers read it."""

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app

from crm.coordinates import GCJ02, SYSTEMS, WGS84

OFF = ("", "off", "none")


@dataclass(frozen=True)
class BaseMap:
    key: str  # osm, tianditu, amap, intranet or off
    url: str | None  # a Leaflet URL template; None when tiles are off
    attribution: str
    system: str  # the tiles' coordinate system, and so the map pages'

    @property
    def origin(self) -> str:
        """The tile server's origin for the CSP's img-src ("" when off)."""
        if not self.url:
            return ""
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc.replace('{s}', '*')}"


NAMED = {
    "osm": (
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "© OpenStreetMap contributors",
        WGS84,
    ),
    # 天地图 (the national platform): CGCS2000, within centimetres of WGS-84; needs a key.
    "tianditu": (
        "https://t0.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
        "&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}"
        "&TILECOL={x}&tk=",
        "© 天地图",
        WGS84,
    ),
    "amap": (
        "https://webrd01.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8"
        "&x={x}&y={y}&z={z}",
        "© 高德地图",
        GCJ02,
    ),
}


class TileSettingError(ValueError):
    """TILE_URL, TILE_SYSTEM or TIANDITU_KEY that cannot be used."""


def base_map(config=None) -> BaseMap:
    config = config if config is not None else current_app.config
    setting = (config.get("TILE_URL") or "").strip()
    attribution = config.get("TILE_ATTRIBUTION") or ""
    if setting.lower() in OFF:
        return BaseMap("off", None, "", WGS84)
    key = setting.lower()
    if key in NAMED:
        url, named_attribution, system = NAMED[key]
        if key == "tianditu":
            tile_key = (config.get("TIANDITU_KEY") or "").strip()
            if not tile_key:
                raise TileSettingError("TILE_URL=tianditu needs TIANDITU_KEY (a 天地图 key)")
            url += tile_key
        return BaseMap(key, url, attribution or named_attribution, system)
    if "{z}" not in setting or not urlsplit(setting).netloc:
        raise TileSettingError(f"TILE_URL {setting!r} is neither a named base map nor a tile URL")
    system = (config.get("TILE_SYSTEM") or WGS84).lower()
    if system not in SYSTEMS or system == "bd09":  # Baidu's tiles are not in Web Mercator
        raise TileSettingError(f"TILE_SYSTEM {system!r} should be wgs84 or gcj02")
    key = "osm" if setting == NAMED["osm"][0] else "intranet"
    return BaseMap(key, setting, attribution or (NAMED["osm"][1] if key == "osm" else ""), system)
