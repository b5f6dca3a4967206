"""Record work every resource shares: rights, a live record, a page, soft delete, the version
check, unique values and who holds them, and collections replaced with their audit diff."""

import base64
import binascii
import json
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select, text, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from crm.models.base import utcnow
from crm.permissions import has_right
from crm.schemas.fields import MAX_ID
from crm.services import audit
from crm.services.errors import Forbidden, NotFound, StaleVersion


def actor_id(actor) -> int | None:
    return actor.id if actor is not None else None


def require(actor, right: str, message: str | None = None) -> None:
    """Forbidden (saying `message`) unless the actor's role holds the right (a missing actor is
    the system)."""
    if actor is not None and not has_right(actor, right):
        raise Forbidden(message)


def get_live(session: Session, model, record_id: int, actor, read_right: str):
    """A record that is not deleted, which the actor may read; NotFound otherwise, so a guessed
    id tells nothing."""
    if actor is not None and not has_right(actor, read_right):
        raise NotFound
    if not isinstance(record_id, int) or not 0 < record_id <= MAX_ID:
        raise NotFound
    record = session.get(model, record_id)
    if record is None or getattr(record, "deleted_at", None) is not None:
        raise NotFound
    return record


def numbered_page(session: Session, statement: Select, page: int, per_page: int):
    """Rows of page `page`, and whether another follows: one row more, never a count."""
    rows = session.execute(statement.offset((page - 1) * per_page).limit(per_page + 1)).all()
    return rows[:per_page], len(rows) > per_page


@dataclass(frozen=True)
class SortKey:
    """A column a list may be sorted by, in one direction; the id breaks ties. Rows without a
    value (`nullable`) come after all others, whichever the direction."""

    column: object
    descending: bool = False
    nullable: bool = False

    @property
    def name(self) -> str:
        return self.column.key


def keyset_page(
    session: Session, statement: Select, key: SortKey, id_column, after: tuple | None, per_page: int
):
    """The page after the row whose (sort value, id) is `after`, and whether another follows.

    Each page continues from a value instead of skipping rows (OFFSET), so the thousandth
    page costs what the first does; (value, id) compared as a row can use an index on both."""
    rows = []
    if after is None or after[0] is not None:
        valued = statement.where(key.column.is_not(None)) if key.nullable else statement
        if after is not None:
            valued = valued.where(_beyond(tuple_(key.column, id_column), tuple_(*after), key))
        rows = _ordered(session, valued, key, (key.column, id_column), per_page + 1)
    if key.nullable and len(rows) <= per_page:
        empty = statement.where(key.column.is_(None))
        if after is not None and after[0] is None:
            empty = empty.where(_beyond(id_column, after[1], key))
        rows += _ordered(session, empty, key, (id_column,), per_page + 1 - len(rows))
    return rows[:per_page], len(rows) > per_page


def _beyond(left, right, key: SortKey):
    return left < right if key.descending else left > right


def _ordered(session: Session, statement: Select, key: SortKey, columns, limit: int) -> list:
    order = [column.desc() if key.descending else column.asc() for column in columns]
    return session.execute(statement.order_by(*order).limit(limit)).all()


def cursor_text(key: SortKey, row) -> str:
    """The last row's (sort value, id) as an opaque text for the next page's address."""
    value = getattr(row, key.name)
    shown = value.isoformat() if isinstance(value, datetime) else value
    payload = json.dumps([None if shown is None else str(shown), row.id], ensure_ascii=False)
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def parse_cursor(key: SortKey, text: str | None) -> tuple | None:
    """cursor_text read back; None (the first page) when absent or not one of ours."""
    if not text:
        return None
    try:
        shown, record_id = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        kind = key.column.type.python_type
        if shown is None:
            value = None
        elif kind is datetime:
            value = datetime.fromisoformat(shown)
        else:
            value = kind(shown)
        if not isinstance(record_id, int) or isinstance(record_id, bool):
            return None
        return value, record_id
    except (ValueError, TypeError, ArithmeticError, binascii.Error):
        return None


def capped_count(session: Session, statement: Select, id_column, cap: int) -> int:
    """How many rows the statement finds, counting no further than cap + 1."""
    found = statement.with_only_columns(id_column).order_by(None).limit(cap + 1).subquery()
    return session.scalar(select(func.count()).select_from(found))


def soft_delete(session: Session, record, actor) -> None:
    record.deleted_at = utcnow()
    audit.record_event(session, "delete", record.__tablename__, record.id, actor_id(actor))
    session.flush()


def check_version(record, expected: int) -> None:
    if record.version != expected:
        raise StaleVersion


@contextmanager
def stale_as_conflict():
    """Another writer got in between the version check and the flush: the same 409."""
    try:
        yield
    except StaleDataError as error:
        raise StaleVersion from error


@contextmanager
def unique_conflicts(session: Session, validate_again: Callable[[], object]):
    """Make the changes in the block and flush them in a savepoint; when another writer took a
    unique value since validation, validate again so the caller hears who holds it.

    The unique constraint is the real guard; validating again after it fires finds the holder
    and raises the usual ValidationError instead of an IntegrityError. The savepoint begins
    before the changes, since beginning one flushes what is pending."""
    try:
        with session.begin_nested():
            yield
            session.flush()
    except IntegrityError:
        with session.no_autoflush:
            validate_again()
        raise


def holder_of(session: Session, column, value, excluding_id: int | None, *, live_only: bool):
    """The record that already holds `value` in a unique `column`: (id, name, deleted_at)."""
    model = column.class_
    statement = select(model.id, model.name, model.deleted_at).where(column == value)
    if excluding_id is not None:
        statement = statement.where(model.id != excluding_id)
    if live_only:
        statement = statement.where(model.deleted_at.is_(None))
    return session.execute(statement.order_by(model.id).limit(1)).first()


def replace_collection(
    session: Session,
    record,
    field: str,
    wanted: Iterable,
    key: Callable[[object], str],
    actor,
    action: str = "update",
) -> bool:
    """Make record.<field> hold `wanted` (matched by `key`), keeping the items that stay, and
    write the change as one audit event of sorted keys. Returns whether anything changed."""
    current = list(getattr(record, field))
    wanted = list(wanted)
    old_keys, new_keys = sorted(map(key, current)), sorted(map(key, wanted))
    if old_keys == new_keys:
        return False
    kept = {key(item): item for item in current}
    setattr(record, field, [kept.get(key(item), item) for item in wanted])
    audit.record_value(
        session, action, record, field, _joined(old_keys), _joined(new_keys), actor_id(actor)
    )
    return True


def _joined(keys: list[str]) -> str | None:
    return ",".join(keys) or None


@dataclass(frozen=True)
class EditConflict:
    """A save refused because someone else saved first, seen field by field (values as JSON)."""

    theirs: list[str]  # fields the other person changed
    clashing: list[str]  # ... that this user changed too, to something else
    kept: list[str]  # fields only this user changed: their edit can stand


def edit_conflict(original: dict, current: dict, submitted: dict) -> EditConflict:
    """Compare what the user loaded, what the record is now, and what the user sent."""
    fields = [key for key in sorted(current) if key in original]
    theirs = [key for key in fields if current[key] != original[key]]
    mine = [key for key in fields if submitted.get(key, original[key]) != original[key]]
    return EditConflict(
        theirs=theirs,
        clashing=[key for key in theirs if key in mine and submitted[key] != current[key]],
        kept=[key for key in mine if key not in theirs],
    )


def reserve_ids(session: Session, table, count: int) -> list[int]:
    """Ids for rows about to be inserted in bulk, so rows that refer to them can be written too
    (RETURNING would make SQLite insert one row at a time). PostgreSQL takes them from the
    table's sequence, so concurrent writers never collide; SQLite's writer holds the lock."""
    if count == 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        return list(
            session.scalars(
                text(
                    "SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"
                ),
                {"table": table.name, "n": count},
            )
        )
    start = (session.scalar(select(func.max(table.c.id))) or 0) + 1
    return list(range(start, start + count))


def touch(record) -> None:
    """Bump updated_at, and with it `version`, when only a collection changed."""
    record.updated_at = utcnow()
