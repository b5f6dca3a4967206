"""Picking a place: a point's district and park, and a drawn parcel's area in 亩, over the API
(the enterprise form's map picker asks them)."""

import pytest
from sqlalchemy import select

from crm.coordinates import wgs84_to_gcj02
from crm.models import Park

SHIYAN = (110.79852, 32.6293)  # the city government, in 茅箭区


@pytest.fixture
def staff(make_user, bearer):
    return bearer(make_user("staff"))


def test_a_point_gets_its_district_and_park(client, staff, places, session):
    park = session.scalar(select(Park))
    lon, lat = SHIYAN
    park.boundary = {"type": "Polygon", "coordinates": [[
        [lon - 0.01, lat - 0.01], [lon + 0.01, lat - 0.01], [lon + 0.01, lat + 0.01],
        [lon - 0.01, lat + 0.01], [lon - 0.01, lat - 0.01]]]}  # fmt: skip
    session.commit()
    answer = client.get(f"/api/v1/map/place?lon={lon}&lat={lat}", headers=staff)
    assert answer.status_code == 200
    assert answer.get_json() == {"location": {"lon": lon, "lat": lat}, "district": "420302",
                                 "district_name": "茅箭区", "park": park.name}  # fmt: skip
    # The same place as a 高德 picker gives it: converted first.
    gcj = wgs84_to_gcj02(lon, lat)
    moved = client.get(f"/api/v1/map/place?lon={gcj[0]}&lat={gcj[1]}&system=gcj02", headers=staff)
    assert moved.get_json()["location"] == {"lon": pytest.approx(lon, abs=1e-6),
                                            "lat": pytest.approx(lat, abs=1e-6)}  # fmt: skip
    nowhere = client.get("/api/v1/map/place?lon=100&lat=30", headers=staff).get_json()
    assert (nowhere["district"], nowhere["park"]) == (None, None)


def test_bad_points_are_refused(client, staff):
    assert client.get("/api/v1/map/place?lon=x&lat=1", headers=staff).status_code == 422
    assert client.get("/api/v1/map/place?lon=200&lat=1", headers=staff).status_code == 422
    wrong = client.get("/api/v1/map/place?lon=110&lat=32&system=utm", headers=staff)
    assert wrong.status_code == 422 and "system" in wrong.get_json()["error"]["fields"]


def test_a_parcel_is_measured_in_mu(client, staff, places):
    # About 200 m × 200 m near the city centre: 40,000 m² is 60 亩 (1 亩 = 666.67 m²).
    lon, lat = SHIYAN
    dlon, dlat = 200 / (111_320 * 0.8424), 200 / 110_900  # cos(32.63°) ≈ 0.8424
    ring = [[lon, lat], [lon + dlon, lat], [lon + dlon, lat + dlat], [lon, lat + dlat], [lon, lat]]
    answer = client.post("/api/v1/map/parcel", json={"type": "Polygon", "coordinates": [ring]},
                         headers=staff)  # fmt: skip
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert float(body["area_mu"]) == pytest.approx(60, rel=0.01)
    assert body["district"] == "420302"
    bowtie = [
        [lon, lat],
        [lon + dlon, lat + dlat],
        [lon + dlon, lat],
        [lon, lat + dlat],
        [lon, lat],
    ]
    crossed = client.post("/api/v1/map/parcel", json={"type": "Polygon", "coordinates": [bowtie]},
                          headers=staff)  # fmt: skip
    assert crossed.status_code == 422
    short = client.post("/api/v1/map/parcel", json={"type": "Polygon",
                        "coordinates": [[[lon, lat], [lon, lat]]]}, headers=staff)  # fmt: skip
    assert short.status_code == 422


def test_ambassadors_may_not_pick(client, make_user, bearer):
    ambassador = bearer(make_user("ambassador"))
    assert client.get("/api/v1/map/place?lon=110.8&lat=32.6", headers=ambassador).status_code == 403


def test_a_location_saved_without_a_district_gets_the_one_it_lies_in(client, staff, places):
    lon, lat = SHIYAN
    made = client.post("/api/v1/enterprises", json={
        "name": "十堰自动定位有限公司", "location": {"lon": lon, "lat": lat}}, headers=staff)  # fmt: skip
    assert made.status_code == 201 and made.get_json()["district"] == "420302"
    # A district given with the location is kept as given.
    given = client.post("/api/v1/enterprises", json={
        "name": "十堰指定区县有限公司", "location": {"lon": lon, "lat": lat},
        "district": "420303"}, headers=staff)  # fmt: skip
    assert given.get_json()["district"] == "420303"
    # Moving the point moves the district with it, when none is sent.
    record = made.get_json()
    outside = client.patch(f"/api/v1/enterprises/{record['id']}", json={
        "version": record["version"], "location": {"lon": 100.0, "lat": 30.0}}, headers=staff)  # fmt: skip
    assert outside.get_json()["district"] == "420302"  # outside every district: left as it was
