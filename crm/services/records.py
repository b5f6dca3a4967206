"""Record work every resource shares: rights, a live record, a page, soft delete, the version
check, unique values and who holds them, collections replaced with their audit diff, and
reference lookups by code."""

from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import Select, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from crm.models.base import utcnow
from crm.permissions import has_right
from crm.schemas.fields import MAX_ID, FieldProblem
from crm.services import audit
from crm.services.errors import Forbidden, NotFound, StaleVersion


def actor_id(actor) -> int | None:
    return actor.id if actor is not None else None


def require(actor, right: str) -> None:
    """Forbidden unless the actor's role holds the right (a missing actor is the system)."""
    if actor is not None and not has_right(actor, right):
        raise Forbidden


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
    """A column a list may be sorted by; keyset pages continue after the last row's value."""

    column: object
    descending: bool = False
    nullable: bool = False


def keyset_page(
    session: Session, statement: Select, keys: Sequence, after: tuple | None, per_page: int
):
    """A page sorted by `keys` (the last unique, such as the id), starting after the row whose
    key values are `after`. Costs the same on the first page and the thousandth.

    All keys run in one direction so the row comparison can use an index."""
    descending = keys[0].descending
    columns = [key.column for key in keys]
    if after is not None:
        bound = tuple_(*columns)
        statement = statement.where(
            bound < tuple_(*after) if descending else bound > tuple_(*after)
        )
    order = [column.desc() if descending else column.asc() for column in columns]
    rows = session.execute(statement.order_by(*order).limit(per_page + 1)).all()
    return rows[:per_page], len(rows) > per_page


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


def touch(record) -> None:
    """Bump updated_at, and with it `version`, when only a collection changed."""
    record.updated_at = utcnow()


def by_code(session: Session, column, code: str | None, unknown: Callable[[str], str]):
    """The row whose `column` is `code`, or None for no code; FieldProblem when unknown."""
    if code is None:
        return None
    row = session.scalar(select(column.class_).where(column == code))
    if row is None:
        raise FieldProblem(unknown(code))
    return row


def by_codes(
    session: Session, statement: Select, column, codes: list[str], unknown: Callable[[str], str]
) -> list:
    """Rows for `codes` in the given order; FieldProblem naming the unknown ones, or those
    found twice (ambiguous)."""
    if not codes:
        return []
    found: dict[str, list] = {}
    for row in session.scalars(statement.where(column.in_(codes))):
        found.setdefault(getattr(row, column.key), []).append(row)
    missing = [code for code in codes if code not in found]
    if missing:
        raise FieldProblem(unknown(", ".join(missing)))
    ambiguous = [code for code in codes if len(found[code]) > 1]
    if ambiguous:
        raise FieldProblem(_("代码不唯一：%(codes)s", codes=", ".join(ambiguous)))
    return [found[code][0] for code in codes]
