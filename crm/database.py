"""Engine settings: SQLite gets WAL, foreign keys, a busy timeout, real savepoints, and
transactions that take the write lock when they begin, except in requests that only read;
PostgreSQL plans every query for its values."""

from flask import Flask, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

from crm.extensions import db

SQLITE_BUSY_TIMEOUT_MS = 5000
# Requests that only read. Their transactions begin deferred: with WAL they read beside a writer
# and each other, neither waiting for the write lock nor holding it.
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def configure_engines(app: Flask) -> None:
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _configure_sqlite(db.engine)
        elif db.engine.dialect.name == "postgresql":
            _configure_postgresql(db.engine)


def _configure_postgresql(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Plan each query for its values. psycopg prepares a statement run five times, and the
        # server may then keep one generic plan for all values: it guesses how common a search
        # term is, and took the GIN index and a sort for 十堰 (90% of rows), 90 ms, not 3.
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET plan_cache_mode = force_custom_plan")
        dbapi_connection.commit()


def _configure_sqlite(engine: Engine) -> None:
    in_memory = engine.url.database in (None, "", ":memory:")

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # pysqlite's own transaction handling breaks SAVEPOINT; let SQLAlchemy emit BEGIN.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        if not in_memory:
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        # Everything else (other methods, the CLI, work outside a request) takes the write lock
        # up front with IMMEDIATE, waiting up to the busy timeout for it. A deferred transaction
        # that reads and then writes fails at once ("database is locked") when another
        # connection wrote in between, and the busy timeout cannot help it: so a read request
        # that must write commits first and writes in a transaction of its own (as
        # crm.api.auth notes a token's use), where the write comes first and waits its turn.
        if has_request_context() and request.method in READ_METHODS:
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
