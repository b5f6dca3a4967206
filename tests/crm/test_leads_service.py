"""The lead service's rules, without HTTP: the stage log, the verify gate, lost, scope."""

from datetime import date

import pytest
from sqlalchemy import select

from crm.models import StageChange
from crm.schemas.leads import LEADS
from crm.services import leads
from crm.services.enterprises import create_enterprise
from crm.services.errors import Forbidden, NotFound, StaleVersion, ValidationError


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


@pytest.fixture
def enterprise(session):
    record = create_enterprise(session, {"name": "十堰汉江精工有限公司"}, None)
    session.flush()
    return record


def new(session, enterprise, actor, **fields):
    data = {"name": "电驱项目", "source": "online", "enterprise": enterprise.id} | fields
    return leads.create_lead(session, data, actor)


def log_of(session, lead):
    return [
        (row.from_stage, row.to_stage, row.changed_by_id)
        for row in session.scalars(
            select(StageChange).where(StageChange.lead_id == lead.id).order_by(StageChange.id)
        )
    ]


def test_creation_and_every_move_are_logged(ctx, session, make_user, enterprise):
    user = make_user("staff")
    lead = new(session, enterprise, user, stage="initial_contact")
    assert log_of(session, lead) == [(None, "initial_contact", user.id)]
    leads.update_lead(session, lead, {"stage": "negotiation"}, lead.version, user)  # skips one
    leads.update_lead(session, lead, {"stage": "site_visit"}, lead.version, user)  # goes back
    leads.update_lead(session, lead, {"likelihood": 40}, lead.version, user)  # no move
    assert [entry[:2] for entry in log_of(session, lead)] == [
        (None, "initial_contact"),
        ("initial_contact", "negotiation"),
        ("negotiation", "site_visit"),
    ]
    assert [entry.backwards for entry in leads.stage_log(session, lead)] == [False, False, True]


def test_signing_needs_verify_amount_and_date(ctx, session, make_user, enterprise):
    staff, verifier = make_user("staff"), make_user("official", can_verify=True)
    lead = new(session, enterprise, staff)
    signing = {"stage": "signed", "signed_amount_wan": 100, "signed_on": date(2026, 1, 5)}
    with pytest.raises(Forbidden):
        leads.update_lead(session, lead, signing, lead.version, staff)
    with pytest.raises(Forbidden):  # officials verify the signing but change nothing else
        leads.update_lead(session, lead, signing | {"name": "改名"}, lead.version, verifier)
    other = new(session, enterprise, staff, name="另一个项目")
    leads.update_lead(session, other, signing, other.version, verifier)
    assert other.stage == "signed"
    with pytest.raises(Forbidden):  # nor may staff create a signed lead
        new(session, enterprise, staff, **signing)
    admin = make_user("admin")
    with pytest.raises(ValidationError) as missing:
        leads.update_lead(session, lead, {"stage": "signed"}, lead.version, admin)
    assert set(missing.value.fields) == {"signed_amount_wan", "signed_on"}
    leads.update_lead(session, lead, signing, lead.version, admin)
    assert lead.stage == "signed"
    with pytest.raises(StaleVersion):
        leads.update_lead(session, lead, {"name": "x"}, lead.version - 1, admin)


def test_lost_needs_reason_and_who_won(ctx, session, make_user, enterprise):
    user = make_user("staff")
    with pytest.raises(ValidationError) as error:
        new(session, enterprise, user, status="lost")
    assert set(error.value.fields) == {"lost_reason", "lost_to"}
    lead = new(session, enterprise, user, status="lost", lost_reason="成本", lost_to="襄阳")
    assert lead.lost_to == "襄阳"


def test_scope(ctx, session, make_user, make_unit, enterprise):
    city = make_unit("市招商局", "city_bureau")
    maojian, zhangwan = (
        make_unit("茅箭区招商局", parent=city),
        make_unit("张湾区招商局", parent=city),
    )
    mine, theirs = make_user("staff", unit=maojian), make_user("staff", unit=zhangwan)
    lead = new(session, enterprise, mine)
    assert lead.owner_unit_id == maojian.id and lead.owner_id == mine.id
    with pytest.raises(NotFound):
        leads.get_lead(session, lead.id, theirs)
    assert leads.get_lead(session, lead.id, make_user("official")) is lead
    with pytest.raises(Forbidden):
        new(session, enterprise, mine, owner_unit=zhangwan.id)
    with pytest.raises(Forbidden):
        leads.update_lead(session, lead, {"name": "x"}, lead.version, theirs)
    with pytest.raises(Forbidden):
        new(session, enterprise, make_user("staff", unit=None))
    with pytest.raises(Forbidden):
        new(session, enterprise, make_user("official"))


def test_the_board_counts_every_lead_of_a_column_beyond_those_it_shows(
    ctx, session, make_user, enterprise
):
    user = make_user("staff")
    for number in range(3):
        new(session, enterprise, user, name=f"项目{number}")
    new(
        session,
        enterprise,
        user,
        name="流失项目",
        status="lost",
        lost_reason="成本",
        lost_to="襄阳",
    )
    columns = leads.board(session, LEADS.parse_filters({}), user, per_stage=2)
    assert (len(columns["clue"].rows), columns["clue"].count) == (2, 3)  # the lost one left
    assert [row.name for row in columns["clue"].rows] == ["项目2", "项目1"]  # newest first
    assert columns["signed"].count == 0
