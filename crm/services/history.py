"""A record's history: its audit events, newest first, with the name of who made each."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.models import AuditEvent, User

# Derived from other fields, whose own events already tell the change.
HIDDEN_FIELDS = frozenset({"name_normalised"})


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    who: str | None
    action: str
    field: str | None
    old: str | None
    new: str | None


def history_of(session: Session, entity: str, entity_id: int, limit: int = 300) -> list:
    statement = (
        select(AuditEvent, User.display_name, User.name)
        .outerjoin(User, User.id == AuditEvent.user_id)
        .where(AuditEvent.entity == entity, AuditEvent.entity_id == entity_id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(limit)
    )
    return [
        HistoryEntry(
            event.at, display or name, event.action, event.field, event.old_value, event.new_value
        )
        for event, display, name in session.execute(statement)
        if event.field not in HIDDEN_FIELDS
    ]
