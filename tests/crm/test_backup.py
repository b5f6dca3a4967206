"""The backup FILE and restore FILE commands, each test on a database of its own.

The `session` fixture holds the run's database in an open transaction, so these tests use a
SQLite file of their own, or on PostgreSQL the database `<test database>_backup`.
"""

import sqlite3
from contextlib import closing

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import MetaData, select, text
from sqlalchemy.orm import Session

from crm.extensions import db
from crm.models import ChainSegment, District, Enterprise, Unit, User
from crm.services.enterprises import create_enterprise, update_enterprise
from crm.services.search import is_search_index
from crm.services.users import create_user
from tests.support import PASSWORD, drop_schema, make_app, own_database_url, recreate_schema

VALID_USCC = "91110108551385082Q"
ENTERPRISE_NAME = "十堰汉江精工有限公司"
OLDER_REVISION = "343a47ae1eb1"  # "mark demo rows", the second migration


@pytest.fixture
def own_app(database_url, tmp_path):
    """An app on a database of its own, of the run's kind, built by the migrations."""
    app = make_app(own_database_url(database_url, tmp_path, "backup"), tmp_path)
    recreate_schema(app)
    yield app
    drop_schema(app)


@pytest.fixture
def sqlite_app(tmp_path):
    """An app on a SQLite file of its own, whatever the run's database (SQLite-only checks)."""
    app = make_app(f"sqlite:///{tmp_path / 'own.db'}", tmp_path)
    recreate_schema(app)
    yield app
    drop_schema(app)


def invoke(app, *args, stdin=None):
    return app.test_cli_runner().invoke(args=list(args), input=stdin)


def add_records(app) -> None:
    """Two users (one of the city bureau, one an ambassador with a profile), a district, a chain
    category with two segments, and an enterprise in both segments with two tags; the services
    write audit events."""
    with app.app_context():
        session = db.session
        city = Unit(name="市招商局", kind="city_bureau")
        staff = create_user(
            session, "li.staff", "staff", PASSWORD, display_name="李招商", unit=city
        )
        create_user(session, "chen.ambassador", "ambassador", PASSWORD, display_name="陈大使")
        category = ChainSegment(
            chain_key="automotive", code="M5", name="三电系统", level="category"
        )
        session.add_all(
            [
                District(code="420302", name="茅箭区", kind="county_district"),
                category,
                ChainSegment(
                    chain_key="automotive",
                    code="M501",
                    name="动力电池电芯",
                    level="segment",
                    parent=category,
                ),
                ChainSegment(
                    chain_key="automotive",
                    code="M502",
                    name="电池管理系统",
                    level="segment",
                    parent=category,
                ),
            ]
        )
        session.flush()
        create_enterprise(
            session,
            {
                "name": ENTERPRISE_NAME,
                "uscc": VALID_USCC,
                "district": "420302",
                "segments": ["M501", "M502"],
                "tags": ["listed", "specialised"],
            },
            staff,
        )
        session.commit()
        db.session.remove()


def snapshot(app) -> dict[str, list[tuple]]:
    """Every table's rows (alembic_version included), each table in primary-key order."""
    with app.app_context():
        metadata = MetaData()
        metadata.reflect(db.engine)
        tables = {}
        with db.engine.connect() as connection:
            for name, table in metadata.tables.items():
                if is_search_index(name):  # derived from enterprises, rebuilt with them
                    continue
                assert table.primary_key.columns, f"{name} has no primary key to order by"
                rows = connection.execute(select(table).order_by(*table.primary_key.columns))
                tables[name] = [tuple(row) for row in rows]
        return tables


def scalars(app, statement) -> list:
    with app.app_context():
        values = list(db.session.scalars(statement))
        db.session.remove()
        return values


def execute(app, sql: str) -> None:
    with app.app_context():
        db.session.execute(text(sql))
        db.session.commit()
        db.session.remove()


def on_sqlite(app) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")


def revision_of(app) -> str:
    return scalars(app, text("SELECT version_num FROM alembic_version"))[0]


# ---- the round trip ----


def test_restore_brings_back_every_row_as_it_was_at_backup_time(own_app, tmp_path):
    add_records(own_app)
    saved = snapshot(own_app)
    assert len(saved["users"]) == 2 and len(saved["enterprise_tags"]) == 2
    assert len(saved["enterprise_segments"]) == 2 and saved["audit_events"]
    file = tmp_path / "saved.backup"

    result = invoke(own_app, "backup", str(file))
    assert result.exit_code == 0, result.output
    assert "已备份 / backed up" in result.output
    assert file.stat().st_mode & 0o777 == 0o600  # password hashes and personal data

    with own_app.app_context():  # update, delete and insert after the backup
        session = db.session
        enterprise = session.scalar(select(Enterprise))
        update_enterprise(
            session,
            enterprise,
            {"name": "十堰汉江精工集团有限公司", "tags": ["listed"], "segments": ["M501"]},
            enterprise.version,
            None,
        )
        ambassador = session.scalar(select(User).where(User.name == "chen.ambassador"))
        session.delete(ambassador.ambassador)
        session.delete(ambassador)
        create_user(session, "wu.official", "official", PASSWORD, display_name="吴领导")
        session.commit()
        db.session.remove()
    assert snapshot(own_app) != saved

    result = invoke(own_app, "restore", "--yes", str(file))
    assert result.exit_code == 0, result.output
    assert "已恢复 / restored" in result.output and "init-db" not in result.output

    assert snapshot(own_app) == saved
    assert scalars(own_app, select(User.name).order_by(User.name)) == [
        "chen.ambassador",
        "li.staff",
    ]
    assert scalars(own_app, select(Enterprise.name)) == [ENTERPRISE_NAME]
    with own_app.app_context():
        enterprise = db.session.scalar(select(Enterprise))
        assert sorted(segment.code for segment in enterprise.segments) == ["M501", "M502"]
        assert sorted(tag.tag for tag in enterprise.tags) == ["listed", "specialised"]
        # Users 1 and 2 were saved: the next is 3 on both (PostgreSQL's sequence is restored too;
        # left where wu.official took 3, it would give 4).
        assert create_user(db.session, "zhou.staff", "staff", PASSWORD).id == 3
        db.session.rollback()
        db.session.remove()


def test_backup_while_a_writer_holds_an_open_transaction_has_only_committed_rows(own_app, tmp_path):
    add_records(own_app)
    saved = snapshot(own_app)
    file = tmp_path / "during-write.backup"
    with own_app.app_context():
        writer = db.engine.connect()
    transaction = writer.begin()  # on SQLite BEGIN IMMEDIATE: the writer holds the write lock
    with Session(bind=writer) as session:
        create_user(session, "pending.staff", "staff", PASSWORD)  # flushed, not committed
    try:
        result = invoke(own_app, "backup", str(file))
        assert result.exit_code == 0, result.output
    finally:
        transaction.commit()
        writer.close()
    assert "pending.staff" in scalars(own_app, select(User.name))

    result = invoke(own_app, "restore", "--yes", str(file))
    assert result.exit_code == 0, result.output
    assert snapshot(own_app) == saved
    assert "pending.staff" not in scalars(own_app, select(User.name))


def test_restore_asks_first_and_a_no_leaves_the_database_alone(own_app, tmp_path):
    add_records(own_app)
    file = tmp_path / "saved.backup"
    assert invoke(own_app, "backup", str(file)).exit_code == 0
    execute(own_app, "UPDATE users SET display_name = '李处长' WHERE name = 'li.staff'")
    changed = snapshot(own_app)

    refused = invoke(own_app, "restore", str(file), stdin="n\n")
    assert refused.exit_code == 1 and "Aborted" in refused.output
    assert "Replace everything in" in refused.output
    assert snapshot(own_app) == changed

    accepted = invoke(own_app, "restore", str(file), stdin="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert scalars(own_app, select(User.display_name).where(User.name == "li.staff")) == ["李招商"]


# ---- schema revisions ----


def test_a_backup_from_a_newer_schema_is_refused_and_nothing_changes(own_app, tmp_path):
    """The file of newer code: a backup whose alembic_version holds a revision we do not have
    (made by setting it in the database before the backup, then setting it back)."""
    add_records(own_app)
    head = revision_of(own_app)
    execute(own_app, "UPDATE alembic_version SET version_num = 'f00dfeed0042'")
    file = tmp_path / "newer.backup"
    assert invoke(own_app, "backup", str(file)).exit_code == 0
    execute(own_app, f"UPDATE alembic_version SET version_num = '{head}'")
    execute(own_app, "DELETE FROM enterprise_tags WHERE tag = 'listed'")
    before = snapshot(own_app)

    result = invoke(own_app, "restore", "--yes", str(file))
    assert result.exit_code == 1
    assert "is from a newer schema (revision f00dfeed0042)" in result.output
    assert "备份来自更新的程序版本" in result.output
    assert snapshot(own_app) == before


def test_a_backup_from_an_older_schema_is_restored_and_init_db_upgrades_it(own_app, tmp_path):
    head = revision_of(own_app)
    add_records(own_app)
    directory = own_app.extensions["migrate"].directory
    with own_app.app_context():
        downgrade(directory=directory, revision=OLDER_REVISION)
    file = tmp_path / "older.backup"
    assert invoke(own_app, "backup", str(file)).exit_code == 0
    with own_app.app_context():
        upgrade(directory=directory)
        db.session.remove()

    result = invoke(own_app, "restore", "--yes", str(file))
    assert result.exit_code == 0, result.output
    assert f"the backup's schema is older ({OLDER_REVISION})" in result.output
    assert "flask --app app init-db" in result.output
    assert revision_of(own_app) == OLDER_REVISION

    assert invoke(own_app, "init-db").exit_code == 0
    assert revision_of(own_app) == head
    assert scalars(own_app, select(User.name).order_by(User.name)) == [
        "chen.ambassador",
        "li.staff",
    ]


def test_a_backup_without_a_schema_revision_is_refused(own_app, tmp_path):
    add_records(own_app)
    execute(own_app, "DROP TABLE alembic_version")
    file = tmp_path / "unversioned.backup"
    assert invoke(own_app, "backup", str(file)).exit_code == 0
    execute(own_app, "DELETE FROM enterprise_tags WHERE tag = 'listed'")
    before = snapshot(own_app)

    result = invoke(own_app, "restore", "--yes", str(file))
    assert result.exit_code == 1
    assert "has no schema revision (alembic_version): not an InvestAtlas backup" in result.output
    assert snapshot(own_app) == before


# ---- files that are not backups ----


def test_missing_empty_and_foreign_files_are_refused(own_app, tmp_path):
    add_records(own_app)
    before = snapshot(own_app)
    empty = tmp_path / "empty.backup"
    empty.touch()
    text_file = tmp_path / "notes.txt"
    text_file.write_text("这不是备份 / not a backup\n", encoding="utf-8")
    other_kind = tmp_path / "other-kind.backup"
    if on_sqlite(own_app):
        other_kind.write_bytes(b"PGDMP\x01\x0e\x00")  # how a pg_dump custom-format file begins
        wrong_kind = "is a PostgreSQL dump, but the database is SQLite"
        not_a_backup = "not a SQLite backup"
    else:
        with closing(sqlite3.connect(other_kind)) as connection:
            connection.execute("CREATE TABLE t (x)")
        wrong_kind = "is a SQLite backup, but the database is PostgreSQL"
        not_a_backup = "not a PostgreSQL custom-format dump"
    cases = {
        tmp_path / "absent.backup": "文件不存在 / no such file",
        empty: "文件为空，不是备份 / empty file, not a backup",
        text_file: not_a_backup,
        other_kind: wrong_kind,
    }
    for file, message in cases.items():
        result = invoke(own_app, "restore", "--yes", str(file))
        assert result.exit_code == 1, file
        assert message in result.output and str(file) in result.output, result.output
    assert snapshot(own_app) == before


def test_a_sqlite_backup_failing_the_integrity_check_is_refused(sqlite_app, tmp_path):
    add_records(sqlite_app)
    file = tmp_path / "corrupt.backup"
    assert invoke(sqlite_app, "backup", str(file)).exit_code == 0
    # Declare the name index as one on name_initials: its stored entry no longer matches row 1.
    with closing(sqlite3.connect(file, isolation_level=None)) as copy:
        copy.execute("PRAGMA writable_schema = ON")
        copy.execute(
            "UPDATE sqlite_master SET sql = replace(sql, '(name)', '(name_initials)')"
            " WHERE name = 'ix_enterprises_name'"
        )
    execute(sqlite_app, "DELETE FROM enterprise_tags")
    before = snapshot(sqlite_app)

    result = invoke(sqlite_app, "restore", "--yes", str(file))
    assert result.exit_code == 1
    assert "fails PRAGMA integrity_check: row 1 missing from index ix_enterprises_name" in (
        result.output
    )
    assert snapshot(sqlite_app) == before


def test_a_sqlite_backup_is_one_file_and_never_the_database_itself(sqlite_app, tmp_path):
    add_records(sqlite_app)
    file = tmp_path / "one-file.backup"
    assert invoke(sqlite_app, "backup", str(file)).exit_code == 0
    assert sorted(path.name for path in tmp_path.glob("one-file.backup*")) == ["one-file.backup"]
    with closing(sqlite3.connect(file)) as copy:
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        assert copy.execute("SELECT count(*) FROM users").fetchone() == (2,)

    database = tmp_path / "own.db"
    result = invoke(sqlite_app, "backup", str(database))
    assert result.exit_code == 1 and "the backup cannot be the database" in result.output


def test_restore_replaces_the_database_whole_even_tables_the_backup_lacks(own_app, tmp_path):
    """The database becomes the backup: a table made since (by a newer migration, say) goes
    too, on PostgreSQL as on SQLite, where the file is replaced whole."""
    add_records(own_app)
    saved = snapshot(own_app)
    file = tmp_path / "saved.backup"
    assert invoke(own_app, "backup", str(file)).exit_code == 0
    execute(own_app, "CREATE TABLE notes_kept_elsewhere (id INTEGER PRIMARY KEY)")
    try:
        result = invoke(own_app, "restore", "--yes", str(file))
        assert result.exit_code == 0, result.output
        assert snapshot(own_app) == saved
    finally:
        execute(own_app, "DROP TABLE IF EXISTS notes_kept_elsewhere")


# ---- PostgreSQL's client programs ----


def test_missing_pg_dump_and_pg_restore_are_named_with_what_to_install(tmp_path):
    """The programs are looked up before any connection, so an unreachable server will do."""
    app = make_app("postgresql+psycopg://nobody@127.0.0.1:1/nowhere", tmp_path)
    app.config["PG_DUMP"] = str(tmp_path / "no-pg_dump")
    app.config["PG_RESTORE"] = str(tmp_path / "no-pg_restore")

    result = invoke(app, "backup", str(tmp_path / "never.backup"))
    assert result.exit_code == 1
    assert (
        f"pg_dump not found ({tmp_path / 'no-pg_dump'}): install PostgreSQL's client programs "
        "(Debian: apt-get install postgresql-client)"
    ) in result.output
    assert "找不到 pg_dump" in result.output
    assert not (tmp_path / "never.backup").exists()

    dump = tmp_path / "saved.backup"
    dump.write_bytes(b"PGDMP\x01\x0e\x00")
    result = invoke(app, "restore", "--yes", str(dump))
    assert result.exit_code == 1
    assert f"pg_restore not found ({tmp_path / 'no-pg_restore'})" in result.output


def test_an_in_memory_database_has_no_file_to_back_up(tmp_path):
    app = make_app("sqlite://", tmp_path)
    result = invoke(app, "backup", str(tmp_path / "memory.backup"))
    assert result.exit_code == 1 and "an in-memory database has no file" in result.output
