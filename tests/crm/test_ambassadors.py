"""The ambassadors' registry: appointing with a one-time invitation link, the rules of terms and
networks, revocation ending sessions and tokens, masking for officials, pages and the API."""

import re
from datetime import timedelta
from pathlib import Path

import pytest

from crm.clock import city_today
from crm.models import Chain, PasswordLink
from crm.services import ambassadors
from crm.services.errors import Forbidden, ValidationError
from crm.services.users import authenticate, create_token
from tests.support import PASSWORD, csrf_token

NEW_PASSWORD = "wudang mountains in the rain"
ROOT = Path(__file__).resolve().parents[2]


def appoint(session, actor, **values):
    data = {
        "name": "wang.dashi",
        "display_name": "王大使",
        "kind": "investment_ambassador",
        "phone": "13812345678",
        "email": "wang@example.com",
        "organisation": "深圳某汽车电子有限公司",
        "title": "董事长",
        "appointed_on": "2025-01-01",
        "term_ends_on": (city_today() + timedelta(days=400)).isoformat(),
        "regions": ["长三角"],
        "industries": ["新能源汽车"],
        "segments": ["M501"],
    } | values
    ambassador = ambassadors.create_ambassador(session, data, actor)
    session.commit()
    return ambassador


@pytest.fixture(autouse=True)
def ctx(app):
    """The services read the city's date and write messages in the request's language."""
    with app.test_request_context():
        yield


@pytest.fixture(autouse=True)
def chain(session):
    """The automotive chain loaded, as `load-chain` stores it: its [industries] are the words."""
    text = (ROOT / "data" / "chains" / "automotive.toml").read_text(encoding="utf-8")
    session.add(Chain(key="automotive", name="汽车", definition=text))
    session.commit()


@pytest.fixture
def staff(make_user):
    return make_user("staff")


# ---- the service's rules ----


def test_appointing_creates_the_account_and_a_one_time_link(session, staff, places):
    ambassador = appoint(session, staff)
    user = ambassador.user
    assert (user.role, user.display_name, ambassador.kind) == (
        "ambassador",
        "王大使",
        "investment_ambassador",
    )
    assert ambassador.regions == ["长三角"] and ambassador.segments == ["M501"]
    issued = ambassador.invitation
    link = session.query(PasswordLink).filter_by(user_id=user.id).one()
    assert issued.token not in link.token_hash and len(link.token_hash) == 64
    # No password yet: nothing a guess could match.
    assert authenticate(session, "wang.dashi", PASSWORD) is None


def test_term_end_before_appointment_is_refused(session, staff, places):
    with pytest.raises(ValidationError) as error:
        appoint(session, staff, appointed_on="2026-06-01", term_ends_on="2026-05-31")
    assert error.value.fields == {"term_ends_on": ["任期届满日期不能早于聘任日期"]}


def test_unknown_network_words_are_refused_naming_them(session, staff, places):
    with pytest.raises(ValidationError) as error:
        appoint(session, staff, regions=["火星"], industries=["炼金术"], segments=["Z999"])
    fields = error.value.fields
    assert fields["regions"][0].startswith("未知地区：火星；可选：长三角")
    assert (
        fields["industries"][0].startswith("未知行业：炼金术；可选：")
        and "新能源汽车" in (fields["industries"][0])
    )
    assert fields["segments"] == ["未知的产业链环节代码：Z999"]


def test_officials_cannot_appoint(session, make_user, places):
    with pytest.raises(Forbidden):
        appoint(session, make_user("official"))


def test_expiry_and_renewal_reminder_follow_the_term_end(session, staff, places):
    today = city_today()
    soon = appoint(session, staff, term_ends_on=(today + timedelta(days=60)).isoformat())
    later = appoint(
        session,
        staff,
        name="li.dashi",
        display_name="李大使",
        term_ends_on=(today + timedelta(days=61)).isoformat(),
    )
    ended = appoint(
        session,
        staff,
        name="zhao.dashi",
        display_name="赵大使",
        kind="honorary_citizen",
        term_ends_on=(today - timedelta(days=1)).isoformat(),
    )
    assert [ambassadors.shown_status(a) for a in (soon, later, ended)] == [
        "active",
        "active",
        "expired",
    ]
    assert [ambassadors.term_ends_soon(a) for a in (soon, later, ended)] == [True, False, False]

    def listed(**filters):
        rows, _next = ambassadors.list_ambassadors(
            session, ambassadors.AMBASSADORS.filters(**filters), staff
        )
        return {row.id for row in rows}

    assert listed(expiring=True) == {soon.id}
    assert listed(status="expired") == {ended.id}
    assert listed(status="active") == {soon.id, later.id}
    assert listed(kind="honorary_citizen") == {ended.id}
    assert listed(q="深圳某汽车") == {soon.id, later.id, ended.id}
    assert listed(q="李大") == {later.id}


def test_revoking_ends_sessions_tokens_and_links_and_needs_a_reason(
    session, staff, places, client, login
):
    ambassador = appoint(session, staff)
    with pytest.raises(ValidationError) as error:
        ambassadors.revoke_ambassador(session, ambassador, "", staff)
    assert error.value.fields == {"revocation_reason": ["撤销须写明原因"]}
    session.rollback()

    # The ambassador sets a password, logs in and has a token.
    page = client.get(f"/password/{ambassador.invitation.token}")
    client.post(
        f"/password/{ambassador.invitation.token}",
        data={
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
            "csrf_token": csrf_token(page.text),
        },
    )
    login("wang.dashi", NEW_PASSWORD)
    assert client.get("/portal").status_code == 200
    token = create_token(session, ambassador.user)
    session.commit()

    ambassadors.revoke_ambassador(session, ambassador, "任期内违反聘任约定", staff)
    session.commit()
    assert ambassadors.shown_status(ambassador) == "revoked"
    assert client.get("/portal").status_code == 302  # the session ended at once
    answer = client.get("/api/v1/enterprises", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401
    assert authenticate(session, "wang.dashi", NEW_PASSWORD) is None

    # Reinstated: active again, but only a new link lets them in.
    issued = ambassadors.reinstate_ambassador(session, ambassador, staff)
    session.commit()
    assert ambassadors.shown_status(ambassador) == "active"
    assert ambassador.revocation_reason is None
    assert authenticate(session, "wang.dashi", NEW_PASSWORD) is None
    assert client.get(f"/password/{issued.token}").status_code == 200


# ---- pages ----


def test_staff_appoint_on_the_page_and_see_the_link_once(client, login, staff, places, session):
    login(staff)
    form = client.get("/ambassadors/new")
    assert form.status_code == 200
    assert "新能源汽车" in form.text and "长三角" in form.text and "M501" in form.text
    data = {
        "csrf_token": csrf_token(form.text),
        "name": "qian.dashi",
        "display_name": "钱大使",
        "kind": "talent_ambassador",
        "phone": "13900001111",
        "appointed_on": "2026-01-01",
        "term_ends_on": "2025-12-31",
        "regions": ["京津冀", "火星"],
    }
    refused = client.post("/ambassadors/new", data=data)
    assert refused.status_code == 422
    assert "任期届满日期不能早于聘任日期" in refused.text and "未知地区：火星" in refused.text

    data |= {"term_ends_on": "2028-12-31", "regions": ["京津冀"], "industries": ["氢能"]}
    created = client.post("/ambassadors/new", data=data)
    assert created.status_code == 201
    link = re.search(r'value="(http[^"]+/password/[^"]+)"', created.text).group(1)
    token = link.rsplit("/", 1)[1]
    assert "只显示这一次" in created.text

    listing = client.get("/ambassadors?kind=talent_ambassador")
    assert "钱大使" in listing.text and "招才大使" in listing.text
    detail_id = re.search(r"/ambassadors/(\d+)", listing.text).group(1)
    detail = client.get(f"/ambassadors/{detail_id}")
    assert "13900001111" in detail.text and "京津冀" in detail.text and "氢能" in detail.text
    assert token not in detail.text

    # The link works once; used, it answers with a clear page.
    client.post("/logout", data={"csrf_token": csrf_token(detail.text)})
    page = client.get(f"/password/{token}")
    client.post(
        f"/password/{token}",
        data={
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
            "csrf_token": csrf_token(page.text),
        },
    )
    again = client.get(f"/password/{token}")
    assert again.status_code == 410 and "此链接已使用过" in again.text


def test_officials_read_with_contact_data_masked(client, login, make_user, staff, places, session):
    ambassador = appoint(session, staff)
    login(make_user("official"))
    listing = client.get("/ambassadors")
    assert "王大使" in listing.text and "138****5678" in listing.text
    assert "13812345678" not in listing.text and "聘任大使" not in listing.text
    detail = client.get(f"/ambassadors/{ambassador.id}")
    assert "138****5678" in detail.text and "w***@example.com" in detail.text
    assert "13812345678" not in detail.text and "wang@example.com" not in detail.text
    assert 'data-testid="revoke"' not in detail.text
    assert client.get(f"/ambassadors/{ambassador.id}/edit").status_code == 403


def test_hostile_names_are_shown_as_text(client, login, staff, places, session):
    hostile = "<script>alert(1)</script>"
    ambassador = appoint(session, staff, display_name=hostile, organisation=f"{hostile}公司")
    login(staff)
    for path in ("/ambassadors", f"/ambassadors/{ambassador.id}"):
        text = client.get(path).text
        assert hostile not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_staff_edit_revoke_and_reinstate_on_the_pages(client, login, staff, places, session):
    ambassador = appoint(session, staff)
    login(staff)
    form = client.get(f"/ambassadors/{ambassador.id}/edit")
    assert "王大使" in form.text
    data = {
        "csrf_token": csrf_token(form.text),
        "version": str(ambassador.version),
        "display_name": "王大使",
        "kind": "honorary_citizen",
        "organisation": "新单位",
        "regions": ["成渝"],
        "segments": ["M502"],
    }
    saved = client.post(f"/ambassadors/{ambassador.id}/edit", data=data)
    assert saved.status_code == 302
    detail = client.get(f"/ambassadors/{ambassador.id}")
    assert "荣誉市民" in detail.text and "成渝" in detail.text and "M502" in detail.text

    token = csrf_token(detail.text)
    no_reason = client.post(f"/ambassadors/{ambassador.id}/revoke", data={"csrf_token": token})
    assert no_reason.status_code == 422 and "撤销须写明原因" in no_reason.text
    revoked = client.post(
        f"/ambassadors/{ambassador.id}/revoke",
        data={"csrf_token": token, "revocation_reason": "本人请辞"},
        follow_redirects=True,
    )
    assert "已撤销" in revoked.text and "本人请辞" in revoked.text
    assert "已撤销" in client.get("/ambassadors?status=revoked").text
    reinstated = client.post(f"/ambassadors/{ambassador.id}/reinstate", data={"csrf_token": token})
    assert reinstated.status_code == 201 and "/password/" in reinstated.text


# ---- the API ----


def test_the_api_appoints_lists_and_revokes_with_version(client, bearer, staff, places):
    headers = bearer(staff)
    created = client.post(
        "/api/v1/ambassadors",
        json={
            "name": "sun.dashi",
            "display_name": "孙大使",
            "kind": "investment_ambassador",
            "phone": "13700002222",
            "appointed_on": "2026-01-01",
            "term_ends_on": city_today().isoformat(),
            "industries": ["智能网联"],
        },
        headers=headers,
    )
    assert created.status_code == 201, created.get_json()
    record = created.get_json()
    assert "/password/" in record["invitation_link"] and record["invitation_expires_at"]
    assert (record["status"], record["term_ends_soon"], record["phone"]) == (
        "active",
        True,
        "13700002222",
    )
    url = f"/api/v1/ambassadors/{record['id']}"
    assert client.get(url, headers=headers).get_json()["invitation_link"] is None

    items = client.get("/api/v1/ambassadors?expiring=true", headers=headers).get_json()["items"]
    assert [item["display_name"] for item in items] == ["孙大使"]

    bad = client.patch(
        url, json={"version": record["version"], "status": "revoked"}, headers=headers
    )
    assert bad.status_code == 422
    assert bad.get_json()["error"]["fields"] == {"revocation_reason": ["撤销须写明原因"]}
    bad = client.patch(
        url, json={"version": record["version"], "term_ends_on": "2025-01-01"}, headers=headers
    )
    assert bad.get_json()["error"]["fields"] == {"term_ends_on": ["任期届满日期不能早于聘任日期"]}
    revoked = client.patch(
        url,
        json={"version": record["version"], "status": "revoked", "revocation_reason": "期满不续"},
        headers=headers,
    )
    assert revoked.status_code == 200
    assert revoked.get_json()["status"] == "revoked"
    stale = client.patch(url, json={"version": record["version"], "title": "x"}, headers=headers)
    assert stale.status_code == 409
    assert client.delete(url, headers=headers).status_code == 405
    refused = client.post(f"{url}/invitation", headers=headers)
    assert refused.status_code == 422


def test_the_api_masks_for_officials_and_refuses_ambassadors(
    client, bearer, make_user, staff, places, session
):
    ambassador = appoint(session, staff)
    official = bearer(make_user("official"))
    record = client.get(f"/api/v1/ambassadors/{ambassador.id}", headers=official).get_json()
    assert (record["phone"], record["email"]) == ("138****5678", "w***@example.com")
    item = client.get("/api/v1/ambassadors", headers=official).get_json()["items"][0]
    assert item["phone"] == "138****5678"
    assert client.post("/api/v1/ambassadors", json={}, headers=official).status_code == 403

    own = bearer(make_user("ambassador"))
    assert client.get("/api/v1/ambassadors", headers=own).status_code == 403
    assert client.get(f"/api/v1/ambassadors/{ambassador.id}", headers=own).status_code == 404
    patch = {"version": ambassador.version, "title": "x"}
    answer = client.patch(f"/api/v1/ambassadors/{ambassador.id}", json=patch, headers=own)
    assert answer.status_code == 404


def test_a_revoked_ambassador_is_not_reactivated_from_the_users_page(session, make_user):
    from crm.services.ambassadors import revoke_ambassador
    from crm.services.users import UserError, update_user

    admin, staff, envoy = make_user("admin"), make_user("staff"), make_user("ambassador")
    revoke_ambassador(session, envoy.ambassador, "任期内违反大使守则", staff)
    session.commit()
    with pytest.raises(UserError, match="在大使页面恢复"):
        update_user(session, envoy, {"active": True}, envoy.version, admin)
