"""Constraints live in the database: foreign keys, unique codes, amounts, keys, versions."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm.exc import StaleDataError

from crm.models import Enterprise, FundsArrival, Lead, Project, StageChange
from crm.vocabulary import PROJECT_STAGE, pool_of_stage


def enterprise(**fields) -> Enterprise:
    defaults = {"name": "汉江精工", "name_normalised": "汉江精工", "name_initials": "hjjg"}
    return Enterprise(**(defaults | fields))


def project(leader, **fields) -> Project:
    defaults = {
        "name": "新能源车桥扩能项目",
        "project_type": "expansion",
        "sector": "industry",
        "total_investment_wan": Decimal("12000"),
        "leader": leader,
    }
    return Project(**(defaults | fields))


def refused(session, *records):
    session.add_all(records)
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_credit_code_unique_when_present_and_null_when_absent(session):
    session.add_all([enterprise(uscc="91110108551385082Q"), enterprise(), enterprise()])
    session.flush()
    refused(session, enterprise(uscc="91110108551385082Q"))


def test_empty_credit_code_is_refused_by_the_database(session):
    refused(session, enterprise(uscc=""))


def test_amounts_may_not_be_negative(session, make_user):
    leader = make_user("official")
    refused(session, enterprise(output_wan=Decimal("-1")))
    refused(session, project(leader, total_investment_wan=Decimal("-0.5")))


def test_foreign_keys_are_enforced(session):
    refused(session, enterprise(district_id=987654))


def test_unknown_enumeration_key_is_refused_by_the_database(session, make_user):
    leader = make_user("official")
    session.add(project(leader))
    session.commit()
    with pytest.raises(IntegrityError):
        session.execute(text("UPDATE projects SET stage = 'bogus'"))
    session.rollback()


def test_unknown_enumeration_key_is_refused_before_the_database(session, make_user):
    session.add(project(make_user("official"), stage="bogus"))
    with pytest.raises(StatementError):
        session.flush()
    session.rollback()


def test_a_project_has_exactly_one_leader(session):
    refused(session, project(None))


def test_lost_lead_needs_a_reason(session):
    refused(session, Lead(name="某车灯企业", source="exhibition", status="lost"))
    session.add(Lead(name="某车灯企业", source="exhibition", status="lost", lost_reason="选址外省"))
    session.flush()


def test_foreign_funds_carry_dollars(session, make_user):
    built = project(make_user("official"))
    session.add(built)
    session.flush()
    arrival = {"project": built, "arrived_on": date(2026, 3, 1), "amount_wan": Decimal(700)}
    refused(session, FundsArrival(**arrival, origin="foreign"))
    built = project(make_user("official"))
    session.add(built)
    session.flush()
    session.add(
        FundsArrival(
            **(arrival | {"project": built}),
            origin="foreign",
            currency="USD",
            amount_usd=Decimal(100),
        )
    )
    session.flush()


def test_stage_change_names_exactly_one_subject(session):
    refused(session, StageChange(subject="lead", to_stage="initial_contact"))


@pytest.mark.parametrize(
    ("stage", "pool"),
    [
        ("planning", "reserve"),
        ("ready_to_start", "reserve"),
        ("newly_started", "construction"),
        ("under_construction", "construction"),
        ("completed", "in_effect"),
        ("in_production", "in_effect"),
    ],
)
def test_pool_follows_from_stage(session, make_user, stage, pool):
    assert pool_of_stage(stage) == pool
    built = project(make_user("official"), stage=stage)
    session.add(built)
    session.commit()
    session.expire_all()
    assert session.scalar(select(Project.pool).where(Project.id == built.id)) == pool
    assert session.scalar(select(Project.id).where(Project.pool == pool)) == built.id


def test_every_project_stage_has_a_pool():
    assert {term.pool for term in PROJECT_STAGE} == {"reserve", "construction", "in_effect"}


def test_stale_version_is_not_overwritten(app, session):
    record = enterprise()
    session.add(record)
    session.commit()
    assert record.version == 1
    # Another writer changes the row in the meantime.
    session.execute(
        text("UPDATE enterprises SET version = 2, name = '别人改过' WHERE id = :id"),
        {"id": record.id},
    )
    record.name = "我的修改"
    with pytest.raises(StaleDataError):
        session.flush()
    session.rollback()
