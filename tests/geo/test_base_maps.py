"""Base maps: OpenStreetMap by default, 天地图 with its key, 高德 (GCJ-02) or an intranet server,
and the map pages' coordinates converted to GCJ-02 only for GCJ-02 tiles, so overlays line up."""

import pytest
from sqlalchemy import select

from crm.coordinates import gcj02_to_wgs84, wgs84_to_gcj02
from crm.models import Park
from crm.services.enterprises import create_enterprise
from crm.tiles import TileSettingError, base_map

SHIYAN = (110.79852, 32.6293)


def test_named_and_intranet_base_maps():
    assert base_map({"TILE_URL": "osm"}).origin == "https://tile.openstreetmap.org"
    assert base_map({"TILE_URL": "off"}).url is None
    tianditu = base_map({"TILE_URL": "tianditu", "TIANDITU_KEY": "k123"})
    assert tianditu.url.endswith("tk=k123") and tianditu.system == "wgs84"
    assert base_map({"TILE_URL": "amap"}).system == "gcj02"
    intranet = base_map({"TILE_URL": "http://tiles.zsj.local/{z}/{x}/{y}.png",
                         "TILE_SYSTEM": "gcj02"})  # fmt: skip
    assert (intranet.key, intranet.system, intranet.origin) == (
        "intranet", "gcj02", "http://tiles.zsj.local")  # fmt: skip
    with pytest.raises(TileSettingError, match="TIANDITU_KEY"):
        base_map({"TILE_URL": "tianditu"})
    with pytest.raises(TileSettingError, match="neither"):
        base_map({"TILE_URL": "google"})
    with pytest.raises(TileSettingError, match="TILE_SYSTEM"):
        base_map({"TILE_URL": "http://tiles.local/{z}/{x}/{y}.png", "TILE_SYSTEM": "bd09"})


@pytest.fixture
def staff(make_user, bearer):
    return bearer(make_user("staff"))


def test_gcj02_tiles_get_gcj02_coordinates(client, staff, places, session, config, login,
                                           make_user):  # fmt: skip
    firm = create_enterprise(session, {"name": "十堰坐标对齐有限公司", "district": "420302",
                                       "location": {"lon": SHIYAN[0], "lat": SHIYAN[1]}}, None)  # fmt: skip
    park = session.scalar(select(Park))
    park.lon, park.lat = SHIYAN
    session.commit()

    def first_point(path):
        body = client.get(path, headers=staff).get_json()
        return next(f for f in body["features"] if f["geometry"]["type"] == "Point")

    wgs = first_point("/api/v1/map/enterprises.geojson?district=420302")
    assert wgs["geometry"]["coordinates"] == [round(SHIYAN[0], 5), round(SHIYAN[1], 5)]
    config(TILE_URL="amap")
    gcj = first_point("/api/v1/map/enterprises.geojson?district=420302")
    assert gcj["properties"]["id"] == firm.id
    expected = [round(value, 5) for value in wgs84_to_gcj02(*SHIYAN)]
    assert gcj["geometry"]["coordinates"] == expected
    assert first_point("/api/v1/map/parks.geojson")["geometry"]["coordinates"] == expected
    districts = client.get("/api/v1/map/districts.geojson", headers=staff).get_json()
    assert districts["features"][0]["geometry"]["coordinates"]  # converted, still a polygon
    # The page says where its tiles come from, and allows only that server.
    login(make_user("staff"))
    page = client.get("/map")
    assert "https://webrd01.is.autonavi.com" in page.headers["Content-Security-Policy"]
    shell = client.get("/map/shell.js").get_data(as_text=True)
    assert "autonavi" in shell
    assert "高德底图".encode("unicode_escape").decode() in shell  # folium writes names as JSON


def test_a_parcel_drawn_on_gcj02_tiles_is_measured_where_it_is(client, staff, places):
    lon, lat = wgs84_to_gcj02(*SHIYAN)
    d = 0.002
    ring = [[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]
    body = {"type": "Polygon", "coordinates": [ring], "system": "gcj02"}
    answer = client.post("/api/v1/map/parcel", json=body, headers=staff).get_json()
    inside = answer["location"]
    back = gcj02_to_wgs84(lon + d / 2, lat + d / 2)
    assert inside["lon"] == pytest.approx(back[0], abs=2e-3)
    assert inside["lat"] == pytest.approx(back[1], abs=2e-3)
    assert answer["district"] == "420302"
