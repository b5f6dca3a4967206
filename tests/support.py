"""Small helpers the tests share (fixtures live in conftest.py)."""

import os
import re
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import create_app
from crm.extensions import db

PASSWORD = "correct-horse-9"


def running_in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def make_app(database_url: str, instance_path) -> object:
    return create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "test-secret",
            "UPLOAD_FOLDER": str(instance_path / "uploads"),
            "SERVER_NAME": None,
            # The test client's requests share one connection: an import runs within them.
            "IMPORT_IN_BACKGROUND": False,
        }
    )


def drop_schema(app) -> None:
    """Remove every table. A SQLite file is simply deleted: its DROP TABLE checks each row's
    foreign keys, which self-referencing tables (unit and segment trees) refuse."""
    with app.app_context():
        db.session.remove()
        if db.engine.dialect.name == "sqlite":
            path = db.engine.url.database
            db.engine.dispose()
            for suffix in ("", "-wal", "-shm"):
                Path(path + suffix).unlink(missing_ok=True)
            return
        db.drop_all()
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        db.engine.dispose()


def recreate_schema(app) -> None:
    """Drop whatever an earlier run left, then build the schema through the migrations."""
    drop_schema(app)
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        db.session.remove()


def own_database_url(database_url: str, folder: Path, suffix: str) -> str:
    """A database of the run's kind for tests that commit: a SQLite file in `folder`, or on
    PostgreSQL the database `<run's database>_<suffix>`, created when missing."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return f"sqlite:///{folder / f'{suffix}.db'}"
    name = f"{url.database}_{suffix}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
        )
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)
