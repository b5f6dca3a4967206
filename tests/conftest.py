"""Fixtures: the database from TEST_DATABASE_URL, made once per run; each test rolled back."""

import os

import pytest
from sqlalchemy import select
from sqlalchemy.orm import scoped_session, sessionmaker

from crm.extensions import db, limiter
from crm.models import ChainSegment, District, Park, Unit
from crm.services.users import create_token, create_user
from tests.support import PASSWORD, csrf_token, drop_schema, make_app, recreate_schema


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    return os.environ.get("TEST_DATABASE_URL") or (
        f"sqlite:///{tmp_path_factory.mktemp('db') / 'investatlas-test.db'}"
    )


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    app = make_app(database_url, tmp_path_factory.mktemp("instance"))
    recreate_schema(app)
    yield app
    drop_schema(app)


@pytest.fixture
def session(app):
    """A session inside a transaction that is rolled back after the test; commits are savepoints.

    The test body runs outside any app context, so each request gets its own, as in production.
    """
    with app.app_context():
        connection = db.engine.connect()
    transaction = connection.begin()
    original = db.session
    db.session = scoped_session(
        # Each request's teardown closes the session; the test's objects keep their values.
        sessionmaker(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
    )
    try:
        yield db.session
    finally:
        db.session.remove()
        db.session = original
        transaction.rollback()
        connection.close()


@pytest.fixture
def client(app, session):
    limiter.reset()
    return app.test_client()


@pytest.fixture
def make_user(session):
    """Factory: make_user(role="staff", name=None, **options) -> User, with PASSWORD. Staff
    are of the city bureau (the whole city) unless given a unit, or unit=None (no scope)."""
    counter = iter(range(1, 10_000))

    def make(role: str = "staff", name: str | None = None, **options):
        if role == "staff" and "unit" not in options:
            options["unit"] = city_bureau(session)
        user = create_user(session, name or f"{role}{next(counter)}", role, PASSWORD, **options)
        session.commit()
        return user

    return make


def city_bureau(session) -> Unit:
    unit = session.scalar(select(Unit).where(Unit.name == "市招商局"))
    if unit is None:
        unit = Unit(name="市招商局", kind="city_bureau")
        session.add(unit)
    return unit


@pytest.fixture
def make_unit(session):
    def make(
        name: str,
        kind: str = "district_bureau",
        parent: Unit | None = None,
        district: District | None = None,
    ) -> Unit:
        unit = session.scalar(select(Unit).where(Unit.name == name))
        if unit is None:  # the city bureau may be there already, as make_user's
            unit = Unit(name=name, kind=kind, parent=parent, district=district)
            session.add(unit)
            session.commit()
        return unit

    return make


@pytest.fixture
def login(client):
    """login(user_or_name, password=PASSWORD, next_page=None) -> the log-in POST's response."""

    def do_login(user, password: str = PASSWORD, next_page: str | None = None, **environ):
        name = user if isinstance(user, str) else user.name
        page = client.get("/login", query_string={"next": next_page} if next_page else None)
        data = {"name": name, "password": password, "csrf_token": csrf_token(page.text)}
        if next_page:
            data["next"] = next_page
        return client.post("/login", data=data, environ_base=environ)

    return do_login


@pytest.fixture
def places(session):
    """Two districts, a park in the first, and a chain category with three segments."""
    maojian = District(code="420302", name="茅箭区", kind="county_district")
    category = ChainSegment(chain_key="automotive", code="M5", name="三电系统", level="category")
    session.add_all(
        [
            maojian,
            District(code="420303", name="张湾区", kind="county_district"),
            Park(name="十堰经济开发区新能源产业园", district=maojian),
            category,
            *(
                ChainSegment(
                    chain_key="automotive", code=code, name=name, level="segment", parent=category
                )
                for code, name in (
                    ("M501", "动力电池电芯"),
                    ("M502", "电池管理系统"),
                    ("M503", "电驱动系统"),
                )
            ),
        ]
    )
    session.commit()


@pytest.fixture
def bearer(session):
    """bearer(user) -> headers carrying a fresh API token of that user."""

    def headers_for(user) -> dict:
        token = create_token(session, user)
        session.commit()
        return {"Authorization": f"Bearer {token}"}

    return headers_for
