"""What every import shares: the file's columns matched to the resource's sheet columns, cells
as text and numbers, the outcome and its row errors, the batch that records who imported what
and how it went, and the progress of imports running in this process."""

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from crm.models import ImportBatch
from crm.models.base import utcnow
from crm.schemas.sheets import SheetColumn
from crm.services import audit, records
from crm.spreadsheets import Table, map_headers

# A refused file keeps this many of its errors in its batch; the caller sees them all.
KEPT_ERRORS = 500
CHUNK = 500  # values per IN (…) when reading what a file refers to

ProgressCallback = Callable[[str, int, int], None]


# ---- the file's columns ----


@dataclass(frozen=True)
class ColumnMapping:
    """Which column of the file feeds which sheet column (by key)."""

    columns: dict[str, int]
    unrecognised: dict[int, str]
    duplicates: dict[str, list[int]]


def map_columns(
    table: Table, columns: Mapping[str, SheetColumn], chosen: dict[int, str] | None = None
) -> ColumnMapping:
    """The file's headers matched to the sheet's `columns`; `chosen` (index → key, "" to
    ignore) overrides the automatic match, as the mapping step of the import page does."""
    found = map_headers(table.headers, {key: column.headers for key, column in columns.items()})
    mapped, unrecognised = dict(found.columns), dict(found.unrecognised)
    duplicates = dict(found.duplicates)
    if chosen is not None:
        mapped, unrecognised, duplicates = {}, {}, {}
        for index, key in sorted(chosen.items()):
            if key in columns:
                duplicates.setdefault(key, []).append(index)
                mapped.setdefault(key, index)
            elif index < len(table.headers):
                unrecognised[index] = table.headers[index]
        duplicates = {key: indices for key, indices in duplicates.items() if len(indices) > 1}
    return ColumnMapping(mapped, unrecognised, duplicates)


def mapping_problems(
    mapping: ColumnMapping, columns: Mapping[str, SheetColumn], required: Sequence
) -> list[str]:
    """Why a mapping cannot be imported: a required column missing (an entry of `required`
    may be a tuple of keys, any one of which will do), or one column fed twice."""
    problems = []
    for entry in required:
        keys = entry if isinstance(entry, tuple) else (entry,)
        if not any(key in mapping.columns for key in keys):
            problems.append(
                _(
                    "缺少必需的列：%(column)s",
                    column=_("或").join(columns[key].header for key in keys),
                )
            )
    problems += [
        _("“%(column)s”对应了文件中的多列", column=columns[key].header)
        for key in mapping.duplicates
    ]
    return problems


# ---- cells ----


def cell_text(cell):
    """A cell as text (read_table already took off the apostrophe an export puts before =, +,
    - and @), or None when empty."""
    if isinstance(cell, str):
        return cell
    if isinstance(cell, bool):
        return _("是") if cell else _("否")
    if isinstance(cell, Decimal):
        return format(cell.normalize(), "f")
    return None if cell is None else str(cell)


def cell_number(cell):
    """A cell for a number field: text without thousands separators, or the cell's number."""
    if isinstance(cell, str):
        text = cell.strip().replace(",", "").replace("，", "")
        return text or None
    return cell


def chunks(values: list):
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


@dataclass(frozen=True)
class RowError:
    row: int  # as Excel and WPS number it
    column: str  # the file's header
    message: str


@dataclass
class ImportOutcome:
    row_count: int
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    batch_id: int | None = None

    @property
    def refused(self) -> bool:
        return bool(self.errors)


def record_batch(
    session: Session, kind: str, file_name: str, outcome: ImportOutcome, actor, *, status: str
) -> ImportBatch:
    """The batch row for a finished import (applied or refused), and its audit event."""
    batch = ImportBatch(
        kind=kind,
        file_name=file_name[:255],
        row_count=outcome.row_count,
        created_count=outcome.created,
        updated_count=outcome.updated,
        error_count=len(outcome.errors),
        errors=[vars(error) for error in outcome.errors[:KEPT_ERRORS]] or None,
        status=status,
        finished_at=utcnow(),
        created_by_id=records.actor_id(actor),
    )
    session.add(batch)
    session.flush()
    audit.record_event(session, "import", ImportBatch.__tablename__, batch.id, batch.created_by_id)
    outcome.batch_id = batch.id
    return batch


@dataclass
class Progress:
    """How far an import running in a background thread has got; polled by its page."""

    phase: str = "reading"  # reading, checking, writing, done, failed
    kind: str = "enterprises"  # what is imported: a key of crm.services.import_kinds.KINDS
    done: int = 0
    total: int = 0
    started: float = field(default_factory=time.monotonic)
    outcome: ImportOutcome | None = None
    message: str | None = None  # why it failed, when it did

    def advance(self, phase: str, done: int, total: int) -> None:
        self.phase, self.done, self.total = phase, done, total


class ProgressBoard:
    """The imports this process runs, by token. In memory: a page polls the process that runs
    its import, which holds with one server process (waitress threads, as scripts/serve runs)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._runs: dict[str, tuple[int, Progress]] = {}

    def start(self, token: str, user_id: int) -> Progress:
        progress = Progress()
        with self._lock:
            self._runs[token] = (user_id, progress)
        return progress

    def get(self, token: str, user_id: int) -> Progress | None:
        with self._lock:
            owner, progress = self._runs.get(token, (None, None))
        return progress if owner == user_id else None


BOARD = ProgressBoard()
