"""The staff inbox of new referrals: accepting one into a lead (source 大使推荐), linking the
enterprise's open lead instead of a second one, declining with a reason the ambassador reads."""

import pytest
from sqlalchemy import func, select

from crm.models import Enterprise, Lead, Referral
from crm.services import leads, referrals
from crm.services.enterprises import create_enterprise
from crm.services.errors import Forbidden, ValidationError
from tests.support import PASSWORD, csrf_token

VALID_USCC = "91110108551385082Q"
HOSTILE = "<script>alert(1)</script>汉江精工"
DESCRIPTION = "对方下月来十堰考察"


@pytest.fixture
def ctx(app):
    """Services called directly read the city's date and write messages in a language. Not for
    tests where two users make requests: the requests would share this context's `g`."""
    with app.test_request_context():
        yield


@pytest.fixture
def ambassador(make_user):
    return make_user("ambassador", "wang.dashi", display_name="王大使")


@pytest.fixture
def refer(app, session):
    def make(user, name="十堰汉江精工有限公司", **values) -> Referral:
        with app.test_request_context():
            data = {"enterprise_name": name} | values
            referral = referrals.create_referral(session, data, user)
            session.commit()
        return referral

    return make


def handle(client, referral, action, **data):
    page = client.get("/ambassadors/inbox")
    assert page.status_code == 200
    return client.post(
        f"/ambassadors/inbox/{referral.id}/{action}",
        data={"csrf_token": csrf_token(page.text)} | data,
        follow_redirects=True,
    )


def portal_of(app, user):
    """The user's view in another browser."""
    other = app.test_client()
    page = other.get("/login")
    data = {"name": user.name, "password": PASSWORD, "csrf_token": csrf_token(page.text)}
    assert other.post("/login", data=data).status_code == 302
    return other


def lead_count(session) -> int:
    return session.scalar(select(func.count()).select_from(Lead))


def test_staff_accept_a_referral_into_a_new_lead_and_the_ambassador_sees_it_accepted(
    app, client, login, make_user, ambassador, session, refer
):
    referral = refer(
        ambassador,
        "深圳某新能源科技有限公司",
        enterprise_uscc=VALID_USCC,
        contact_name="李总",
        contact_phone="13812345678",
        estimated_investment_wan="50000",
        intended_project="动力电池电芯生产线",
        how_known="商会同事",
        description=DESCRIPTION,
    )
    staff = make_user("staff")
    login(staff)
    listing = client.get("/ambassadors").text
    assert 'data-testid="inbox-count">1<' in listing
    inbox = client.get("/ambassadors/inbox").text
    assert "深圳某新能源科技有限公司" in inbox and VALID_USCC in inbox
    assert "13812345678" in inbox and "王大使" in inbox and "商会同事" in inbox
    answer = handle(client, referral, "accept")
    assert answer.status_code == 200
    assert "已受理，并建立线索" in answer.text
    assert 'data-testid="inbox-referral"' not in answer.text
    lead = session.scalars(select(Lead)).one()
    assert lead.source == "ambassador"
    assert lead.name == "深圳某新能源科技有限公司 动力电池电芯生产线"
    assert lead.basis == f"意向项目：动力电池电芯生产线\n大使如何认识对方：商会同事\n{DESCRIPTION}"
    assert lead.owner_id == staff.id
    assert lead.enterprise.uscc == VALID_USCC
    assert lead.enterprise.name == "深圳某新能源科技有限公司"
    referral = session.get(Referral, referral.id, populate_existing=True)
    assert referral.status == "accepted" and referral.lead_id == lead.id
    assert [one.id for one in lead.referrals] == [referral.id]
    assert client.get(f"/leads/{lead.id}").text.count(f"#{referral.id}") >= 1

    mine = portal_of(app, ambassador).get(f"/portal/referrals/{referral.id}").text
    assert "已受理" in mine


def test_accepting_links_the_enterprises_open_lead_instead_of_a_second_one(
    make_user, ambassador, session, refer, ctx
):
    staff = make_user("staff")
    enterprise = create_enterprise(session, {"name": "十堰汉江精工有限公司"}, None)
    lead = leads.create_lead(
        session,
        {"name": "汉江精工扩产", "source": "exhibition", "enterprise": enterprise.id},
        staff,
    )
    session.commit()
    # The same enterprise by its normalised name: full-width brackets and a space.
    referral = refer(ambassador, "十堰汉江精工 有限公司")
    accepted = referrals.accept_referral(session, referral, staff)
    session.commit()
    assert accepted.lead.id == lead.id and not accepted.created
    assert lead_count(session) == 1
    assert referral.lead_id == lead.id and referral.status == "accepted"
    assert lead.source == "exhibition"


def test_a_second_referral_of_an_enterprise_makes_no_second_lead_but_a_co_referral(
    client, login, make_user, ambassador, session, refer
):
    second = make_user("ambassador", "li.dashi")
    first_referral = refer(ambassador, "深圳某新能源科技有限公司", enterprise_uscc=VALID_USCC)
    later = refer(second, "深圳某新能源", enterprise_uscc=VALID_USCC)
    login(make_user("staff"))
    handle(client, first_referral, "accept")
    inbox = client.get("/ambassadors/inbox").text
    assert "重复推荐" in inbox and "作为共同推荐受理" in inbox
    answer = handle(client, later, "accept")
    assert "已作为共同推荐受理" in answer.text
    assert lead_count(session) == 1
    later = session.get(Referral, later.id, populate_existing=True)
    first_referral = session.get(Referral, first_referral.id, populate_existing=True)
    assert later.status == "accepted" and later.lead_id == first_referral.lead_id
    # The first referral keeps the whole credit until a split is recorded.
    assert (first_referral.credit_share, later.credit_share) == (1, 0)
    # The enterprise is found by its credit code: one enterprise, not a second.
    assert session.scalar(select(func.count()).select_from(Enterprise)) == 1


def test_declining_needs_a_reason_which_the_ambassador_reads_as_text(
    app, client, login, make_user, ambassador, session, refer
):
    referral = refer(ambassador)
    login(make_user("staff"))
    refused = handle(client, referral, "decline", rejected_reason="  ")
    assert "请填写不予受理的原因" in refused.text
    referral = session.get(Referral, referral.id, populate_existing=True)
    assert referral.status == "submitted"
    answer = handle(client, referral, "decline", rejected_reason=HOSTILE)
    assert "已不予受理" in answer.text
    referral = session.get(Referral, referral.id, populate_existing=True)
    assert referral.status == "rejected" and referral.rejected_reason == HOSTILE
    assert lead_count(session) == 0
    again = handle(client, referral, "accept")
    assert "已经处理过" in again.text

    portal = portal_of(app, ambassador).get("/portal").text
    assert "未受理" in portal
    assert "&lt;script&gt;alert(1)&lt;/script&gt;汉江精工" in portal
    assert "<script>alert(1)" not in portal


def test_hostile_text_in_the_inbox_stays_text(client, login, make_user, ambassador, session, refer):
    refer(ambassador, HOSTILE, description=HOSTILE, contact_name=HOSTILE)
    login(make_user("staff"))
    inbox = client.get("/ambassadors/inbox").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;汉江精工" in inbox
    assert "<script>alert(1)" not in inbox


def test_officials_read_the_inbox_masked_and_cannot_handle(
    client, login, make_user, ambassador, session, refer, ctx
):
    referral = refer(ambassador, contact_phone="13812345678")
    official = make_user("official")
    login(official)
    inbox = client.get("/ambassadors/inbox")
    assert inbox.status_code == 200
    assert "138****5678" in inbox.text and "13812345678" not in inbox.text
    assert 'data-testid="accept-referral"' not in inbox.text
    token = csrf_token(inbox.text)
    for action in ("accept", "decline"):
        answer = client.post(
            f"/ambassadors/inbox/{referral.id}/{action}",
            data={"csrf_token": token, "rejected_reason": "不符合"},
        )
        assert answer.status_code == 403
    with pytest.raises(Forbidden):
        referrals.accept_referral(session, referral, official)
    referral = session.get(Referral, referral.id, populate_existing=True)
    assert referral.status == "submitted"


def test_ambassadors_cannot_open_or_handle_the_inbox(
    client, login, ambassador, session, refer, ctx
):
    referral = refer(ambassador)
    login(ambassador)
    assert client.get("/ambassadors/inbox").status_code == 403
    portal = client.get("/portal")
    answer = client.post(
        f"/ambassadors/inbox/{referral.id}/accept",
        data={"csrf_token": csrf_token(portal.text)},
    )
    assert answer.status_code == 403
    with pytest.raises(Forbidden):
        referrals.accept_referral(session, referral, ambassador)
    with pytest.raises(Forbidden):
        referrals.decline_referral(session, referral, "自己拒绝", ambassador)


def test_staff_without_a_unit_are_told_why_they_cannot_accept(
    client, login, make_user, ambassador, session, refer
):
    referral = refer(ambassador)
    login(make_user("staff", unit=None))
    answer = handle(client, referral, "accept")
    assert "未设所属单位" in answer.text
    assert lead_count(session) == 0
    assert session.scalar(select(func.count()).select_from(Enterprise)) == 0
    referral = session.get(Referral, referral.id, populate_existing=True)
    assert referral.status == "submitted"


def test_declining_checks_the_reason_in_the_service(make_user, ambassador, session, refer, ctx):
    referral = refer(ambassador)
    with pytest.raises(ValidationError) as error:
        referrals.decline_referral(session, referral, "", make_user("staff"))
    assert "rejected_reason" in error.value.fields


# ---- the API ----


def test_staff_tokens_accept_and_decline_over_the_api(
    client, bearer, make_user, ambassador, session, refer
):
    first = refer(ambassador, "深圳某新能源科技有限公司", enterprise_uscc=VALID_USCC)
    second = refer(ambassador, "襄阳某电机有限公司")
    staff = bearer(make_user("staff"))
    accepted = client.post(f"/api/v1/referrals/{first.id}/accept", json={}, headers=staff)
    assert accepted.status_code == 200, accepted.json
    assert accepted.json["status"] == "accepted"
    lead = session.scalars(select(Lead)).one()
    assert lead.source == "ambassador" and [one.id for one in lead.referrals] == [first.id]
    again = client.post(f"/api/v1/referrals/{first.id}/accept", json={}, headers=staff)
    assert again.status_code == 422

    url = f"/api/v1/referrals/{second.id}/decline"
    assert client.post(url, json={}, headers=staff).status_code == 422
    assert client.post(url, json={"reason": "x", "extra": 1}, headers=staff).status_code == 400
    assert client.post(url, data={"reason": "x"}, headers=staff).status_code == 415
    declined = client.post(url, json={"reason": "不在本市产业方向内"}, headers=staff)
    assert declined.status_code == 200
    assert declined.json["status"] == "rejected"
    assert declined.json["rejected_reason"] == "不在本市产业方向内"


def test_ambassador_and_official_tokens_cannot_accept(
    client, bearer, make_user, ambassador, session, refer
):
    mine = refer(ambassador)
    other = refer(make_user("ambassador", "li.dashi"))
    own = bearer(ambassador)
    assert (
        client.post(f"/api/v1/referrals/{mine.id}/accept", json={}, headers=own).status_code == 403
    )
    assert (
        client.post(f"/api/v1/referrals/{other.id}/accept", json={}, headers=own).status_code == 404
    )
    official = bearer(make_user("official"))
    for action, body in (("accept", {}), ("decline", {"reason": "不符合"})):
        answer = client.post(f"/api/v1/referrals/{mine.id}/{action}", json=body, headers=official)
        assert answer.status_code == 403
    assert lead_count(session) == 0


# ---- duplicates ----


def test_a_later_referral_of_the_same_enterprise_is_flagged_and_declined_as_known(
    app, client, login, make_user, ambassador, session, refer
):
    second = make_user("ambassador", "li.dashi", display_name="李大使")
    third = make_user("ambassador", "zhang.dashi", display_name="张大使")
    first = refer(ambassador, "深圳某新能源科技有限公司", enterprise_uscc=VALID_USCC)
    later = refer(second, "深圳某新能源科技有限公司（深圳）", enterprise_uscc=VALID_USCC)
    latest = refer(third, "深圳某新能源科技有限公司", enterprise_uscc=VALID_USCC)
    other = refer(second, "襄阳某电机有限公司")
    login(make_user("staff"))
    inbox = client.get("/ambassadors/inbox").text
    assert inbox.count('data-testid="inbox-known"') == 2
    assert inbox.count('data-testid="decline-known"') == 2
    assert "重复推荐：王大使" in inbox and "功劳归先推荐者" in inbox
    answer = handle(client, later, "decline", known="1")
    assert "已以“已知”不予受理" in answer.text
    later = session.get(Referral, later.id, populate_existing=True)
    assert later.status == "known" and later.lead_id is None
    portal = portal_of(app, second).get(f"/portal/referrals/{later.id}").text
    assert "已知" in portal and "该企业此前已有推荐或已在跟进中" in portal
    assert "王大使" not in portal and "wang.dashi" not in portal
    # Only a duplicate may be declined as known.
    refused = handle(client, other, "decline", known="1")
    assert "不能以“已知”为由不予受理" in refused.text
    assert session.get(Referral, other.id, populate_existing=True).status == "submitted"
    # Accepting a later one while the earlier waits: staff are told who keeps the credit.
    answer = handle(client, latest, "accept")
    assert "已受理" in answer.text and "注意：该企业此前已由王大使推荐" in answer.text
    # When the first is accepted after it, it joins the lead and takes the credit.
    handle(client, first, "accept")
    first = session.get(Referral, first.id, populate_existing=True)
    latest = session.get(Referral, latest.id, populate_existing=True)
    assert first.lead_id == latest.lead_id
    assert (first.credit_share, latest.credit_share) == (1, 0)


def test_a_referral_of_an_enterprise_with_an_active_lead_is_flagged(
    client, login, make_user, ambassador, session, refer, ctx
):
    staff = make_user("staff")
    enterprise = create_enterprise(session, {"name": "十堰汉江精工有限公司"}, None)
    leads.create_lead(
        session,
        {"name": "汉江精工扩产", "source": "exhibition", "enterprise": enterprise.id},
        staff,
    )
    session.commit()
    refer(ambassador, "十堰汉江精工 有限公司")
    refer(ambassador, "襄阳某电机有限公司")
    login(staff)
    inbox = client.get("/ambassadors/inbox").text
    assert inbox.count('data-testid="inbox-known"') == 1
    assert "该企业已有推进中的线索" in inbox and "汉江精工扩产" in inbox
