"""Backup and restore of the whole database: SQLite's online backup API, PostgreSQL's pg_dump."""

import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from itertools import takewhile
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Engine

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_CUSTOM_MAGIC = b"PGDMP"
INSTALL_CLIENT = "Debian: apt-get install postgresql-client"


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why, in Chinese and English."""


def backup_database(engine: Engine, path: str | Path, *, pg_dump: str = "pg_dump") -> None:
    """Write a backup of the engine's database to path, safely while the server runs.

    The file appears only when complete (an existing one is replaced), readable by its owner only:
    it holds password hashes and personal data.
    """
    path = Path(path)
    if _kind(engine) == "sqlite":
        database = _sqlite_file(engine)
        if not database.is_file():
            raise BackupError(f"数据库文件不存在 / no database file at {database}")
        if path.exists() and path.samefile(database):
            raise BackupError(
                f"备份文件不能是数据库本身 / the backup cannot be the database: {path}"
            )
        with _written_whole(path) as partial:
            _backup_sqlite(database, partial)
    else:
        program = _program(pg_dump, "pg_dump")
        with _written_whole(path) as partial:
            _pg_run(engine, program, "--format=custom", f"--file={partial}")


def restore_database(
    engine: Engine,
    path: str | Path,
    migrations_directory: str,
    *,
    pg_restore: str = "pg_restore",
    psql: str = "psql",
    before_replacing: Callable[[], None] | None = None,
) -> list[str]:
    """Replace the engine's database with the backup at path, all or nothing; returns the
    backup's schema revisions. Meant for a stopped server.

    The file is checked first: a backup of the database's kind, intact, from a schema this code
    knows. `before_replacing` runs after the checks, before any change (to ask for confirmation;
    raising stops the restore).
    """
    path = Path(path)
    kind = _kind(engine)
    _check_kind(path, kind)
    if kind == "sqlite":
        with _checked_sqlite_backup(path) as backup:
            revisions = _known_revisions(path, _sqlite_revisions(backup), migrations_directory)
            if before_replacing:
                before_replacing()
            _restore_sqlite(backup, _sqlite_file(engine))
    else:
        program, shell = _program(pg_restore, "pg_restore"), _program(psql, "psql")
        revisions = _known_revisions(
            path, _postgresql_revisions(program, path), migrations_directory
        )
        if before_replacing:
            before_replacing()
        # pg_restore --clean drops only what the dump holds, object by object: a table or a
        # key it lacks (one a newer migration made, say) would survive, or block a drop. So
        # every table of the dump's schemas goes first, in the same transaction, and the
        # database becomes the backup, as a SQLite restore replaces the file.
        drops = "".join(
            f'DROP TABLE IF EXISTS "{schema}"."{name}" CASCADE;\n'
            for schema, name in _tables_in_the_dump_schemas(engine, program, path)
        )
        script = _call([program, "--clean", "--if-exists", "--no-owner", "--file=-", str(path)])
        _pg_run(
            engine,
            shell,
            "--single-transaction",
            "--set=ON_ERROR_STOP=1",
            "--no-psqlrc",
            "--quiet",
            "--file=-",
            stdin=drops + script,
        )
    return revisions


def schema_heads(migrations_directory: str) -> list[str]:
    """The newest revisions of this code's migrations (what init-db upgrades to)."""
    return list(ScriptDirectory(migrations_directory).get_heads())


# ---- checks shared by both databases ----


def _kind(engine: Engine) -> str:
    kind = engine.dialect.name
    if kind not in ("sqlite", "postgresql"):
        raise BackupError(f"不支持的数据库 / backups support SQLite and PostgreSQL, not {kind}")
    return kind


def _check_kind(path: Path, kind: str) -> None:
    """Refuse a missing or empty file and one that is not a backup of the database's kind."""
    if not path.is_file():
        raise BackupError(f"文件不存在 / no such file: {path}")
    with path.open("rb") as file:
        start = file.read(len(SQLITE_MAGIC))
    if not start:
        raise BackupError(f"文件为空，不是备份 / empty file, not a backup: {path}")
    is_sqlite, is_dump = start == SQLITE_MAGIC, start.startswith(PG_CUSTOM_MAGIC)
    if kind == "sqlite" and is_dump:
        raise BackupError(
            f"这是 PostgreSQL 备份，而数据库是 SQLite / {path} is a PostgreSQL dump, "
            "but the database is SQLite"
        )
    if kind == "postgresql" and is_sqlite:
        raise BackupError(
            f"这是 SQLite 备份，而数据库是 PostgreSQL / {path} is a SQLite backup, "
            "but the database is PostgreSQL"
        )
    if kind == "sqlite" and not is_sqlite:
        raise BackupError(f"不是 SQLite 数据库备份 / not a SQLite backup: {path}")
    if kind == "postgresql" and not is_dump:
        raise BackupError(
            f"不是 pg_dump --format=custom 备份 / not a PostgreSQL custom-format dump: {path}"
        )


def _known_revisions(path: Path, revisions: list[str], migrations_directory: str) -> list[str]:
    """The backup's revisions, unless it has none or one this code's migrations do not know."""
    if not revisions:
        raise BackupError(
            "备份中没有数据库版本（alembic_version），不是招商图谱的备份 / "
            f"{path} has no schema revision (alembic_version): not an InvestAtlas backup"
        )
    known = {script.revision for script in ScriptDirectory(migrations_directory).walk_revisions()}
    unknown = ", ".join(revision for revision in revisions if revision not in known)
    if unknown:
        raise BackupError(
            f"备份来自更新的程序版本（数据库版本 {unknown}），请先升级招商图谱 / "
            f"{path} is from a newer schema (revision {unknown}) than this code knows; "
            "upgrade InvestAtlas first"
        )
    return revisions


@contextmanager
def _written_whole(path: Path) -> Iterator[str]:
    """A temporary file beside path, renamed onto it when the block succeeds, else removed.

    mkstemp creates it readable by the owner only.
    """
    try:
        descriptor, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    except OSError as error:
        raise BackupError(f"无法写入 / cannot write {path}: {error.strerror}") from error
    os.close(descriptor)
    try:
        yield partial
        os.replace(partial, path)
    finally:
        Path(partial).unlink(missing_ok=True)


# ---- SQLite ----


def _sqlite_file(engine: Engine) -> Path:
    if engine.url.database in (None, "", ":memory:"):
        raise BackupError("内存数据库没有文件可备份或恢复 / an in-memory database has no file")
    return Path(engine.url.database)


def _backup_sqlite(database: Path, target: str) -> None:
    try:
        with (
            closing(sqlite3.connect(database)) as source,
            closing(sqlite3.connect(target)) as copy,
        ):
            # One step: the whole copy reads one snapshot, which WAL writers do not block.
            source.backup(copy)
            # The copy would inherit WAL mode; in rollback-journal mode it is one file.
            copy.execute("PRAGMA journal_mode = DELETE")
    except sqlite3.Error as error:
        raise BackupError(f"备份失败 / backup failed: {error}") from error


@contextmanager
def _checked_sqlite_backup(path: Path) -> Iterator[sqlite3.Connection]:
    """The backup opened read-only, once PRAGMA integrity_check passes."""
    with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as backup:
        try:
            problems = [row[0] for row in backup.execute("PRAGMA integrity_check")]
        except sqlite3.Error as error:
            raise BackupError(f"无法读取备份 / cannot read {path} as SQLite: {error}") from error
        if problems != ["ok"]:
            raise BackupError(
                f"备份文件已损坏 / {path} fails PRAGMA integrity_check: {'; '.join(problems[:3])}"
            )
        yield backup


def _sqlite_revisions(backup: sqlite3.Connection) -> list[str]:
    has_table = backup.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
    ).fetchone()
    if not has_table:
        return []
    return [row[0] for row in backup.execute("SELECT version_num FROM alembic_version")]


def _restore_sqlite(backup: sqlite3.Connection, database: Path) -> None:
    try:
        with closing(sqlite3.connect(database)) as target:
            # One step, one write transaction on the target: replaced whole or not at all.
            backup.backup(target)
    except sqlite3.Error as error:
        raise BackupError(
            f"恢复失败，数据库未改动 / restore failed, the database is unchanged: {error}"
        ) from error


# ---- PostgreSQL ----


def _program(configured: str, name: str) -> str:
    found = shutil.which(configured)
    if found is None:
        raise BackupError(
            f"找不到 {name}（{configured}），请安装 PostgreSQL 客户端（{INSTALL_CLIENT}）/ "
            f"{name} not found ({configured}): install PostgreSQL's client programs "
            f"({INSTALL_CLIENT})"
        )
    return found


def _pg_run(engine: Engine, program: str, *arguments: str, stdin: str | None = None) -> str:
    """Run pg_dump or psql on the engine's database.

    The connection goes in a libpq connection string without the password, which travels in
    PGPASSWORD (a command line is visible to `ps`); --no-password fails rather than prompt.
    """
    from psycopg.conninfo import make_conninfo

    url = engine.url
    conninfo = make_conninfo(
        dbname=url.database, host=url.host, port=url.port, user=url.username, **url.query
    )
    environment = dict(os.environ)
    if url.password is not None:
        environment["PGPASSWORD"] = url.password
    command = [program, "--no-password", f"--dbname={conninfo}", *arguments]
    return _call(command, environment, stdin)


def _call(command: list[str], environment: dict | None = None, stdin: str | None = None) -> str:
    result = subprocess.run(
        command, input=stdin, capture_output=True, text=True, env=environment, check=False
    )
    if result.returncode != 0:
        name = Path(command[0]).name
        raise BackupError(f"{name} 失败 / {name} failed: {result.stderr.strip()}")
    return result.stdout


def _postgresql_revisions(program: str, path: Path) -> list[str]:
    """alembic_version's rows, read from the dump without a database: its COPY block."""
    script = _call([program, "--data-only", "--table=alembic_version", "--file=-", str(path)])
    lines = iter(script.splitlines())
    for line in lines:
        if line.startswith("COPY ") and ".alembic_version " in line:
            return list(takewhile(lambda row: row != "\\.", lines))
    return []


def _tables_in_the_dump_schemas(engine: Engine, program: str, path: Path) -> list[tuple[str, str]]:
    """(schema, name) of the database's tables in the schemas the dump holds tables of."""
    dumped = set()
    # Entries read "id; oid oid TABLE schema name owner" ("TABLE DATA ..." holds the rows).
    for line in _call([program, "--list", str(path)]).splitlines():
        fields = line.split()
        if len(fields) >= 6 and fields[3] in ("TABLE", "VIEW") and fields[4] != "DATA":
            dumped.add((fields[4], fields[5]))
    with engine.connect() as connection:
        present = connection.execute(
            text(
                "SELECT table_schema, table_name FROM information_schema.tables"
                " WHERE table_schema = ANY(:schemas) AND table_type = 'BASE TABLE'"
            ),
            {"schemas": sorted({schema for schema, _name in dumped})},
        ).all()
    return sorted((schema, name) for schema, name in present)
