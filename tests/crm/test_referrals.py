"""The ambassadors' own portal: referring investors (招商大使, 荣誉市民) and talent (招才大使),
"my referrals" with the progress derived from the linked lead and projects, each ambassador
seeing only their own on the pages and in the API."""

from datetime import timedelta
from decimal import Decimal

import pytest

from crm.clock import city_today
from crm.models import Lead, Referral, TalentReferral
from crm.services import ambassadors, referrals
from crm.services.errors import Forbidden
from crm.services.projects import create_project
from tests.support import csrf_token

VALID_USCC = "91110108551385082Q"
HOSTILE = "<script>alert(1)</script>汉江精工"


@pytest.fixture(autouse=True)
def ctx(app):
    """The services read the city's date and write messages in the request's language."""
    with app.test_request_context():
        yield


@pytest.fixture
def ambassador(make_user):
    return make_user("ambassador", "wang.dashi", display_name="王大使")


def submit(client, data: dict):
    page = client.get("/portal")
    return client.post("/portal/referrals", data={"csrf_token": csrf_token(page.text)} | data)


def refer(session, user, name="十堰汉江精工有限公司", **values) -> Referral:
    referral = referrals.create_referral(session, {"enterprise_name": name} | values, user)
    session.commit()
    return referral


# ---- referring an investor on the page ----


def test_an_ambassador_refers_an_investor_and_sees_it_submitted(
    client, login, ambassador, session, places
):
    login(ambassador)
    page = client.get("/portal")
    assert page.status_code == 200
    assert 'data-testid="referral-form"' in page.text and "M501" in page.text
    assert "尚未建成" not in page.text
    response = submit(
        client,
        {
            "enterprise_name": "深圳某新能源科技有限公司",
            "enterprise_uscc": VALID_USCC.lower(),
            "contact_name": "李总",
            "contact_phone": "13812345678",
            "intended_project": "动力电池电芯生产线",
            "estimated_investment_wan": "50000",
            "segment_code": "M501",
            "how_known": "商会同事",
            "description": "对方下月来十堰",
        },
    )
    assert response.status_code == 302
    referral = session.query(Referral).one()
    assert referral.ambassador_id == ambassador.ambassador.id
    assert referral.status == "submitted"
    assert referral.enterprise_uscc == VALID_USCC
    assert referral.estimated_investment_wan == Decimal(50000)
    assert referral.intended_project == "动力电池电芯生产线"
    assert referral.how_known == "商会同事"
    assert referral.segment_code == "M501"
    assert referral.description == "对方下月来十堰"
    mine = client.get("/portal").text
    assert "深圳某新能源科技有限公司" in mine and "已提交" in mine
    detail = client.get(f"/portal/referrals/{referral.id}")
    assert detail.status_code == 200 and "商会同事" in detail.text


def test_bad_values_are_named_at_the_field_and_hostile_text_shows_as_text(
    client, login, ambassador, session, places
):
    login(ambassador)
    response = submit(
        client,
        {
            "enterprise_name": HOSTILE,
            "enterprise_uscc": "91110108551385082A",
            "estimated_investment_wan": "-5",
            "segment_code": "X999",
        },
    )
    assert response.status_code == 422
    assert "校验码" in response.text or "信用代码" in response.text
    assert "不能为负数" in response.text
    assert "未知的产业链环节代码：X999" in response.text
    assert "<script>alert(1)</script>" not in response.text  # kept in the form, escaped
    assert "&lt;script&gt;" in response.text
    assert session.query(Referral).count() == 0

    response = submit(client, {"enterprise_name": HOSTILE})
    assert response.status_code == 302
    page = client.get("/portal").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;汉江精工" in page
    assert "<script>alert(1)</script>" not in page


def test_a_name_is_required(client, login, ambassador, session):
    login(ambassador)
    response = submit(client, {"enterprise_name": "  ", "contact_name": "李总"})
    assert response.status_code == 422
    assert "不能为空" in response.text
    assert session.query(Referral).count() == 0


def test_an_ambassador_whose_term_ended_cannot_submit(client, login, ambassador, session):
    profile = ambassador.ambassador
    profile.appointed_on = city_today() - timedelta(days=800)
    profile.term_ends_on = city_today() - timedelta(days=1)
    session.commit()
    login(ambassador)
    page = client.get("/portal")
    assert 'data-testid="referral-form"' not in page.text
    assert "任期已届满" in page.text
    response = submit(client, {"enterprise_name": "十堰汉江精工有限公司"})
    assert response.status_code == 403
    assert "任期已届满" in response.text
    assert session.query(Referral).count() == 0


def test_a_revoked_ambassador_cannot_submit(session, ambassador, make_user):
    ambassadors.revoke_ambassador(session, ambassador.ambassador, "违反聘任约定", make_user())
    session.commit()
    with pytest.raises(Forbidden, match="已被撤销"):
        referrals.create_referral(session, {"enterprise_name": "某公司"}, ambassador)


def test_staff_and_officials_do_not_submit(session, make_user):
    for user in (make_user("staff"), make_user("official")):
        with pytest.raises(Forbidden):
            referrals.create_referral(session, {"enterprise_name": "某公司"}, user)


# ---- talent ----


def test_talent_is_referred_by_talent_ambassadors_only(client, login, make_user, session, places):
    talent = make_user("ambassador", "zhao.dashi", ambassador_kind="talent_ambassador")
    login(talent)
    page = client.get("/portal")
    assert 'data-testid="talent-form"' in page.text
    assert 'data-testid="referral-form"' not in page.text
    response = client.post(
        "/portal/talent-referrals",
        data={
            "csrf_token": csrf_token(page.text),
            "person_name": "周博士",
            "field": "固态电池",
            "qualifications": "材料学博士，十年电芯研发",
            "wishes": "带团队落地中试线",
            "suggested_employer": "东风商用车",
        },
    )
    assert response.status_code == 302
    record = session.query(TalentReferral).one()
    assert (record.ambassador_id, record.status) == (talent.ambassador.id, "submitted")
    assert "周博士" in client.get("/portal").text
    # A talent ambassador refers no investors, on the page or otherwise.
    assert submit(client, {"enterprise_name": "某公司"}).status_code == 403
    with pytest.raises(Forbidden, match="招才大使请推荐人才"):
        referrals.create_referral(session, {"enterprise_name": "某公司"}, talent)

    for kind in ("investment_ambassador", "honorary_citizen"):
        other = make_user("ambassador", ambassador_kind=kind)
        with pytest.raises(Forbidden, match="招才大使"):
            referrals.create_talent_referral(
                session, {"person_name": "某人", "field": "汽车电子"}, other
            )


def test_a_talent_referral_names_a_known_park(session, make_user):
    talent = make_user("ambassador", ambassador_kind="talent_ambassador")
    with pytest.raises(Exception) as error:
        referrals.create_talent_referral(
            session, {"person_name": "某人", "field": "汽车电子", "suggested_park_id": 999}, talent
        )
    assert error.value.fields == {"suggested_park_id": ["未知园区：999"]}


# ---- isolation ----


def test_an_ambassador_never_sees_another_ones_referral(
    client, login, bearer, ambassador, make_user, session
):
    other = make_user("ambassador", "li.dashi")
    theirs = refer(session, other, "李大使推荐的企业", description="内部备注")
    mine = refer(session, ambassador, "王大使推荐的企业")
    login(ambassador)
    page = client.get("/portal").text
    assert "王大使推荐的企业" in page and "李大使推荐的企业" not in page
    assert client.get(f"/portal/referrals/{theirs.id}").status_code == 404

    headers = bearer(ambassador)
    assert client.get(f"/api/v1/referrals/{theirs.id}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/referrals/{mine.id}", headers=headers).status_code == 200
    listed = client.get("/api/v1/referrals", headers=headers).json["items"]
    assert [item["id"] for item in listed] == [mine.id]
    # Asking for another ambassador's list gives nothing of theirs.
    asked = client.get(
        "/api/v1/referrals", query_string={"ambassador": other.ambassador.id}, headers=headers
    )
    assert asked.json["items"] == []


# ---- the API ----


def test_the_api_creates_for_the_ambassador_and_staff_read_all(
    client, bearer, ambassador, make_user, session, places
):
    headers = bearer(ambassador)
    answer = client.post(
        "/api/v1/referrals",
        json={
            "enterprise_name": "十堰汉江精工有限公司",
            "enterprise_uscc": VALID_USCC,
            "estimated_investment_wan": "1200.5",
            "intended_project": "车桥",
            "how_known": "同乡",
            "segment_code": "M501",
        },
        headers=headers,
    )
    assert answer.status_code == 201, answer.json
    body = answer.json
    assert body["ambassador_id"] == ambassador.ambassador.id
    assert body["status"] == "submitted"
    assert body["estimated_investment_wan"] == "1200.5"
    assert (body["intended_project"], body["how_known"], body["segment_code"]) == (
        "车桥",
        "同乡",
        "M501",
    )
    # An ambassador's view names no lead and no share.
    assert body["lead_id"] is None and body["credit_share"] is None
    assert answer.headers["Location"] == f"/api/v1/referrals/{body['id']}"

    bad = client.post(
        "/api/v1/referrals",
        json={"enterprise_name": "某公司", "enterprise_uscc": "123", "status": "landed"},
        headers=headers,
    )
    assert bad.status_code == 400  # status is not the ambassador's to write
    bad = client.post(
        "/api/v1/referrals",
        json={"enterprise_name": "某公司", "enterprise_uscc": "123"},
        headers=headers,
    )
    assert bad.status_code == 422 and "enterprise_uscc" in bad.json["error"]["fields"]

    other = make_user("ambassador", "li.dashi")
    refer(session, other, "李大使推荐的企业")
    for reader in (make_user("staff"), make_user("official")):
        reading = bearer(reader)
        listed = client.get("/api/v1/referrals", headers=reading).json["items"]
        assert {item["enterprise_name"] for item in listed} == {
            "十堰汉江精工有限公司",
            "李大使推荐的企业",
        }
        assert client.get(f"/api/v1/referrals/{body['id']}", headers=reading).status_code == 200
        refused = client.post(
            "/api/v1/referrals", json={"enterprise_name": "某公司"}, headers=reading
        )
        assert refused.status_code == 403
    assert (
        client.patch(f"/api/v1/referrals/{body['id']}", json={}, headers=headers).status_code == 405
    )


def test_the_talent_api(client, bearer, make_user, session):
    talent = make_user("ambassador", "zhao.dashi", ambassador_kind="talent_ambassador")
    other = make_user("ambassador", "sun.dashi", ambassador_kind="talent_ambassador")
    theirs = referrals.create_talent_referral(
        session, {"person_name": "某人", "field": "汽车电子"}, other
    )
    session.commit()
    headers = bearer(talent)
    answer = client.post(
        "/api/v1/talent-referrals",
        json={"person_name": "周博士", "field": "固态电池", "wishes": "中试线"},
        headers=headers,
    )
    assert answer.status_code == 201, answer.json
    assert answer.json["status"] == "submitted"
    listed = client.get("/api/v1/talent-referrals", headers=headers).json["items"]
    assert [item["person_name"] for item in listed] == ["周博士"]
    path = f"/api/v1/talent-referrals/{theirs.id}"
    assert client.get(path, headers=headers).status_code == 404
    assert client.get(path, headers=bearer(make_user("staff"))).status_code == 200
    investor = make_user("ambassador", "qian.dashi")
    refused = client.post(
        "/api/v1/talent-referrals",
        json={"person_name": "某人", "field": "汽车电子"},
        headers=bearer(investor),
    )
    assert refused.status_code == 403


# ---- progress ----


def test_progress_follows_the_linked_lead_and_its_projects(session, ambassador, make_user):
    referral = refer(session, ambassador)

    def shown():
        session.expire_all()
        return referrals.progress_of(session, [referral])[referral.id]

    assert shown() == referrals.Progress("submitted")
    referral.status = "rejected"
    referral.rejected_reason = "项目不符合产业方向"
    session.commit()
    assert shown() == referrals.Progress("rejected")
    assert referrals.record_values(session, referral)["rejected_reason"] == "项目不符合产业方向"

    lead = Lead(name="汉江精工车桥项目", source="online", stage="clue", basis="内部：对方压价")
    session.add(lead)
    referral.status, referral.rejected_reason, referral.lead = "accepted", None, lead
    session.commit()
    assert shown() == referrals.Progress("accepted")
    lead.stage = "negotiation"
    session.commit()
    assert shown() == referrals.Progress("in_talks")
    lead.stage, lead.signed_amount_wan = "signed", Decimal(50000)
    session.commit()
    assert shown() == referrals.Progress("signed")

    leader = make_user("official")
    project = create_project(
        session,
        {"name": "车桥项目", "total_investment_wan": 50000, "leader_id": leader.id},
        None,
        lead=lead,
    )
    session.commit()
    assert project.lead_id == lead.id
    assert shown() == referrals.Progress("signed")  # planning: not landed yet
    project.stage = "newly_started"
    project.funds_in_place_wan = Decimal(1200)
    session.commit()
    assert shown() == referrals.Progress("landed", Decimal(1200))
    values = referrals.record_values(session, referral)
    assert values["status"] == "landed" and values["funds_in_place_wan"] == Decimal(1200)
    assert "内部" not in str(values)


def test_my_referrals_show_progress_in_words_newest_first(client, login, ambassador, session):
    first = refer(session, ambassador, "第一家公司")
    second = refer(session, ambassador, "第二家公司")
    second.submitted_at = first.submitted_at + timedelta(minutes=1)
    first.status, first.rejected_reason = "rejected", "已有其他渠道在接洽"
    session.commit()
    login(ambassador)
    page = client.get("/portal").text
    assert page.index("第二家公司") < page.index("第一家公司")
    assert "未受理" in page and "已有其他渠道在接洽" in page and "已提交" in page
