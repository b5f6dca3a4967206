"""The enterprise service without HTTP: races, derived names, and locales."""

import pytest
from sqlalchemy import insert, update

from crm.models import Enterprise
from crm.services.enterprises import (
    StaleVersion,
    ValidationError,
    _holder_named_on_conflict,
    create_enterprise,
    update_enterprise,
    validate_enterprise,
)


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


def test_messages_follow_the_locale_given(session):
    with pytest.raises(ValidationError) as chinese:
        validate_enterprise(session, {"name": "x", "uscc": "123"}, "zh")
    assert chinese.value.fields == {"uscc": ["统一社会信用代码应为18位，当前为3位"]}
    with pytest.raises(ValidationError) as english:
        validate_enterprise(session, {"name": "x", "uscc": "123"}, "en")
    assert "must have 18 characters, not 3" in english.value.fields["uscc"][0]


def test_a_credit_code_taken_after_the_check_is_reported_not_crashed(session):
    code = "91110108551385082Q"
    data = {"name": "汉江精工", "uscc": code}
    cleaned = validate_enterprise(session, data, "zh")  # the code is free at this moment
    # Another writer registers the same code before our flush.
    session.execute(
        insert(Enterprise).values(
            name="抢先登记", name_normalised="抢先登记", name_initials="qxdj", uscc=code, aliases=[]
        )
    )
    with (
        pytest.raises(ValidationError) as caught,
        _holder_named_on_conflict(session, lambda: validate_enterprise(session, data, "zh")),
    ):
        session.add(Enterprise(name=data["name"], name_normalised="汉江精工", name_initials="hjjg",
                               uscc=cleaned["uscc"], aliases=[]))  # fmt: skip
    assert "抢先登记" in caught.value.fields["uscc"][0]
