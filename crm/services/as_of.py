"""Records as they stood at the end of a past day, read from their dated history.

Reports re-run for a past date must give the numbers they gave on that day, so every figure is
read through the dated rows: the stage log (stage_changes), progress entries (period_start_on),
funds arrivals (arrived_on) and the audit history. Where the history cannot say, the caller
says so rather than guess."""

from datetime import date, datetime, time, timedelta

from sqlalchemy import case, exists, select

from crm.models import StageChange


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
