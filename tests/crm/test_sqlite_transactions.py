"""SQLite transactions: read requests begin deferred and block nobody; the rest lock up front."""

import threading
from contextlib import contextmanager

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, insert, select
from sqlalchemy.exc import OperationalError

from crm.extensions import db
from crm.models import ApiToken, Unit
from crm.services.users import create_token, create_user
from tests.support import PASSWORD, make_app


@pytest.fixture(scope="module")
def sqlite_app(tmp_path_factory):
    """A SQLite file of its own: the shared test session holds the write lock for every test."""
    folder = tmp_path_factory.mktemp("transactions")
    app = make_app(f"sqlite:///{folder / 'transactions.db'}", folder)
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


@contextmanager
def transaction(app, method: str | None):
    """A connection in a transaction begun as in a request with `method` (None: no request),
    which gives up at once, instead of after the busy timeout, when the database is locked."""
    with app.app_context():
        connection = db.engine.connect()
    connection.connection.driver_connection.execute("PRAGMA busy_timeout = 0")
    try:
        if method is None:
            connection.begin()
        else:
            with app.test_request_context("/", method=method):
                connection.begin()
        yield connection
    finally:
        connection.rollback()
        connection.invalidate()  # discarded, never pooled without its busy timeout
        connection.close()


def units(connection) -> int:
    return connection.scalar(select(func.count()).select_from(Unit))


def add_unit(connection, name: str) -> None:
    connection.execute(insert(Unit).values(name=name, kind="task_team", version=1,
                                           created_at=func.now(), updated_at=func.now()))  # fmt: skip


def test_readers_neither_block_each_other_nor_a_writer(sqlite_app):
    with (
        transaction(sqlite_app, "GET") as first,
        transaction(sqlite_app, "HEAD") as second,
        transaction(sqlite_app, "OPTIONS") as third,
    ):
        before = units(first)
        assert units(second) == units(third) == before
        with transaction(sqlite_app, None) as writer:
            add_unit(writer, "招商一组")
            writer.commit()
        assert units(first) == before  # each reader keeps the snapshot it began with
    with transaction(sqlite_app, "GET") as later:
        assert units(later) == before + 1


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", None])
def test_everything_but_a_read_takes_the_write_lock_when_it_begins(sqlite_app, method):
    with transaction(sqlite_app, method):
        with pytest.raises(OperationalError, match="database is locked"):  # noqa: SIM117
            with transaction(sqlite_app, "POST"):
                pass
        with transaction(sqlite_app, "GET") as reader:
            assert units(reader) >= 0


def test_a_get_notes_its_tokens_use_while_another_connection_writes(sqlite_app):
    with sqlite_app.app_context():
        user = create_user(db.session, "token.reader", "staff", PASSWORD)
        token = create_token(db.session, user)
        db.session.commit()
        db.session.remove()
    holding, release = threading.Event(), threading.Event()

    def write_meanwhile():
        with sqlite_app.app_context(), db.engine.connect() as writer:
            writer.begin()
            add_unit(writer, "招商二组")
            holding.set()
            release.wait(5)
            writer.commit()

    thread = threading.Thread(target=write_meanwhile)
    thread.start()
    holding.wait(5)
    # The GET reads the token while the writer holds the lock, then writes once it has gone:
    # a write in the reading transaction would find its snapshot stale and fail at once.
    threading.Timer(0.3, release.set).start()
    response = sqlite_app.test_client().get(
        "/api/v1/enterprises", headers={"Authorization": f"Bearer {token}"}
    )
    thread.join()
    assert response.status_code == 200
    with sqlite_app.app_context():
        assert db.session.scalar(select(ApiToken.last_used_at)) is not None
        db.session.remove()
