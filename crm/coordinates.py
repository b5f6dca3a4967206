"""Coordinate systems of Chinese web maps, and conversion to and from WGS-84 (in crm, where
input is taken, and read by geo for output to 高德 tiles).

The product stores WGS-84 (CGCS2000 differs by centimetres). 高德/AutoNavi, Tencent and Google
China tiles and pickers use GCJ-02, an obfuscated datum about 500-600 m off around Shiyan;
Baidu uses BD-09, a further shift of GCJ-02. Input from those systems is converted on the way in
and WGS-84 goes to GCJ-02 only on output to 高德 tiles.

Pure functions of (lon, lat) in degrees, from the published formulas (the same as the CC0
prcoords and the MIT coord-convert packages). GCJ-02 has no closed-form inverse: it is inverted
by fixed-point iteration to well under a centimetre.
"""

from __future__ import annotations

import math

WGS84 = "wgs84"
GCJ02 = "gcj02"
BD09 = "bd09"
SYSTEMS = (WGS84, GCJ02, BD09)

# Krasovsky 1940, which GCJ-02's formulas use.
_A = 6378245.0
_EE = 0.00669342162296594323
_BD_FACTOR = math.pi * 3000.0 / 180.0


def outside_china(lon: float, lat: float) -> bool:
    """The rough box where GCJ-02 applies; outside it, GCJ-02 equals WGS-84."""
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _transform_lat(x: float, y: float) -> float:
    result = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    result += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2 / 3
    result += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2 / 3
    result += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2 / 3
    return result


def _transform_lon(x: float, y: float) -> float:
    result = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    result += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2 / 3
    result += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2 / 3
    result += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2 / 3
    return result


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    if outside_china(lon, lat):
        return lon, lat
    d_lat = _transform_lat(lon - 105.0, lat - 35.0)
    d_lon = _transform_lon(lon - 105.0, lat - 35.0)
    rad_lat = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lon = (d_lon * 180.0) / (_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return lon + d_lon, lat + d_lat


def gcj02_to_wgs84(lon: float, lat: float, tolerance_deg: float = 1e-10) -> tuple[float, float]:
    """The WGS-84 point whose GCJ-02 is (lon, lat): iterate, since the offset varies slowly."""
    if outside_china(lon, lat):
        return lon, lat
    wgs_lon, wgs_lat = lon, lat
    for _ in range(30):  # converges in 3-5 steps; the bound only guards against surprises
        gcj_lon, gcj_lat = wgs84_to_gcj02(wgs_lon, wgs_lat)
        d_lon, d_lat = gcj_lon - lon, gcj_lat - lat
        wgs_lon, wgs_lat = wgs_lon - d_lon, wgs_lat - d_lat
        if abs(d_lon) < tolerance_deg and abs(d_lat) < tolerance_deg:
            break
    return wgs_lon, wgs_lat


def gcj02_to_bd09(lon: float, lat: float) -> tuple[float, float]:
    z = math.sqrt(lon * lon + lat * lat) + 0.00002 * math.sin(lat * _BD_FACTOR)
    theta = math.atan2(lat, lon) + 0.000003 * math.cos(lon * _BD_FACTOR)
    return z * math.cos(theta) + 0.0065, z * math.sin(theta) + 0.006


def bd09_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    x, y = lon - 0.0065, lat - 0.006
    z = math.sqrt(x * x + y * y) - 0.00002 * math.sin(y * _BD_FACTOR)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * _BD_FACTOR)
    return z * math.cos(theta), z * math.sin(theta)


def wgs84_to_bd09(lon: float, lat: float) -> tuple[float, float]:
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    # bd09_to_gcj02 is the published approximate inverse (off by centimetres); exact enough.
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def to_wgs84(lon: float, lat: float, system: str) -> tuple[float, float]:
    """A point given in `system` (wgs84, gcj02 or bd09) as WGS-84, for storing."""
    if system == WGS84:
        return lon, lat
    if system == GCJ02:
        return gcj02_to_wgs84(lon, lat)
    if system == BD09:
        return bd09_to_wgs84(lon, lat)
    raise ValueError(f"unknown coordinate system {system!r}; one of {', '.join(SYSTEMS)}")


def from_wgs84(lon: float, lat: float, system: str) -> tuple[float, float]:
    """A stored WGS-84 point for a base map in `system`: only 高德 tiles need GCJ-02."""
    if system == WGS84:
        return lon, lat
    if system == GCJ02:
        return wgs84_to_gcj02(lon, lat)
    if system == BD09:
        return wgs84_to_bd09(lon, lat)
    raise ValueError(f"unknown coordinate system {system!r}; one of {', '.join(SYSTEMS)}")
