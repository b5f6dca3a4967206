"""Lead pages: the list, the board and its moves, my leads, the form and its errors, a lead's
page with its stage log and activities, and the enterprise page's timeline."""

import io
from datetime import timedelta

import openpyxl
import pytest

from crm.clock import city_today
from crm.models import Lead
from crm.services.enterprises import create_enterprise
from crm.services.leads import create_lead
from tests.support import csrf_token


@pytest.fixture
def today(app):
    with app.app_context():
        return city_today()


@pytest.fixture
def enterprise(session):
    record = create_enterprise(session, {"name": "十堰汉江精工有限公司"}, None)
    session.commit()
    return record


def make_lead(session, app, enterprise, owner, **fields) -> Lead:
    with app.test_request_context():
        lead = create_lead(
            session,
            {"name": "电驱动系统项目", "source": "online", "enterprise": enterprise.id} | fields,
            owner,
        )
        session.commit()  # inside: the context's end removes the session
    return lead


def test_list_search_filter_and_sort(client, login, make_user, session, app, enterprise, today):
    user = make_user("staff")
    make_lead(session, app, enterprise, user, name="电池项目", intended_investment_wan=100)
    make_lead(session, app, enterprise, user, name="电驱项目", stage="site_visit",
              next_step_on=today - timedelta(days=2), next_step="回访")  # fmt: skip
    login(user)
    page = client.get("/leads")
    assert page.status_code == 200
    assert "共 2 条线索" in page.text and "电池项目" in page.text
    assert "电池项目" not in client.get("/leads?stage=site_visit").text
    assert "电池项目" not in client.get("/leads?overdue=true").text
    assert "电驱项目" in client.get("/leads?q=电驱").text
    assert "电驱项目" not in client.get("/leads?q=电池").text
    assert client.get("/leads?sort=investment").status_code == 200
    wrong = client.get("/leads?stage=nope")
    assert wrong.status_code == 200 and "应为以下之一" in wrong.text


def test_board_and_moves(client, login, make_user, session, app, enterprise, today):
    staff = make_user("staff")
    lead = make_lead(session, app, enterprise, staff)
    login(staff)
    board = client.get("/leads/board")
    assert board.status_code == 200
    assert 'data-testid="column-signed"' in board.text and "电驱动系统项目" in board.text
    assert "lead-board.js" in board.text and "<script>" not in board.text
    token = csrf_token(board.text)

    moved = client.post(
        f"/leads/{lead.id}/move", data={"csrf_token": token, "version": 1, "stage": "negotiation"}
    )
    assert moved.status_code == 302
    assert session.get(Lead, lead.id).stage == "negotiation"

    refused = client.post(
        f"/leads/{lead.id}/move",
        data={
            "csrf_token": token,
            "version": 2,
            "stage": "signed",
            "signed_amount_wan": "100",
            "signed_on": today.isoformat(),
        },
    )
    assert refused.status_code == 403
    assert "签约须经核实" in refused.text
    assert session.get(Lead, lead.id).stage == "negotiation"


def test_signing_from_the_board_as_an_admin(
    client, login, make_user, session, app, enterprise, today
):
    lead = make_lead(session, app, enterprise, make_user("staff"), stage="negotiation")
    login(make_user("admin"))
    token = csrf_token(client.get("/leads/board").text)
    missing = client.post(
        f"/leads/{lead.id}/move", data={"csrf_token": token, "version": 1, "stage": "signed"}
    )
    assert missing.status_code == 422 and "签约金额" in missing.text
    signed = client.post(
        f"/leads/{lead.id}/move",
        data={
            "csrf_token": token,
            "version": 1,
            "stage": "signed",
            "signed_amount_wan": "2500",
            "signed_on": today.isoformat(),
        },
    )
    assert signed.status_code == 302
    lead = session.get(Lead, lead.id)
    assert lead.stage == "signed" and lead.signed_amount_wan == 2500


def test_my_leads(client, login, make_user, session, app, enterprise, today):
    user = make_user("staff")
    make_lead(
        session, app, enterprise, user, name="逾期线索", next_step_on=today - timedelta(days=1)
    )
    make_lead(
        session, app, enterprise, user, name="本周线索", next_step_on=today + timedelta(days=3)
    )
    make_lead(session, app, enterprise, make_user("staff"), name="别人的线索")
    login(user)
    page = client.get("/leads/mine")
    assert page.status_code == 200
    overdue = page.text.split('data-testid="mine-overdue"')[1].split("</section>")[0]
    due = page.text.split('data-testid="mine-due"')[1].split("</section>")[0]
    assert "逾期线索" in overdue and "本周线索" in due
    assert "别人的线索" not in page.text


def test_new_lead_with_a_new_enterprise_and_errors_at_the_field(
    client, login, make_user, session, enterprise
):
    login(make_user("staff"))
    form = client.get("/leads/new")
    assert form.status_code == 200
    token = csrf_token(form.text)
    empty = client.post(
        "/leads/new", data={"csrf_token": token, "stage": "clue", "status": "active"}
    )
    assert empty.status_code == 422
    assert 'data-field="name"' in empty.text and "不能为空" in empty.text
    assert "请选择企业，或填写新企业" in empty.text
    duplicate = client.post(
        "/leads/new",
        data={
            "csrf_token": token,
            "name": "扩产项目",
            "source": "online",
            "stage": "clue",
            "status": "active",
            "new_enterprise_name": "十堰汉江精工有限公司",
        },
    )
    assert duplicate.status_code == 422
    assert "已有同名企业" in duplicate.text and 'data-testid="holder-link"' in duplicate.text
    created = client.post(
        "/leads/new",
        data={
            "csrf_token": token,
            "name": "扩产项目",
            "source": "online",
            "stage": "clue",
            "status": "active",
            "new_enterprise_name": "武汉新材料有限公司",
        },
    )
    assert created.status_code == 302
    lead = session.get(Lead, int(created.headers["Location"].rsplit("/", 1)[1]))
    assert lead.enterprise.name == "武汉新材料有限公司"


def test_edit_conflict_and_lost(client, login, make_user, session, app, enterprise):
    user = make_user("staff")
    lead = make_lead(session, app, enterprise, user)
    login(user)
    page = client.get(f"/leads/{lead.id}/edit")
    assert page.status_code == 200
    token = csrf_token(page.text)
    base = {
        "csrf_token": token,
        "name": lead.name,
        "source": "online",
        "enterprise": enterprise.id,
        "stage": "clue",
        "owner": user.id,
        "owner_unit": user.unit_id,
    }
    lost = client.post(f"/leads/{lead.id}/edit", data=base | {"version": 1, "status": "lost"})
    assert lost.status_code == 422 and "标为流失须填写流失原因" in lost.text
    stale = client.post(
        f"/leads/{lead.id}/edit",
        data=base | {"version": 0, "status": "active", "next_step": "x", "original": "{}"},
    )
    assert stale.status_code == 409 and 'data-testid="conflict"' in stale.text
    saved = client.post(f"/leads/{lead.id}/edit", data=base | {"version": 1, "status": "on_hold"})
    assert saved.status_code == 302
    assert session.get(Lead, lead.id).status == "on_hold"


def test_detail_stage_log_activities_and_the_enterprise_timeline(
    client, login, make_user, session, app, enterprise, today
):
    user = make_user("staff")
    lead = make_lead(session, app, enterprise, user)
    login(user)
    page = client.get(f"/leads/{lead.id}")
    assert page.status_code == 200
    assert page.text.count('data-testid="stage-log-row"') == 1
    assert 'data-testid="convert"' not in page.text
    token = csrf_token(page.text)
    wrong = client.post(
        f"/leads/{lead.id}/activities",
        data={"csrf_token": token, "kind": "", "occurred_on": today.isoformat()},
    )
    assert wrong.status_code == 422
    added = client.post(
        f"/leads/{lead.id}/activities",
        data={
            "csrf_token": token,
            "kind": "visit",
            "occurred_on": today.isoformat(),
            "participants": "李招商、王总",
            "notes": "参观厂房",
            "follow_up": "寄送政策",
        },
    )
    assert added.status_code == 302
    page = client.get(f"/leads/{lead.id}")
    assert "参观厂房" in page.text and "寄送政策" in page.text
    enterprise_page = client.get(f"/enterprises/{enterprise.id}")
    assert "参观厂房" in enterprise_page.text and 'data-testid="timeline"' in enterprise_page.text


def test_a_lead_outside_ones_scope_is_not_found(
    client, login, make_user, make_unit, session, app, enterprise
):
    city = make_unit("市招商局", "city_bureau")
    lead = make_lead(
        session, app, enterprise, make_user("staff", unit=make_unit("茅箭区招商局", parent=city))
    )
    login(make_user("staff", unit=make_unit("张湾区招商局", parent=city)))
    assert client.get(f"/leads/{lead.id}").status_code == 404
    assert client.get(f"/leads/{lead.id}/edit").status_code == 404
    assert "电驱动系统项目" not in client.get("/leads").text


def test_export_is_the_list_in_the_users_scope_with_chinese_labels(
    client, login, make_user, make_unit, session, app, enterprise
):
    city = make_unit("市招商局", kind="city_bureau")
    maojian_bureau = make_unit("茅箭区招商局", parent=city)
    zhangwan_bureau = make_unit("张湾区招商局", parent=city)
    mine = make_user("staff", unit=maojian_bureau)
    other = make_user("staff", unit=zhangwan_bureau)
    make_lead(session, app, enterprise, mine, name="茅箭电池项目", stage="site_visit",
              intended_investment_wan=1500)  # fmt: skip
    make_lead(session, app, enterprise, mine, name="茅箭电驱项目")
    make_lead(session, app, enterprise, other, name="张湾项目")
    login(mine)
    assert 'data-testid="export"' in client.get("/leads").text
    response = client.get("/leads/export.xlsx?q=电池")
    data = response.data
    response.close()  # sent from a temporary file, which closing removes
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    assert rows[0][:6] == ("编号", "线索名称", "企业", "来源", "阶段", "状态")
    assert [row[1] for row in rows[1:]] == ["茅箭电池项目"]
    assert rows[1][3:6] == ("网络", "实地考察", "推进中")
    everything = client.get("/leads/export.xlsx")
    data = everything.data
    everything.close()
    names = {row[1] for row in openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows(
        min_row=2, values_only=True)}  # fmt: skip
    assert names == {"茅箭电池项目", "茅箭电驱项目"}  # not the other district's


def test_officials_may_not_export(client, login, make_user):
    login(make_user("official"))
    assert client.get("/leads/export.xlsx").status_code == 403


def test_an_official_with_the_verify_right_signs_a_lead(
    client, login, make_user, session, app, enterprise, today, bearer
):
    from crm.models import StageChange

    staff = make_user("staff")
    lead = make_lead(session, app, enterprise, staff, stage="negotiation")
    verifier = make_user("official", can_verify=True)
    login(make_user("official"))  # without the right: no form, and a post is refused
    page = client.get(f"/leads/{lead.id}")
    assert 'data-testid="sign"' not in page.text
    data = {"signed_amount_wan": "8000", "signed_on": today.isoformat(),
            "version": str(lead.version), "csrf_token": csrf_token(page.text)}  # fmt: skip
    assert client.post(f"/leads/{lead.id}/sign", data=data).status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(page.text)})

    login(verifier)
    page = client.get(f"/leads/{lead.id}")
    assert 'data-testid="sign"' in page.text
    missing = client.post(f"/leads/{lead.id}/sign", data=data | {"signed_amount_wan": "",
                                                                "csrf_token": csrf_token(page.text)})  # fmt: skip
    assert missing.status_code == 422
    done = client.post(f"/leads/{lead.id}/sign", data=data | {"csrf_token": csrf_token(page.text)})
    assert done.status_code == 302
    signed = session.get(Lead, lead.id)
    assert (signed.stage, str(signed.signed_amount_wan.normalize()), signed.signed_on) == (
        "signed", "8E+3", today)  # fmt: skip
    last = session.query(StageChange).filter_by(lead_id=lead.id).order_by(StageChange.id).all()[-1]
    assert (last.to_stage, last.changed_by_id) == ("signed", verifier.id)

    # Through the API, signing is all a verifier may change.
    other = make_lead(session, app, enterprise, staff, name="另一个项目")
    headers = bearer(verifier)
    body = {"signed_amount_wan": "500", "signed_on": today.isoformat(), "version": other.version}
    assert client.post(f"/api/v1/leads/{other.id}/sign", json=body | {"name": "改名"},
                       headers=headers).status_code == 403  # fmt: skip
    answer = client.post(f"/api/v1/leads/{other.id}/sign", json=body, headers=headers)
    assert answer.status_code == 200 and answer.json["stage"] == "signed"
    staff_headers = bearer(staff)
    third = make_lead(session, app, enterprise, staff, name="第三个项目")
    body["version"] = third.version
    refused = client.post(f"/api/v1/leads/{third.id}/sign", json=body, headers=staff_headers)
    assert refused.status_code == 403
