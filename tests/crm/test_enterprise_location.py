"""Locations given in 高德 (GCJ-02) or Baidu (BD-09) coordinates, through the API, the form and
an imported sheet, are stored as WGS-84 with the system they came in; the stored figures are
never converted twice."""

import pytest
from sqlalchemy import select

from crm.coordinates import bd09_to_wgs84, gcj02_to_wgs84
from crm.models import Enterprise
from crm.services.enterprise_import import import_enterprises, map_columns
from crm.spreadsheets import read_table
from tests.support import csrf_token

API = "/api/v1/enterprises"
# The city government of Shiyan as a 高德 picker gives it.
GCJ = (110.79852, 32.62930)


@pytest.fixture
def staff(make_user, bearer):
    return bearer(make_user("staff"))


def test_the_api_converts_and_records_the_system(client, staff, session):
    body = {"name": "十堰高德坐标有限公司", "location": {"lon": GCJ[0], "lat": GCJ[1],
                                                  "system": "gcj02"}}  # fmt: skip
    created = client.post(API, json=body, headers=staff)
    assert created.status_code == 201, created.get_json()
    record = created.get_json()
    lon, lat = gcj02_to_wgs84(*GCJ)
    assert record["location"] == {"lon": pytest.approx(lon), "lat": pytest.approx(lat)}
    assert record["location_source"] == "gcj02"
    # About 500 m west and 250 m north of the GCJ-02 figures, as GCJ-02 is near Shiyan.
    assert 0.004 < GCJ[0] - lon < 0.006 and 0.001 < lat - GCJ[1] < 0.004
    # Sending the record back as read (WGS-84, no system) changes nothing.
    again = client.patch(f"{API}/{record['id']}", json={"version": record["version"],
                                                         "location": record["location"]},
                         headers=staff)  # fmt: skip
    assert again.get_json()["location"] == record["location"]
    assert again.get_json()["location_source"] == "wgs84"
    wrong = client.post(API, json={"name": "十堰错误坐标系有限公司", "location": {
        "lon": 110.8, "lat": 32.6, "system": "mercator"}}, headers=staff)  # fmt: skip
    assert wrong.status_code == 422
    assert "坐标系" in wrong.get_json()["error"]["fields"]["location"][0]


def test_the_form_takes_a_baidu_point(client, login, make_user, session):
    login(make_user("staff"))
    token = csrf_token(client.get("/enterprises/new").text)
    answer = client.post("/enterprises/new", data={
        "csrf_token": token, "name": "十堰百度坐标有限公司", "is_local": "1",
        "lon": "110.80512", "lat": "32.63551", "coordinate_system": "bd09",
    })  # fmt: skip
    assert answer.status_code == 302, answer.text
    firm = session.scalar(select(Enterprise).where(Enterprise.name == "十堰百度坐标有限公司"))
    lon, lat = bd09_to_wgs84(110.80512, 32.63551)
    assert (firm.lon, firm.lat) == (pytest.approx(lon), pytest.approx(lat))
    assert firm.location_source == "bd09"
    # The edit form shows the stored WGS-84 figures with WGS-84 chosen, so saving it as it
    # stands does not move the point again.
    edit = client.get(f"/enterprises/{firm.id}/edit").text
    assert 'value="wgs84" selected' in edit or 'selected value="wgs84"' in edit


def test_a_sheet_names_its_system(app, session):
    header = "企业名称,经度,纬度,坐标系"
    rows = ["十堰表格高德有限公司,110.79852,32.62930,高德", "十堰表格默认有限公司,110.79852,32.62930,",
            "十堰表格错误有限公司,110.79852,32.62930,墨卡托"]  # fmt: skip
    data = ("\r\n".join([header, *rows]) + "\r\n").encode("utf-8")
    with app.app_context():
        table = read_table(data, "坐标.csv")
        refused = import_enterprises(session, table, map_columns(table), None)
        assert [(e.row, e.column) for e in refused.errors] == [(4, "经度")]
        assert "坐标系应为" in refused.errors[0].message
        data = data.replace("墨卡托".encode(), b"BD-09")
        table = read_table(data, "坐标.csv")
        outcome = import_enterprises(session, table, map_columns(table), None)
        assert not outcome.errors
        firms = {f.name: f for f in session.scalars(select(Enterprise))}
        assert firms["十堰表格高德有限公司"].location_source == "gcj02"
        assert firms["十堰表格高德有限公司"].lon == pytest.approx(gcj02_to_wgs84(*GCJ)[0])
        assert firms["十堰表格默认有限公司"].location_source == "wgs84"
        assert firms["十堰表格默认有限公司"].lon == pytest.approx(110.79852)
        assert firms["十堰表格错误有限公司"].location_source == "bd09"


def test_an_imported_location_without_a_district_gets_the_one_it_lies_in(app, session, places):
    header = "企业名称,区县,经度,纬度,坐标系"
    rows = ["十堰导入定位有限公司,,110.79852,32.62930,", "十堰导入指定有限公司,张湾区,110.79852,32.62930,",
            "十堰导入域外有限公司,,100.0,30.0,"]  # fmt: skip
    data = ("\r\n".join([header, *rows]) + "\r\n").encode("utf-8")
    with app.app_context():
        table = read_table(data, "定位.csv")
        outcome = import_enterprises(session, table, map_columns(table), None)
        assert not outcome.errors
        districts = {f.name: f.district.code if f.district else None
                     for f in session.scalars(select(Enterprise))}  # fmt: skip
    assert districts == {"十堰导入定位有限公司": "420302", "十堰导入指定有限公司": "420303",
                         "十堰导入域外有限公司": None}  # fmt: skip
