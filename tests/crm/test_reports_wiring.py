"""The reports' shared wiring over crm.reports.REPORTS: the command line, the API (JSON and
.xlsx), the pages (index, a kind's page with its header, the weekly notes and issuing), and who
may ask for what."""

from datetime import date, timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook

from crm.services.users import create_user
from tests.crm.weekly_data import AS_OF, build_weekly_data
from tests.support import PASSWORD, csrf_token

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def data(session, places):
    return build_weekly_data(session)


def invoke(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


# ---- the command line ----


def test_cli_writes_the_workbook(app, session, data, tmp_path):
    out = tmp_path / "weekly.xlsx"
    result = invoke(
        app, "report", "weekly", "--as-of", AS_OF.isoformat(), "--scope", "district:420302",
        "--out", str(out),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "weekly" in result.output
    sheet = load_workbook(out).worksheets[0]
    assert sheet["B5"].value == "汽车零部件产业园"
    assert sheet["B6"].value == "合计" or sheet["A6"].value == "合计"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("report", "daily", "--out", "x.xlsx"), "no such report"),
        (("report", "weekly", "--as-of", "2026-13-01", "--out", "x.xlsx"), "as_of"),
        (("report", "weekly", "--as-of", "2999-01-01", "--out", "x.xlsx"), "as_of"),
        (("report", "weekly", "--scope", "district:999999", "--out", "x.xlsx"), "scope"),
        (("report", "weekly", "--scope", "galaxy", "--out", "x.xlsx"), "scope"),
        (("report", "weekly", "--user", "nobody", "--out", "x.xlsx"), "no such user"),
    ],
)
def test_cli_refuses_bad_input_plainly(app, session, data, tmp_path, args, message):
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_cli_as_a_user_keeps_their_scope(app, session, data, make_user, tmp_path):
    staff = make_user("staff", unit=data.maojian_unit)
    result = invoke(
        app, "report", "weekly", "--scope", "district:420303", "--user", staff.name,
        "--out", str(tmp_path / "x.xlsx"),
    )  # fmt: skip
    assert result.exit_code != 0
    assert "forbidden" in result.output


# ---- the API ----


def test_api_answers_json_and_the_workbook(client, session, data, make_user, bearer):
    headers = bearer(make_user("staff"))
    answer = client.get(f"/api/v1/reports/weekly?as_of={AS_OF}&scope=city", headers=headers)
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["kind"] == "weekly" and body["issued"] is False
    assert body["week_start"] == "2026-06-08"
    assert [row["name"] for row in body["rows"]] == ["汽车零部件产业园", "新能源电池项目"]
    assert body["rows"][0]["total_investment_wan"] == "50000"
    assert body["rows"][0]["schedule_pct"] == "-5.5"

    workbook = client.get(
        f"/api/v1/reports/weekly?as_of={AS_OF}&scope=district:420302&format=xlsx", headers=headers
    )
    assert workbook.status_code == 200
    assert workbook.mimetype == XLSX
    assert (
        workbook.headers["Content-Disposition"]
        == "attachment; filename=weekly-2026-06-10-district-"
        f"{data.maojian.id}.xlsx"
    )
    sheet = load_workbook(BytesIO(workbook.data)).worksheets[0]
    assert sheet["B5"].value == "汽车零部件产业园"

    kinds = client.get("/api/v1/reports", headers=headers).get_json()
    assert {"key": "weekly", "title": "周调度"} in kinds["items"]


def test_api_refuses_bad_input_and_outsiders(client, session, data, make_user, bearer):
    staff = bearer(make_user("staff"))
    for query, field in (
        ("as_of=2026-02-30", "as_of"),
        ("as_of=tomorrow", "as_of"),
        (f"as_of={date.today() + timedelta(days=400)}", "as_of"),
        ("scope=district:nowhere", "scope"),
    ):
        answer = client.get(f"/api/v1/reports/weekly?{query}", headers=staff)
        assert answer.status_code == 422, query
        assert field in answer.get_json()["error"]["fields"]
    assert client.get("/api/v1/reports/weekly?format=pdf", headers=staff).status_code == 422
    assert client.get("/api/v1/reports/daily", headers=staff).status_code == 404
    assert client.get("/api/v1/reports/weekly").status_code == 401

    ambassador = bearer(make_user("ambassador"))
    assert client.get("/api/v1/reports/weekly", headers=ambassador).status_code == 403
    assert client.get("/api/v1/reports", headers=ambassador).status_code == 403
    district = bearer(make_user("staff", unit=data.maojian_unit))
    mine = client.get("/api/v1/reports/weekly?scope=district:420302", headers=district)
    assert mine.status_code == 200
    other = client.get("/api/v1/reports/weekly?scope=district:420303", headers=district)
    assert other.status_code == 403
    assert other.get_json()["error"]["code"] == "forbidden"


def test_the_api_is_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    operation = paths["/reports/{key}"]["get"]
    assert {parameter["name"] for parameter in operation["parameters"]} == {
        "key", "as_of", "scope", "format",
    }  # fmt: skip
    assert XLSX in operation["responses"]["200"]["content"]
    assert "/reports" in paths


# ---- the pages ----


def test_index_lists_the_four_kinds_with_one_click_links(client, session, data, make_user, login):
    login(make_user("staff"))
    page = client.get("/reports")
    assert page.status_code == 200
    for key in ("weekly", "monthly", "quarterly", "annual"):
        assert f'data-testid="report-kind-{key}"' in page.text
    assert "本周" in page.text and "上周" in page.text
    assert "/reports/weekly?as_of=" in page.text
    assert "此功能尚未建成" not in page.text


def test_weekly_page_with_its_header(client, session, data, make_user, login):
    login(make_user("staff"))
    page = client.get(f"/reports/weekly?as_of={AS_OF}&scope=city")
    assert page.status_code == 200
    text = page.text
    assert "重点项目周调度表（2026-06-08 至 2026-06-14）" in text
    assert 'data-testid="report-header"' in text
    assert 'name="as_of" value="2026-06-10"' in text
    assert 'data-action="print"' in text and "css/reports.css" in text
    assert "format=xlsx" in text
    assert text.count('data-testid="sheet-row"') == 2
    assert "-5.5%" in text and "主体结构封顶" in text
    download = client.get(f"/reports/weekly?as_of={AS_OF}&scope=city&format=xlsx")
    assert download.mimetype == XLSX
    assert "weekly-2026-06-10-city.xlsx" in download.headers["Content-Disposition"]


@pytest.mark.parametrize("as_of", ["2026-02-30", "not-a-day", "2999-01-01"])
def test_bad_and_future_dates_get_a_message_not_an_error(
    client, session, data, make_user, login, as_of
):
    login(make_user("staff"))
    page = client.get(f"/reports/weekly?as_of={as_of}")
    assert page.status_code == 400
    assert 'data-testid="report-errors"' in page.text
    assert "截至日期" in page.text
    assert 'data-testid="report-header"' in page.text


def test_page_scopes_and_rights(client, session, data, make_user, login):
    staff = make_user("staff", unit=data.maojian_unit)
    login(staff)
    page = client.get("/reports/weekly?as_of=2026-06-10")  # opens on the staff's own unit
    assert page.status_code == 200
    assert f'value="unit:{data.maojian_unit.id}" selected' in page.text
    assert 'value="district:420303"' not in page.text  # the chooser offers only theirs
    assert 'value="city"' not in page.text
    assert client.get("/reports/weekly?scope=district:420303").status_code == 403
    assert client.get("/reports/daily").status_code == 404


def test_ambassadors_may_not_see_reports(client, session, make_user, login):
    login(make_user("ambassador"))
    assert client.get("/reports").status_code == 403
    assert client.get("/reports/weekly").status_code == 403


def test_notes_and_issuing_through_the_page(client, session, data, make_user, login):
    login(make_user("staff"))
    url = f"/reports/weekly?as_of={AS_OF}&scope=city"
    page = client.get(url)
    token = csrf_token(page.text)
    form = {"csrf_token": token, "as_of": AS_OF.isoformat(), "scope": "city"}
    hostile = '<script>alert("x")</script> 请协调'
    saved = client.post(
        "/reports/weekly/notes", data=form | {"project_id": data.big.id, "note": hostile}
    )
    assert saved.status_code == 302
    page = client.get(url)
    assert "&lt;script&gt;" in page.text and '<script>alert("x")' not in page.text
    # A second writer who saw no note is told, and loses nothing already saved.
    stale = client.post(
        "/reports/weekly/notes",
        data=form | {"project_id": data.big.id, "note": "另一人", "version": ""},
        follow_redirects=True,
    )
    assert "已被他人修改" in stale.text
    assert "&lt;script&gt;" in stale.text
    version = page.text.split('name="version" value="')[-1].split('"')[0]
    issued = client.post(
        "/reports/weekly/issue", data=form | {"version": version}, follow_redirects=True
    )
    assert "已印发" in issued.text
    assert 'data-testid="issued-mark"' in issued.text
    assert 'data-testid="issue"' not in issued.text and 'data-testid="note"' not in issued.text
    again = client.post(
        "/reports/weekly/issue", data=form | {"version": version}, follow_redirects=True
    )
    assert "请核对后再印发" in again.text or "已印发" in again.text


def test_officials_read_but_may_not_write_notes(client, session, data, login):
    create_user(session, "li.official", "official", PASSWORD)
    session.commit()
    login("li.official")
    page = client.get(f"/reports/weekly?as_of={AS_OF}")
    assert page.status_code == 200
    assert 'data-testid="note"' not in page.text
    answer = client.post(
        "/reports/weekly/notes",
        data={"csrf_token": csrf_token(page.text), "as_of": AS_OF.isoformat(), "scope": "city",
              "project_id": data.big.id, "note": "x"},
    )  # fmt: skip
    assert answer.status_code == 403
