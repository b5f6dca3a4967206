"""The migrations build exactly the schema the models describe, on both databases."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect

from crm.extensions import db
from crm.services.search import is_search_index
from tests.support import make_app


def skip_search_index(name, type_, _parent_names) -> bool:
    """As migrations/env.py does: the search indexes are made by a migration, not the models."""
    return not (type_ in ("table", "index") and is_search_index(name))


def test_models_and_migrations_agree(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": skip_search_index}
        )
        assert compare_metadata(context, db.metadata) == []


def test_flask_db_check_reports_no_difference(app):
    result = app.test_cli_runner().invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output


def test_init_db_creates_and_then_upgrades_a_fresh_sqlite_file(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    fresh = make_app(url, tmp_path)
    runner = fresh.test_cli_runner()
    for _ in range(2):  # the second run finds the schema current and changes nothing
        result = runner.invoke(args=["init-db"])
        assert result.exit_code == 0, result.output
    engine = create_engine(url)
    assert {"enterprises", "projects", "users", "audit_events"} <= set(
        inspect(engine).get_table_names()
    )
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    with fresh.app_context():
        downgrade(directory=fresh.extensions["migrate"].directory, revision="base")
        assert set(inspect(db.engine).get_table_names()) == {"alembic_version"}
        upgrade(directory=fresh.extensions["migrate"].directory)
        db.engine.dispose()
    engine.dispose()


def test_sqlite_connections_enforce_foreign_keys_and_wait_when_busy(tmp_path):
    fresh = make_app(f"sqlite:///{tmp_path / 'pragmas.db'}", tmp_path)
    with fresh.app_context(), db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
        db.engine.dispose()


def test_downgrade_and_upgrade_keep_the_data_on_sqlite(tmp_path):
    from datetime import date

    from crm.models import Unit, User
    from demo.seed import seed_demo

    url = f"sqlite:///{tmp_path / 'data.db'}"
    fresh = make_app(url, tmp_path)
    directory = fresh.extensions["migrate"].directory
    with fresh.app_context():
        upgrade(directory=directory)
        seed_demo(db.session, enterprises=60, seed=2, today=date(2026, 6, 1))
        db.session.commit()
        users = db.session.query(User).count()
        scoped = db.session.query(User).filter(User.unit_id.is_not(None)).count()
        db.session.remove()
        downgrade(directory=directory, revision="-1")
        upgrade(directory=directory)
        assert db.session.query(User).count() == users
        assert db.session.query(User).filter(User.unit_id.is_not(None)).count() == scoped
        assert db.session.query(Unit).count() > 0
        db.session.remove()
        db.engine.dispose()
