"""The talent desk: staff contact, match and see hired the talent a 招才大使 refers, or decline
with a reason the ambassador reads; each step one way only, with a version check."""

import pytest

from crm.models import TalentReferral
from crm.services import referrals, talent_desk
from crm.services.errors import Forbidden, StaleVersion, ValidationError
from tests.support import PASSWORD, csrf_token

HOSTILE = '<img src=x onerror="alert(1)">周博士'


@pytest.fixture
def talent_ambassador(make_user):
    return make_user("ambassador", "zhao.dashi", ambassador_kind="talent_ambassador")


@pytest.fixture
def referred(app, session, talent_ambassador):
    def make(name=HOSTILE) -> TalentReferral:
        with app.test_request_context():
            one = referrals.create_talent_referral(
                session,
                {"person_name": name, "field": "汽车电子", "wishes": "研发岗"},
                talent_ambassador,
            )
            session.commit()
        return one

    return make


def step(client, referral, status, reason=""):
    page = client.get("/ambassadors/talent")
    assert page.status_code == 200
    return client.post(
        f"/ambassadors/talent/{referral.id}/step",
        data={
            "csrf_token": csrf_token(page.text),
            "status": status,
            "rejected_reason": reason,
            "version": str(referral.version),
        },
        follow_redirects=True,
    )


def test_staff_follow_a_talent_referral_to_hired(client, session, make_user, login, referred):
    one = referred()
    login(make_user("staff"))
    page = client.get("/ambassadors/talent")
    assert HOSTILE not in page.text and "&lt;img src=x" in page.text
    for status in ("contacted", "matched", "hired"):
        current = session.get(TalentReferral, one.id)
        session.refresh(current)
        assert step(client, current, status).status_code == 200
        session.expire_all()
        assert session.get(TalentReferral, one.id).status == status
    # Hired is the end: no further step is offered.
    assert 'data-testid="talent-step"' not in client.get("/ambassadors/talent").text


def test_declining_needs_a_reason_the_ambassador_reads(
    client, session, make_user, login, referred, talent_ambassador, app
):
    one = referred("李工")
    login(make_user("staff"))
    answer = step(client, one, "rejected")
    assert "请填写未采纳的原因" in answer.text
    session.expire_all()
    assert session.get(TalentReferral, one.id).status == "submitted"
    step(client, session.get(TalentReferral, one.id), "rejected", "本地暂无匹配岗位")
    session.expire_all()
    assert session.get(TalentReferral, one.id).rejected_reason == "本地暂无匹配岗位"
    with app.test_request_context():
        mine, _ = referrals.list_talent_referrals(
            session, referrals.TalentReferralFilters(), talent_ambassador
        )
    assert [r.status for r in mine] == ["rejected"]


def test_steps_go_one_way_and_a_stale_form_is_refused(app, session, make_user, referred):
    one = referred("王博士")
    staff = make_user("staff")
    with app.test_request_context():
        one = session.get(TalentReferral, one.id)
        with pytest.raises(ValidationError):
            talent_desk.move(session, one, "hired", None, one.version, staff)
        talent_desk.move(session, one, "contacted", None, one.version, staff)
        with pytest.raises(ValidationError):
            talent_desk.move(session, one, "submitted", None, one.version, staff)
        with pytest.raises(StaleVersion):
            talent_desk.move(session, one, "matched", None, one.version - 1, staff)


def test_who_may_use_the_desk(client, app, session, make_user, login, referred, talent_ambassador):
    one = referred("陈博士")
    with app.test_request_context():
        one = session.get(TalentReferral, one.id)
        with pytest.raises(Forbidden):
            talent_desk.move(session, one, "contacted", None, one.version, make_user("official"))
        with pytest.raises(Forbidden):
            talent_desk.move(
                session, one, "contacted", None, one.version, make_user("staff", unit=None)
            )
    login(make_user("official", "read.official"))
    assert client.get("/ambassadors/talent").status_code == 200
    phone = app.test_client()
    page = phone.get("/login")
    data = {"name": talent_ambassador.name, "password": PASSWORD}
    assert (
        phone.post("/login", data=data | {"csrf_token": csrf_token(page.text)}).status_code == 302
    )
    assert phone.get("/ambassadors/talent").status_code == 403


def test_the_open_ones_come_first(app, session, make_user, referred):
    first = referred("甲")
    referred("乙"), referred("丙")
    staff = make_user("staff")
    with app.test_request_context():
        first = session.get(TalentReferral, first.id)
        talent_desk.move(session, first, "rejected", "不合适", first.version, staff)
        session.commit()
        found, has_next = talent_desk.desk(session, staff)
    assert [one.person_name for one in found] == ["乙", "丙", "甲"]
    assert not has_next
    assert talent_desk.open_count(session) == 2
