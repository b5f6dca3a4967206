"""Co-referrers and split credit, 已知 (known), the honest end of a lost lead, the referral's
own details, the submission limit and the portal's field checks, and a referral's whole life
through lead and project as its ambassador sees it."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, func, select

from crm.clock import city_today
from crm.extensions import db
from crm.models import Lead, Referral
from crm.services import leads, referrals
from crm.services.errors import Forbidden, ValidationError
from crm.services.projects import FUNDS_KIND, create_item, create_project, update_project
from tests.support import PASSWORD, csrf_token

VALID_USCC = "91110108551385082Q"
HOSTILE = "<script>alert(1)</script>\"'汉江精工"


@pytest.fixture
def ambassador(make_user):
    return make_user("ambassador", "wang.dashi", display_name="王大使")


@pytest.fixture
def refer(app, session):
    def make(user, name="深圳某新能源科技有限公司", **values) -> Referral:
        with app.test_request_context():
            referral = referrals.create_referral(session, {"enterprise_name": name} | values, user)
            session.commit()
        return referral

    return make


@pytest.fixture
def co_referred(app, session, make_user, ambassador, refer):
    """One enterprise referred by three ambassadors, all accepted onto one lead by staff."""
    staff = make_user("staff")
    others = [make_user("ambassador", f"co{n}.dashi") for n in (1, 2)]
    found = [
        refer(user, "深圳某新能源科技有限公司", enterprise_uscc=VALID_USCC)
        for user in (ambassador, *others)
    ]
    with app.test_request_context():
        # Each request (and this context) ends the session: the records are read again.
        found = [session.get(Referral, referral.id) for referral in found]
        for offset, referral in enumerate(found):  # submitted one after another
            referral.submitted_at += timedelta(minutes=offset)
        session.commit()
        for referral in found:
            referrals.accept_referral(session, referral, staff)
        session.commit()
    return staff, found


def browser(app, user):
    other = app.test_client()
    page = other.get("/login")
    data = {"name": user.name, "password": PASSWORD, "csrf_token": csrf_token(page.text)}
    assert other.post("/login", data=data).status_code == 302
    return other


def shares_of(session, found) -> list[Decimal]:
    return [session.get(Referral, one.id, populate_existing=True).credit_share for one in found]


# ---- co-referrals and the split ----


def test_co_referrers_share_one_lead_and_the_first_keeps_the_credit(session, co_referred):
    _staff, found = co_referred
    assert session.scalar(select(func.count()).select_from(Lead)) == 1
    session.expire_all()
    lead = session.get(Lead, found[0].lead_id)
    assert [one.id for one in lead.referrals] == [one.id for one in found]
    assert shares_of(session, found) == [1, 0, 0]


def test_staff_record_a_split_on_the_lead_page_checked_at_each_field(
    client, login, session, co_referred
):
    staff, found = co_referred
    lead_id = found[0].lead_id
    login(staff)
    page = client.get(f"/leads/{lead_id}")
    assert page.status_code == 200 and 'data-testid="credit-form"' in page.text
    token = csrf_token(page.text)

    def send(*values):
        data = {f"share_{one.id}": value for one, value in zip(found, values, strict=True)}
        return client.post(f"/leads/{lead_id}/credit-split", data={"csrf_token": token} | data)

    wrong_sum = send("0.5", "0.3", "0.1")
    assert wrong_sum.status_code == 422
    assert "各推荐的份额之和应恰好为 1，现在是 0.9" in wrong_sum.text
    assert 'value="0.3"' in wrong_sum.text  # what was typed is kept
    bad = send("abc", "1.5", "0.33333")
    assert bad.status_code == 422
    assert "应为数字" in bad.text and "份额应在 0 到 1 之间" in bad.text
    assert "最多保留 4 位小数" in bad.text
    hostile = send(HOSTILE, "0", "0")
    assert hostile.status_code == 422 and "<script>alert(1)</script>" not in hostile.text
    assert shares_of(session, found) == [1, 0, 0]

    saved = send("0.5", "0.25", "0.25")
    assert saved.status_code == 302
    assert shares_of(session, found) == [Decimal("0.5"), Decimal("0.25"), Decimal("0.25")]
    assert "0.25" in client.get(f"/leads/{lead_id}").text


def test_a_split_over_the_api_and_who_may_record_it(
    client, bearer, session, make_user, make_unit, ambassador, co_referred
):
    staff, found = co_referred
    path = f"/api/v1/leads/{found[0].lead_id}/credit-split"
    shares = {str(found[0].id): "0.6", str(found[1].id): 0.4, str(found[2].id): "0"}
    answer = client.put(path, json={"shares": shares}, headers=bearer(staff))
    assert answer.status_code == 200, answer.json
    assert [item["credit_share"] for item in answer.json["shares"]] == ["0.6", "0.4", "0"]
    assert client.get(path, headers=bearer(staff)).json == answer.json

    missing = client.put(
        path, json={"shares": {str(found[0].id): "1"}}, headers=bearer(staff)
    ).json["error"]["fields"]
    assert set(missing) == {f"share_{found[1].id}", f"share_{found[2].id}"}
    stranger = client.put(
        path, json={"shares": shares | {"999999": "0"}}, headers=bearer(staff)
    ).json["error"]["fields"]
    assert "#999999" in stranger["shares"][0]
    assert (
        client.put(path, json={"shares": shares, "x": 1}, headers=bearer(staff)).status_code == 400
    )

    # Officials read but do not record; an ambassador neither; outside the scope: not found.
    assert (
        client.put(path, json={"shares": shares}, headers=bearer(make_user("official"))).status_code
        == 403
    )
    assert client.get(path, headers=bearer(make_user("official"))).status_code == 200
    assert client.put(path, json={"shares": shares}, headers=bearer(ambassador)).status_code == 404
    district = make_unit("茅箭区招商局")
    outsider = make_user("staff", unit=district)
    assert client.put(path, json={"shares": shares}, headers=bearer(outsider)).status_code == 404
    assert shares_of(session, found) == [Decimal("0.6"), Decimal("0.4"), 0]

    # The bureau reads each referral's lead and share; its ambassador reads neither.
    staff_view = client.get(f"/api/v1/referrals/{found[0].id}", headers=bearer(staff)).json
    assert staff_view["lead_id"] == found[0].lead_id and staff_view["credit_share"] == "0.6"
    own_view = client.get(f"/api/v1/referrals/{found[0].id}", headers=bearer(ambassador)).json
    assert own_view["lead_id"] is None and own_view["credit_share"] is None


def test_a_recorded_split_stays_when_another_co_referrer_joins(
    app, session, make_user, refer, co_referred
):
    staff, found = co_referred
    with app.test_request_context():
        lead = session.get(Lead, found[0].lead_id)
        referrals.record_split(
            session, lead, {found[0].id: "0.5", found[1].id: "0.5", found[2].id: "0"}, staff
        )
        session.commit()
    late = refer(make_user("ambassador", "late.dashi"), "深圳某新能源", enterprise_uscc=VALID_USCC)
    with app.test_request_context():
        referrals.accept_referral(session, session.get(Referral, late.id), staff)
        session.commit()
    assert shares_of(session, [*found, late]) == [Decimal("0.5"), Decimal("0.5"), 0, 0]


def test_a_split_is_refused_without_co_referrers_or_by_those_who_may_not(
    app, session, make_user, ambassador, refer
):
    staff = make_user("staff")
    referral = refer(ambassador)
    with app.test_request_context():
        referral = session.get(Referral, referral.id)
        accepted = referrals.accept_referral(session, referral, staff)
        session.commit()
        with pytest.raises(ValidationError) as shown:
            referrals.record_split(session, accepted.lead, {referral.id: "0.5"}, staff)
        assert "恰好为 1" in shown.value.fields["shares"][0]
        with pytest.raises(Forbidden):
            referrals.record_split(session, accepted.lead, {referral.id: "1"}, ambassador)
        with pytest.raises(ValidationError):
            referrals.record_split(session, accepted.lead, "1", staff)


# ---- 已知 over the API ----


def test_a_duplicate_is_declined_as_known_over_the_api_with_a_neutral_reason(
    client, bearer, make_user, ambassador, refer
):
    staff = make_user("staff")
    first = refer(ambassador)
    second_user = make_user("ambassador", "li.dashi", display_name="李大使")
    later = refer(second_user, "深圳某新能源（科技）有限公司")
    lone = refer(second_user, "襄阳某电机有限公司")
    refused = client.post(
        f"/api/v1/referrals/{lone.id}/decline", json={"known": True}, headers=bearer(staff)
    )
    assert refused.status_code == 422 and "known" in refused.json["error"]["fields"]
    answer = client.post(
        f"/api/v1/referrals/{later.id}/decline", json={"known": True}, headers=bearer(staff)
    )
    assert answer.status_code == 200 and answer.json["status"] == "known"
    own = client.get(f"/api/v1/referrals/{later.id}", headers=bearer(second_user)).json
    assert own["status"] == "known" and own["rejected_reason"] == "该企业此前已有推荐或已在跟进中。"
    assert "王大使" not in str(own) and str(first.id) not in own["rejected_reason"]
    listed = client.get("/api/v1/referrals?status=known", headers=bearer(staff)).json["items"]
    assert [item["id"] for item in listed] == [later.id]


# ---- the honest end of a lost lead ----


def test_a_lead_lost_after_acceptance_shows_ended_not_its_stage(
    app, client, login, session, make_user, ambassador, refer
):
    staff = make_user("staff")
    referral = refer(ambassador)
    with app.test_request_context():
        lead = referrals.accept_referral(session, session.get(Referral, referral.id), staff).lead
        session.commit()
        leads.update_lead(session, lead, {"stage": "negotiation"}, lead.version, staff)
        session.commit()
    login(ambassador)
    assert "洽谈中" in client.get(f"/portal/referrals/{referral.id}").text
    with app.test_request_context():
        lead = session.get(Lead, lead.id, populate_existing=True)
        leads.update_lead(
            session,
            lead,
            {"status": "lost", "lost_reason": "内部：对方压价", "lost_to": "襄阳"},
            lead.version,
            staff,
        )
        session.commit()
    detail = client.get(f"/portal/referrals/{referral.id}").text
    assert "已终止" in detail and "洽谈中" not in detail
    assert "内部" not in detail and "襄阳" not in detail
    with app.test_request_context():
        lead = session.get(Lead, lead.id, populate_existing=True)
        leads.delete_lead(session, lead, staff)
        session.commit()
    assert "已终止" in client.get("/portal").text


# ---- the whole life of a referral ----


def test_a_referrals_life_through_lead_and_project_as_its_ambassador_sees_it(
    app, client, login, session, make_user, ambassador, places
):
    """Submitted on the portal, accepted in the inbox, the lead in talks and signed, a project
    made of it, started (landed, with the funds in place): at each step the ambassador reads
    the status, and never the lead's internals."""
    admin = make_user("admin")
    leader = make_user("official")
    login(ambassador)

    def status() -> str:
        page = client.get(f"/portal/referrals/{referral.id}")
        assert page.status_code == 200
        return page.text

    page = client.get("/portal")
    answer = client.post(
        "/portal/referrals",
        data={
            "csrf_token": csrf_token(page.text),
            "enterprise_name": "深圳某新能源科技有限公司",
            "enterprise_uscc": VALID_USCC,
            "intended_project": "动力电池电芯生产线",
            "how_known": "商会同事",
            "segment_code": "M501",
            "estimated_investment_wan": "50000",
        },
    )
    assert answer.status_code == 302
    referral = session.scalar(select(Referral))
    assert "已提交" in status()

    staff_browser = browser(app, make_user("staff"))
    inbox = staff_browser.get("/ambassadors/inbox").text
    assert "动力电池电芯生产线" in inbox and "商会同事" in inbox and "M501" in inbox
    staff_browser.post(
        f"/ambassadors/inbox/{referral.id}/accept", data={"csrf_token": csrf_token(inbox)}
    )
    referral = session.get(Referral, referral.id, populate_existing=True)
    lead = session.get(Lead, referral.lead_id)
    # The lead receives what the ambassador said, in its own fields.
    assert lead.name == "深圳某新能源科技有限公司 动力电池电芯生产线"
    assert [segment.code for segment in lead.segments] == ["M501"]
    assert "商会同事" in lead.basis and lead.intended_investment_wan == 50000
    assert "已受理" in status()

    with app.test_request_context():
        lead = session.get(Lead, lead.id)
        leads.update_lead(
            session, lead, {"stage": "negotiation", "next_step": "内部：压价"}, lead.version, admin
        )
        session.commit()
    assert "洽谈中" in status()
    with app.test_request_context():
        lead = session.get(Lead, lead.id)
        leads.update_lead(
            session,
            lead,
            {"stage": "signed", "signed_amount_wan": 48000, "signed_on": city_today()},
            lead.version,
            admin,
        )
        session.commit()
    assert "已签约" in status()
    with app.test_request_context():
        lead = session.get(Lead, lead.id)
        project = create_project(
            session,
            {"name": "电芯项目", "total_investment_wan": 48000, "leader_id": leader.id},
            admin,
            lead=lead,
        )
        session.commit()
    assert "已签约" in status()  # planning: not landed yet
    with app.test_request_context():
        project = session.get(type(project), project.id)
        update_project(
            session,
            project,
            {"stage": "newly_started", "started_on": city_today()},
            project.version,
            admin,
        )
        create_item(
            FUNDS_KIND,
            session,
            {"arrived_on": city_today(), "amount_wan": 1200},
            admin,
            parent_id=project.id,
        )
        session.commit()
    landed = status()
    assert "已落地" in landed and "1,200" in landed
    assert "内部" not in landed and "48000" not in landed.replace(",", "")


# ---- the portal's checks and the submission limit ----


def test_every_field_of_the_portal_form_is_checked_at_the_field(
    client, login, session, ambassador, places
):
    login(ambassador)
    page = client.get("/portal")
    answer = client.post(
        "/portal/referrals",
        data={
            "csrf_token": csrf_token(page.text),
            "enterprise_name": "",
            "enterprise_uscc": "91110108551385082A",
            "contact_name": "李" * 81,
            "contact_phone": "1" * 41,
            "intended_project": HOSTILE * 20,
            "estimated_investment_wan": "12.345678",
            "segment_code": "X999",
            "how_known": "x" * 501,
            "description": HOSTILE,
        },
    )
    assert answer.status_code == 422
    text = answer.text
    for field in (
        "enterprise_name",
        "enterprise_uscc",
        "contact_name",
        "contact_phone",
        "intended_project",
        "estimated_investment_wan",
        "segment_code",
        "how_known",
    ):
        start = text.index(f'data-field="{field}"')
        assert 'role="alert"' in text[start : text.index("</div>", start)], field
    assert "<script>alert(1)</script>" not in text and "&lt;script&gt;" in text
    assert session.scalar(select(func.count()).select_from(Referral)) == 0
    for amount, message in (("-1", "不能为负数"), ("abc", "应为数字"), ("1e9999", "应为数字")):
        answer = client.post(
            "/portal/referrals",
            data={
                "csrf_token": csrf_token(page.text),
                "enterprise_name": "某公司",
                "estimated_investment_wan": amount,
            },
        )
        assert answer.status_code == 422 and message in answer.text


@pytest.fixture
def few_allowed(app):
    saved = app.config["REFERRAL_LIMITS"]
    app.config["REFERRAL_LIMITS"] = "3 per hour"
    yield
    app.config["REFERRAL_LIMITS"] = saved


def test_submissions_are_limited_per_ambassador_over_the_portal_and_the_api_together(
    client, login, bearer, session, make_user, ambassador, few_allowed
):
    headers = bearer(ambassador)
    for n in range(2):
        made = client.post(
            "/api/v1/referrals", json={"enterprise_name": f"某公司{n}"}, headers=headers
        )
        assert made.status_code == 201
    # A form with a mistake does not use the allowance up.
    login(ambassador)
    page = client.get("/portal")
    bad = client.post(
        "/portal/referrals", data={"csrf_token": csrf_token(page.text), "enterprise_name": ""}
    )
    assert bad.status_code == 422
    good = client.post(
        "/portal/referrals",
        data={"csrf_token": csrf_token(page.text), "enterprise_name": "某公司2"},
    )
    assert good.status_code == 302
    refused = client.post(
        "/portal/referrals",
        data={"csrf_token": csrf_token(page.text), "enterprise_name": "某公司3"},
    )
    assert refused.status_code == 429 and "提交推荐过于频繁" in refused.text
    assert 'value="某公司3"' in refused.text  # the form is kept
    assert int(refused.headers["Retry-After"]) > 0
    over = client.post("/api/v1/referrals", json={"enterprise_name": "某公司4"}, headers=headers)
    assert over.status_code == 429 and over.json["error"]["code"] == "too_many_requests"
    assert session.scalar(select(func.count()).select_from(Referral)) == 3
    # Another ambassador has an allowance of their own.
    other = make_user("ambassador", "li.dashi")
    made = client.post(
        "/api/v1/referrals", json={"enterprise_name": "某公司5"}, headers=bearer(other)
    )
    assert made.status_code == 201


# ---- the inbox reads a constant number of queries ----


def _queries_for_inbox(client) -> int:
    statements = []

    def count(*_args):
        statements.append(1)

    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get("/ambassadors/inbox").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def test_the_inbox_duplicate_check_does_not_grow_with_the_rows(
    app, client, login, session, make_user, refer
):
    staff = make_user("staff")
    users = [make_user("ambassador", f"n{n}.dashi") for n in range(6)]
    for n, user in enumerate(users[:3]):
        refer(user, f"某公司{n}")
    login(staff)
    few = _queries_for_inbox(client)
    for n, user in enumerate(users[3:]):
        refer(user, f"某公司{n}")  # duplicates of the first three
        refer(user, f"另一家公司{n}")
    many = _queries_for_inbox(client)
    assert many == few
