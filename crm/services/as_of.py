"""Records as they stood at the end of a past day, read from their dated history.

Reports re-run for a past date must give the numbers they gave on that day, so every figure is
read through the dated rows: the stage log (stage_changes), progress entries (period_start_on),
funds arrivals (arrived_on) and the audit history. Where the history cannot say, the caller
says so rather than guess."""

from datetime import date, datetime, time, timedelta

from sqlalchemy import case, exists, func, select

from crm.models import AuditEvent, StageChange


def stage_on(model, subject_column, as_of: date):
    """The stage a lead or project had at the end of `as_of`, from its stage changes: NULL
    when it had none yet; its current stage when it has no stage change at all."""
    end = datetime.combine(as_of + timedelta(days=1), time())
    reached = (
        select(StageChange.to_stage)
        .where(subject_column == model.id, StageChange.changed_at < end)
        .order_by(StageChange.changed_at.desc(), StageChange.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return case((exists().where(subject_column == model.id), reached), else_=model.stage)


def day_end(as_of: date) -> datetime:
    """The first instant after `as_of`, in the stored time stamps' terms (as stage_on reads
    them): a row stamped before it was known at the end of that day."""
    return datetime.combine(as_of + timedelta(days=1), time())


def values_before(session, entity: str, fields, since: datetime, ids=None) -> dict:
    """{(record id, field): text} of the values `entity`'s records (a table name) had before
    their first audited change at or after `since`: the audit trail keeps each change's old
    value, so a record's field as of a past day is its current value unless changed since, and
    then that first change's old value. Records and fields never changed since are absent."""
    statement = (
        select(AuditEvent.entity_id, AuditEvent.field, AuditEvent.old_value)
        .where(
            AuditEvent.entity == entity,
            AuditEvent.action == "update",
            AuditEvent.at >= since,
            AuditEvent.field.in_(list(fields)),
        )
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    if ids is not None:
        statement = statement.where(AuditEvent.entity_id.in_(list(ids)))
    before: dict = {}
    for entity_id, field, old in session.execute(statement):
        before.setdefault((entity_id, field), old)
    return before


def deleted_since(session, entities, since: datetime) -> int:
    """How many records of these tables were deleted at or after `since`: a past day's report
    cannot show rows that are gone, so it says how many it may be missing."""
    return session.scalar(
        select(func.count()).where(
            AuditEvent.entity.in_(list(entities)),
            AuditEvent.action == "delete",
            AuditEvent.at >= since,
        )
    )
