"""What every import shares: the outcome and its row errors, the batch that records who imported
what and how it went, and the progress of imports running in this process."""

import threading
import time
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from crm.models import ImportBatch
from crm.models.base import utcnow
from crm.services import audit, records

# A refused file keeps this many of its errors in its batch; the caller sees them all.
KEPT_ERRORS = 500


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
