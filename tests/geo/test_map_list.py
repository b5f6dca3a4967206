"""The list under the map and its .xlsx export: the same set the map's filters pass."""

import io

import openpyxl
import pytest

from crm.services.enterprises import create_enterprise
from geo import listing

LIST = "/api/v1/map/enterprise-list"


def exported_names(client, **query) -> list[str]:
    response = client.get("/map/export.xlsx", query_string=query)
    data = response.data
    response.close()  # sent from a temporary file, which closing removes
    assert response.status_code == 200, data
    assert response.mimetype.endswith("spreadsheetml.sheet")
    rows = list(openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    name = rows[0].index("企业名称")
    return sorted(row[name] for row in rows[1:])


def test_the_list_holds_the_filtered_set_largest_output_first(client, headers, firms):
    body = client.get(LIST, headers=headers).get_json()
    assert body["count"] == 3 and body["more"] == 0
    assert [row["name"] for row in body["rows"]] == ["甲", "乙", "丙"]
    first = body["rows"][0]
    assert first == {
        "id": firms["甲"].id,
        "name": "甲",
        "district": "茅箭区",
        "segment": "M501 动力电池电芯",
        "output_wan": 5000.0,
        "output_per_mu": 500.0,
        "tax_per_mu": 30.0,
    }
    assert body["rows"][2]["output_per_mu"] is None  # 丙 has no land
    body = client.get(LIST, query_string={"tax_per_mu_min": "6"}, headers=headers).get_json()
    assert [row["name"] for row in body["rows"]] == ["甲"]


def test_the_list_is_capped_and_says_how_many_more(client, headers, firms, session, monkeypatch):
    monkeypatch.setattr(listing, "LIMIT", 2)
    body = client.get(LIST, headers=headers).get_json()
    assert body["count"] == 3 and body["more"] == 1
    assert [row["name"] for row in body["rows"]] == ["甲", "乙"]


def test_a_bad_filter_is_a_422_and_visitors_are_refused(client, headers, make_user, bearer):
    response = client.get(LIST, query_string={"tax_per_mu_min": "-1"}, headers=headers)
    assert response.status_code == 422
    assert client.get(LIST).status_code == 401
    assert client.get(LIST, headers=bearer(make_user("ambassador"))).status_code == 403


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["丙", "乙", "甲"]),  # 丁 has no location, 戊 is deleted: neither is on the map
        ({"district": "420302"}, ["丙", "甲"]),
        ({"tax_per_mu_min": "6"}, ["甲"]),
        ({"safety_at_least": "B", "output_per_mu_min": "100"}, ["乙", "甲"]),
        ({"investment_intensity_min": "300.5"}, []),
    ],
)
def test_the_export_holds_exactly_the_filtered_set(
    client, login, make_user, firms, headers, query, expected
):
    login(make_user("staff"))
    on_map = client.get("/api/v1/map/enterprises.geojson", query_string=query, headers=headers)
    assert sorted(f["properties"]["n"] for f in on_map.get_json()["features"]) == expected
    assert exported_names(client, **query) == expected


def test_the_export_refuses_a_bad_filter(client, login, make_user, firms):
    login(make_user("staff"))
    response = client.get("/map/export.xlsx", query_string={"district": "999999"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/map")


def test_officials_see_the_list_but_do_not_export(client, login, make_user, firms):
    login(make_user("official"))
    assert client.get("/map/export.xlsx").status_code == 403
    assert 'data-testid="map-export"' not in client.get("/map").get_data(as_text=True)


def test_the_page_offers_the_list_and_the_export(client, login, make_user, firms, session):
    create_enterprise(
        session, {"name": "<b>粗体</b>", "location": {"lon": 110.7, "lat": 32.6}}, None
    )
    session.commit()
    login(make_user("staff"))
    html = client.get("/map").get_data(as_text=True)
    assert 'data-testid="map-list"' in html
    assert 'data-list-url="/api/v1/map/enterprise-list"' in html
    assert 'href="/map/export.xlsx"' in html
    assert "<b>粗体</b>" not in html  # rows are drawn by the page's script, as text
