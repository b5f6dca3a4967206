"""/api/v1/map/projects.geojson and parks.geojson: where projects are drawn, their stage and pool
filters, the unit scope, and the parks as outlines or points."""

from decimal import Decimal

import pytest
from sqlalchemy import select

from crm.models import District, Park, Project

PROJECTS = "/api/v1/map/projects.geojson"
PARKS = "/api/v1/map/parks.geojson"


@pytest.fixture
def projects(session, firms, make_user, make_unit):
    """Projects of 甲 and 乙 (from the shared set), plus:
    at the park's point (no enterprise), with no location at all, deleted, and another unit's."""
    park = session.scalar(select(Park))
    park.lon, park.lat = 110.9, 32.65
    leader = make_user("official")
    other = make_unit("张湾区招商局")
    base = {"project_type": "new_build", "sector": "industry", "leader_id": leader.id}
    session.add_all(
        [
            Project(name="园区<新>项目", park_id=park.id, stage="under_construction",
                    total_investment_wan=Decimal(50000), **base),
            Project(name="无位置项目", total_investment_wan=Decimal(1), **base),
            Project(name="已删项目", enterprise_id=firms["甲"].id, total_investment_wan=Decimal(1),
                    deleted_at=firms["甲"].created_at, **base),
            Project(name="他单位项目", enterprise_id=firms["乙"].id, stage="in_production",
                    owner_unit_id=other.id, total_investment_wan=Decimal(2), **base),
        ]
    )  # fmt: skip
    session.commit()
    return park


def project_names(client, headers, **query) -> list[str]:
    response = client.get(PROJECTS, query_string=query, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    data = response.get_json()
    assert data["count"] == len(data["features"])
    return sorted(feature["properties"]["n"] for feature in data["features"])


def test_projects_are_drawn_at_their_enterprise_else_their_park(client, headers, projects):
    data = client.get(PROJECTS, headers=headers).get_json()
    by_name = {f["properties"]["n"]: f for f in data["features"]}
    assert set(by_name) == {"甲扩产项目", "乙扩产项目", "园区<新>项目", "他单位项目"}
    assert by_name["甲扩产项目"]["geometry"]["coordinates"] == [110.80123, 32.62988]
    park_project = by_name["园区<新>项目"]
    assert park_project["geometry"]["coordinates"] == [110.9, 32.65]
    assert park_project["properties"] == {
        "id": park_project["properties"]["id"],
        "n": "园区<新>项目",
        "st": "under_construction",
        "p": "construction",
        "i": 50000.0,
    }
    assert data["stages"]["in_production"] == "达产"
    assert data["pools"] == {"reserve": "储备库", "construction": "建设库", "in_effect": "达效库"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"stage": "planning"}, ["乙扩产项目", "甲扩产项目"]),
        ({"stage": "under_construction,in_production"}, ["他单位项目", "园区<新>项目"]),
        ({"pool": "in_effect"}, ["他单位项目"]),
        ({"pool": "reserve", "stage": "planning"}, ["乙扩产项目", "甲扩产项目"]),
        ({"pool": "construction", "stage": "planning"}, []),
        ({"stage": "", "pool": ""}, ["乙扩产项目", "他单位项目", "园区<新>项目", "甲扩产项目"]),
    ],
)
def test_stage_and_pool_filters(client, headers, projects, query, expected):
    assert project_names(client, headers, **query) == expected


def test_a_bad_stage_or_pool_is_a_422(client, headers, projects):
    for query, field in (({"stage": "dreaming"}, "stage"), ({"pool": "x"}, "pool")):
        response = client.get(PROJECTS, query_string=query, headers=headers)
        assert response.status_code == 422
        assert list(response.get_json()["error"]["fields"]) == [field]


def test_staff_see_only_their_units_projects(client, bearer, make_user, make_unit, projects):
    other = make_unit("张湾区招商局")
    assert project_names(client, bearer(make_user("staff", unit=other))) == ["他单位项目"]
    unit = make_unit("茅箭区招商局")
    assert project_names(client, bearer(make_user("staff", unit=unit))) == []
    assert client.get(PROJECTS).status_code == 401
    assert client.get(PROJECTS, headers=bearer(make_user("ambassador"))).status_code == 403


def test_parks_as_outline_else_point(client, headers, projects, session, places):
    outline = {
        "type": "Polygon",
        "coordinates": [[[110.8, 32.6], [110.81, 32.6], [110.81, 32.61], [110.8, 32.6]]],
    }
    district = projects.district_id
    session.add_all(
        [
            Park(name="有边界园区", district_id=district, boundary=outline),
            Park(name="无位置园区", district_id=district),
        ]
    )
    session.commit()
    data = client.get(PARKS, headers=headers).get_json()
    by_name = {f["properties"]["n"]: f for f in data["features"]}
    assert set(by_name) == {"有边界园区", "十堰经济开发区新能源产业园"}
    assert by_name["有边界园区"]["geometry"] == outline
    assert by_name["十堰经济开发区新能源产业园"]["geometry"] == {
        "type": "Point",
        "coordinates": [110.9, 32.65],
    }
    assert by_name["十堰经济开发区新能源产业园"]["properties"]["d"] == "茅箭区"
    assert client.get(PARKS).status_code == 401


def test_the_page_names_the_layers(client, login, make_user, places):
    login(make_user("staff"))
    html = client.get("/map").get_data(as_text=True)
    assert 'data-projects-url="/api/v1/map/projects.geojson"' in html
    assert 'data-parks-url="/api/v1/map/parks.geojson"' in html
    script = client.get("/map/shell.js").get_data(as_text=True)
    assert "var feature_group_projects" in script and "var feature_group_parks" in script


def test_the_district_and_park_filters_place_projects_too(client, headers, projects, session):
    park_project = session.scalar(select(Project).where(Project.name == "园区<新>项目"))
    park_project.district_id = projects.district_id
    session.commit()
    assert project_names(client, headers, park=str(projects.id)) == ["园区<新>项目"]
    district = session.get(District, projects.district_id)
    assert "园区<新>项目" in project_names(client, headers, district=district.code)
    assert project_names(client, headers, district="429999") == []
