"""Issuing the 周调度 sheet: staff write the week's note per project on the draft, then issue it.

Issuing stores the sheet as it then was (crm.reports.weekly.to_dict, notes included) in the
WeeklySheet row, and from then on the sheet of that week and scope is that frozen copy: later
changes to projects, progress or notes never alter it. Issuing the same week and scope again is
refused: the issued sheet is the record of what went to the leaders, and a correction belongs
in the next week's sheet (or its notes), where it is dated and seen.

Notes carry a version each (two people on different projects never collide; on the same one
the second is told), and every note saved bumps the sheet's version, so issuing a sheet whose
notes changed since the issuer loaded it is refused as a conflict too."""

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm.clock import city_today
from crm.models import WeeklyNote, WeeklySheet
from crm.models.base import utcnow
from crm.reports import ReportParams, check_scope
from crm.reports import weekly as weekly_report
from crm.services import audit, records
from crm.services.errors import StaleVersion, ValidationError
from crm.services.projects import get_project

WRITE = "project.write"
MAX_NOTE = 2000


def sheet_for(session: Session, week_start: date, scope) -> WeeklySheet | None:
    return session.scalar(
        select(WeeklySheet).where(
            WeeklySheet.week_start == week_start, WeeklySheet.scope == str(scope)
        )
    )


def attach_notes(session: Session, report, sheet: WeeklySheet) -> None:
    """The draft's notes onto the computed sheet's rows."""
    notes = {note.project_id: note for note in sheet.notes}
    for row in report.rows:
        note = notes.get(row.project_id)
        if note is not None:
            row.note, row.note_version = note.text, note.version
    report.sheet_id, report.sheet_version = sheet.id, sheet.version


def issued_report(sheet: WeeklySheet):
    report = weekly_report.from_dict(sheet.frozen)
    report.sheet_id, report.sheet_version = sheet.id, sheet.version
    return report


def _week_params(params: ReportParams) -> tuple[date, date]:
    week_start, week_end = weekly_report.week_of(params.as_of)
    if week_start > city_today():
        raise ValidationError({"as_of": [_("不能为尚未开始的一周填写或印发周调度。")]})
    return week_start, week_end


def _draft(session: Session, params: ReportParams, actor) -> WeeklySheet:
    """The week's sheet for the scope, made on its first note; refused once issued."""
    check_scope(session, actor, params.scope)
    records.require(actor, WRITE)
    week_start, _week_end = _week_params(params)
    sheet = sheet_for(session, week_start, params.scope)
    if sheet is None:
        sheet = WeeklySheet(
            week_start=week_start,
            scope=str(params.scope),
            scope_label=str(params.scope.label),
            created_by_id=records.actor_id(actor),
        )
        try:
            with session.begin_nested():
                session.add(sheet)
                session.flush()
        except IntegrityError as error:  # another writer began it this instant
            raise StaleVersion from error
    if sheet.issued_at is not None:
        raise ValidationError({"sheet": [_("本周调度表已印发，不能再修改。")]})
    return sheet


def save_note(
    session: Session,
    actor,
    params: ReportParams,
    project_id: int,
    text: str,
    expected_version: int | None,
) -> WeeklyNote:
    """Write (or clear) the week's note on a project the actor may read; `expected_version` is
    the note's version the writer saw (None: they saw no note)."""
    text = (text or "").strip()
    if len(text) > MAX_NOTE:
        raise ValidationError({"note": [_("说明最多 %(count)d 个字。", count=MAX_NOTE)]})
    sheet = _draft(session, params, actor)
    project = get_project(session, project_id, actor)
    note = session.scalar(
        select(WeeklyNote).where(
            WeeklyNote.sheet_id == sheet.id, WeeklyNote.project_id == project.id
        )
    )
    with records.stale_as_conflict():
        if note is None:
            if expected_version is not None:
                raise StaleVersion
            note = WeeklyNote(
                sheet=sheet, project_id=project.id, text=text, created_by_id=records.actor_id(actor)
            )
            session.add(note)
            audit.record_create(session, note, records.actor_id(actor))
        else:
            records.check_version(note, expected_version)
            note.text = text
            audit.record_update(session, note, records.actor_id(actor))
        records.touch(sheet)
        session.flush()
    return note


def issue(session: Session, actor, params: ReportParams, expected_version: int | None):
    """Freeze the week's sheet as it is now (as of today, or the week's Sunday if past) with its
    notes; `expected_version` is the sheet's version the issuer saw (None: no draft yet)."""
    sheet = _draft(session, params, actor) if expected_version is not None else None
    if sheet is None:
        week_start, _week_end = _week_params(params)
        if sheet_for(session, week_start, params.scope) is not None:
            raise StaleVersion  # someone began (or issued) the sheet since the issuer looked
        sheet = _draft(session, params, actor)
    else:
        records.check_version(sheet, expected_version)
    week_start, week_end = _week_params(params)
    as_of = min(city_today(), week_end)
    report = weekly_report.compute(session, actor, ReportParams(as_of, params.scope))
    attach_notes(session, report, sheet)
    issued_at = utcnow()
    report.issued_at = issued_at
    report.issued_by = actor.label if actor is not None else None
    with records.stale_as_conflict():
        sheet.frozen = weekly_report.to_dict(report)
        sheet.issued_at = issued_at
        sheet.issued_by_id = records.actor_id(actor)
        audit.record_value(
            session, "update", sheet, "issued_at", None, issued_at.isoformat(),
            records.actor_id(actor),
        )  # fmt: skip
        session.flush()
    return issued_report(sheet)
