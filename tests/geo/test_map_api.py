"""/api/v1/map/*.geojson: the filters on a hand-built set, the answer's shape, gzip, rights and
bad values; and the map data of a second, fictional city from its boundary file alone."""

import gzip
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from crm.models import Park
from crm.services.enterprises import create_enterprise
from geo.filters import grades_at_least

API = "/api/v1/map/enterprises.geojson"
FIXTURES = Path(__file__).parent / "fixtures"


def names(client, headers, **query) -> list[str]:
    response = client.get(API, query_string=query, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    data = response.get_json()
    assert data["count"] == len(data["features"])
    return sorted(feature["properties"]["n"] for feature in data["features"])


def test_every_located_live_enterprise_in_one_compact_collection(client, headers, firms):
    response = client.get(API, headers=headers)
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    data = response.get_json()
    assert data["type"] == "FeatureCollection"
    assert data["count"] == 3
    first = data["features"][0]
    assert first == {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [110.80123, 32.62988]},
        "properties": {"id": firms["甲"].id, "n": "甲", "s": "M501", "o": 5000.0, "k": 2},
    }
    kinds = {f["properties"]["n"]: f["properties"]["k"] for f in data["features"]}
    assert kinds == {"甲": 2, "乙": 1, "丙": 0}
    assert data["segments"] == {
        "M501": ["动力电池电芯", "M5"],
        "M502": ["电池管理系统", "M5"],
        "M503": ["电驱动系统", "M5"],
    }
    assert data["categories"] == {"M5": "三电系统"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"segment": "M501"}, ["甲"]),
        ({"district": "420302"}, ["丙", "甲"]),
        ({"is_local": "false"}, ["丙"]),
        ({"is_local": "true"}, ["乙", "甲"]),
        ({"safety_rating": "A,C"}, ["丙", "甲"]),
        ({"safety_at_least": "B"}, ["乙", "甲"]),
        ({"environment_at_least": "B"}, ["丙", "甲"]),
        ({"environment_rating": "C"}, ["乙"]),
        ({"safety_rating": "B,C", "safety_at_least": "B"}, ["乙"]),
        ({"output_per_mu_min": "100"}, ["乙", "甲"]),  # 乙 at exactly 100 passes
        ({"output_per_mu_min": "100.01"}, ["甲"]),
        ({"tax_per_mu_min": "5"}, ["乙", "甲"]),
        ({"tax_per_mu_min": "6"}, ["甲"]),
        ({"investment_intensity_min": "50"}, ["乙", "甲"]),  # 丙's deleted project is ignored
        ({"investment_intensity_min": "300.5"}, []),
        ({"output_per_mu_min": "0"}, ["乙", "甲"]),  # without land, no figure per mu
        ({"district": "420302", "safety_at_least": "A", "tax_per_mu_min": "30"}, ["甲"]),
        ({"district": "", "segment": "", "tax_per_mu_min": ""}, ["丙", "乙", "甲"]),
    ],
)
def test_filters_on_the_hand_built_set(client, headers, firms, query, expected):
    assert names(client, headers, **query) == expected


def test_a_park_filter_and_repeated_grades(client, headers, firms, session):
    park = session.scalar(select(Park))
    assert names(client, headers, park=str(park.id)) == ["甲"]
    response = client.get(API + "?safety_rating=A&safety_rating=B", headers=headers)
    assert sorted(f["properties"]["n"] for f in response.get_json()["features"]) == ["乙", "甲"]


def test_grades_at_least_count_from_the_best():
    assert grades_at_least("A") == ["A"]
    assert grades_at_least("C") == ["A", "B", "C"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"safety_rating": "A,E"}, "safety_rating"),
        ({"environment_at_least": "Z"}, "environment_at_least"),
        ({"output_per_mu_min": "-1"}, "output_per_mu_min"),
        ({"tax_per_mu_min": "lots"}, "tax_per_mu_min"),
        ({"investment_intensity_min": "1e999"}, "investment_intensity_min"),
        ({"park": "first"}, "park"),
        ({"is_local": "perhaps"}, "is_local"),
        ({"district": "999999"}, "district"),
        ({"segment": "NOPE"}, "segment"),
    ],
)
def test_a_bad_filter_value_is_a_clear_422_never_a_500(client, headers, firms, query, field):
    response = client.get(API, query_string=query, headers=headers)
    assert response.status_code == 422, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == "invalid"
    assert list(error["fields"]) == [field]
    assert error["fields"][field][0]


def test_gzip_when_the_client_accepts_it(client, headers, firms, session):
    for index in range(30):  # enough points to be worth compressing
        create_enterprise(
            session, {"name": f"压缩测试{index}", "location": {"lon": 110.7, "lat": 32.6}}, None
        )
    session.commit()
    plain = client.get(API, headers=headers)
    assert "Content-Encoding" not in plain.headers
    packed = client.get(API, headers=headers | {"Accept-Encoding": "gzip, deflate"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    body = gzip.decompress(packed.get_data())
    assert json.loads(body) == plain.get_json()
    assert len(packed.get_data()) < len(body) / 3
    refused = client.get(API, headers=headers | {"Accept-Encoding": "gzip;q=0"})
    assert "Content-Encoding" not in refused.headers


def test_rights_are_the_enterprise_lists(client, make_user, bearer, firms):
    assert client.get(API).status_code == 401
    ambassador = client.get(API, headers=bearer(make_user("ambassador")))
    assert ambassador.status_code == 403
    assert ambassador.get_json()["error"]["code"] == "forbidden"
    assert client.get(API, headers=bearer(make_user("official"))).status_code == 200
    # A district's staff read the whole shared registry, as on the list.
    assert client.get(API, headers=bearer(make_user("staff", unit=None))).status_code == 200


def test_the_map_of_a_second_city_comes_from_its_boundary_file_alone(app, client, headers):
    before = app.config["MAP_BOUNDARIES"]
    app.config["MAP_BOUNDARIES"] = str(FIXTURES / "tiny-city.geojson")
    try:
        data = client.get("/api/v1/map/districts.geojson", headers=headers).get_json()
        with app.app_context():
            from geo.city import current_city

            city = current_city()
            assert [d.code for d in city.districts] == ["990101", "990102"]
            assert [z.code for z in city.zones] == ["XC-Z1"]
            assert city.bounds == (100.0, 30.0, 101.0, 30.5)
    finally:
        app.config["MAP_BOUNDARIES"] = before
    assert [f["properties"]["name"] for f in data["features"]] == ["东区", "西区", "小城新区"]
    shiyan = client.get("/api/v1/map/districts.geojson", headers=headers).get_json()
    assert len(shiyan["features"]) == 10
