"""The enterprise service without HTTP: rules, races, derived names, rights and locales."""

from datetime import date
from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import insert, update

from crm.models import Enterprise
from crm.services import records
from crm.services.enterprises import (
    check_enterprise,
    create_enterprise,
    get_enterprise,
    update_enterprise,
)
from crm.services.errors import Forbidden, NotFound, StaleVersion, ValidationError


def test_a_writer_who_slips_in_after_the_check_is_caught_at_the_flush(session):
    enterprise = create_enterprise(session, {"name": "汉江精工"}, None)
    session.commit()
    # Another transaction's update, which the loaded object does not know about.
    session.execute(
        update(Enterprise).where(Enterprise.id == enterprise.id).values(version=2),
        execution_options={"synchronize_session": False},
    )
    with pytest.raises(StaleVersion):
        update_enterprise(session, enterprise, {"employees": 5}, 1, None)
    session.rollback()


def test_derived_names_fit_their_columns_however_long_the_name(session):
    # NFKC turns ㍿ into 株式会社: 200 characters would normalise to 800.
    enterprise = create_enterprise(session, {"name": "㍿" * 200}, None)
    session.flush()
    assert len(enterprise.name_normalised) == 200
    latin = create_enterprise(session, {"name": "Shiyan Precision " * 11}, None)
    session.flush()
    assert len(latin.name_initials) == 100


def test_messages_follow_the_active_locale(app, session):
    with app.test_request_context(), pytest.raises(ValidationError) as chinese:
        check_enterprise(session, {"name": "x", "uscc": "123"})
    assert chinese.value.fields == {"uscc": ["统一社会信用代码应为18位，当前为3位"]}
    with app.test_request_context(), force_locale("en"), pytest.raises(ValidationError) as english:
        check_enterprise(session, {"name": "x", "uscc": "123"})
    assert english.value.fields == {"uscc": ["The credit code must have 18 characters, not 3"]}


def test_typed_values_from_forms_are_taken_as_they_are(app, session):
    values = {
        "name": "汉江精工",
        "output_wan": Decimal("12.50"),
        "established_on": date(2003, 6, 18),
    }
    with app.app_context():  # the latest allowed date is today in the city's time zone
        enterprise = create_enterprise(session, values, None)
    assert (enterprise.output_wan, enterprise.established_on) == (
        Decimal("12.5"),
        date(2003, 6, 18),
    )


def test_a_credit_code_taken_after_the_check_is_reported_not_crashed(session):
    code = "91110108551385082Q"
    data = {"name": "汉江精工", "uscc": code}
    values = check_enterprise(session, data)  # the code is free at this moment
    # Another writer registers the same code before our flush.
    session.execute(
        insert(Enterprise).values(
            name="抢先登记", name_normalised="抢先登记", name_initials="qxdj", uscc=code, aliases=[]
        )
    )
    with (
        pytest.raises(ValidationError) as caught,
        records.unique_conflicts(session, lambda: check_enterprise(session, data)),
    ):
        session.add(Enterprise(name=data["name"], name_normalised="汉江精工", name_initials="hjjg",
                               uscc=values["uscc"], aliases=[]))  # fmt: skip
    assert "抢先登记" in caught.value.fields["uscc"][0]
    assert caught.value.holders["uscc"] > 0


def test_a_name_that_normalises_to_a_live_one_is_refused_naming_it(session):
    first = create_enterprise(session, {"name": "十堰 汉江精工（集团）有限公司"}, None)
    with pytest.raises(ValidationError) as caught:
        create_enterprise(session, {"name": "十堰汉江精工(集团)有限公司"}, None)
    assert caught.value.fields == {
        "name": [f"已有同名企业“十堰 汉江精工（集团）有限公司”（编号 {first.id}）"]
    }
    assert caught.value.holders == {"name": first.id}
    # Renaming a record to its own name, written differently, is no duplicate.
    update_enterprise(session, first, {"name": "十堰汉江精工（集团）有限公司"}, first.version, None)


def test_services_apply_the_rights_themselves(session, make_user):
    enterprise = create_enterprise(session, {"name": "汉江精工"}, None)
    official, ambassador = make_user("official"), make_user("ambassador")
    with pytest.raises(Forbidden):
        create_enterprise(session, {"name": "另一家"}, official)
    with pytest.raises(Forbidden):
        update_enterprise(session, enterprise, {"employees": 1}, enterprise.version, official)
    assert get_enterprise(session, enterprise.id, official) is enterprise
    with pytest.raises(NotFound):
        get_enterprise(session, enterprise.id, ambassador)
