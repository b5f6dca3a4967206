"""The audit trail: one event per changed field, and one per read of unmasked personal data."""

import json
from datetime import date, datetime
from decimal import Decimal

from flask import has_request_context, request
from sqlalchemy import Column, inspect
from sqlalchemy.orm import Session

from crm.models import AuditEvent

# Never written into the trail, even as "changed".
SECRET_FIELDS = {"password_hash", "token_hash"}
# search_text and search_grams: machine-made from the name and aliases, which are tracked.
UNTRACKED_FIELDS = {
    "created_at",
    "updated_at",
    "version",
    "created_by_id",
    "search_text",
    "search_grams",
}


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, (list, dict)):  # JSON columns (aliases): readable, not Python's repr
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _remote_addr() -> str | None:
    return request.remote_addr if has_request_context() else None


def _tracked_columns(record):
    """Stored columns only: derived ones (the project's pool) follow from others."""
    return [
        attribute
        for attribute in inspect(record).mapper.column_attrs
        if attribute.key not in UNTRACKED_FIELDS and isinstance(attribute.expression, Column)
    ]


def _shown(field: str, value) -> str | None:
    return "***" if field in SECRET_FIELDS else _text(value)


def record_create(session: Session, record, actor_id: int | None) -> None:
    """Flushes first, so the record has its id: one event per column with a value."""
    session.flush()
    for attribute in _tracked_columns(record):
        value = getattr(record, attribute.key)
        if attribute.key != "id" and value is not None:
            record_value(
                session, "create", record, attribute.key, None, _shown(attribute.key, value),
                actor_id,
            )  # fmt: skip


def record_update(session: Session, record, actor_id: int | None) -> list[str]:
    """Call before flush: one event per column whose value changed; returns their names."""
    state = inspect(record)
    changed = []
    for attribute in _tracked_columns(record):
        history = state.attrs[attribute.key].history
        if not history.has_changes():
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        if old == new:
            continue
        record_value(
            session, "update", record, attribute.key, _shown(attribute.key, old),
            _shown(attribute.key, new), actor_id,
        )  # fmt: skip
        changed.append(attribute.key)
    return changed


def record_value(
    session: Session,
    action: str,
    record,
    field: str,
    old_value: str | None,
    new_value: str | None,
    actor_id: int | None,
) -> None:
    """One field's change, as text; also for what no column shows (a many-to-many collection)."""
    _add(session, action, record.__tablename__, record.id, actor_id, field, old_value, new_value)


def record_event(
    session: Session, action: str, entity: str, entity_id: int | None, actor_id: int | None
) -> None:
    """A whole-record event: delete, unmask, login."""
    _add(session, action, entity, entity_id, actor_id)


def _add(session, action, entity, entity_id, actor_id, field=None, old=None, new=None) -> None:
    session.add(
        AuditEvent(
            user_id=actor_id,
            action=action,
            entity=entity,
            entity_id=entity_id,
            field=field,
            old_value=old,
            new_value=new,
            remote_addr=_remote_addr(),
        )
    )
