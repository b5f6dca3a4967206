"""Report parameters from what a person typed (the page's query, the API's, the command line's):
the as-of day and the scope, each refused with a message naming the field."""

from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.models import District, Unit
from crm.reports import ReportParams, parse_scope
from crm.services.errors import ValidationError
from crm.services.projects import leaders
from crm.services.scope import CITY, NONE, scope_of

# The index page's order, and each kind's period: its one-click links say "this week" and so on.
ORDER = ("weekly", "monthly", "quarterly", "annual")


def parse_as_of(text: str | None, today: date) -> date:
    """YYYY-MM-DD, today when empty; a day after today is refused (its data does not exist)."""
    text = (text or "").strip()
    if not text:
        return today
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValidationError(
            {"as_of": [_("日期“%(text)s”无效，应为 YYYY-MM-DD。", text=text[:40])]}
        ) from None
    if day > today:
        raise ValidationError(
            {
                "as_of": [
                    _(
                        "不能查看未来日期（%(day)s）的报表：今天是 %(today)s。",
                        day=day.isoformat(),
                        today=today.isoformat(),
                    )
                ]
            }
        )
    return day


def parse_params(session: Session, as_of: str | None, scope: str | None, today: date):
    """Both parameters at once, so a caller hears about both mistakes together."""
    errors, day, found = {}, None, None
    try:
        day = parse_as_of(as_of, today)
    except ValidationError as error:
        errors |= error.fields
    try:
        found = parse_scope(session, scope)
    except ValidationError as error:
        errors |= error.fields
    if errors:
        raise ValidationError(errors)
    return ReportParams(day, found)


def period_days(today: date) -> dict[str, tuple[date, date]]:
    """The as-of days of the one-click links per kind: (this period, the last one), the last
    one read as of its final day."""
    week_start = today - timedelta(days=today.weekday())
    month_start = today.replace(day=1)
    quarter_start = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    return {
        "weekly": (today, week_start - timedelta(days=1)),
        "monthly": (today, month_start - timedelta(days=1)),
        "quarterly": (today, quarter_start - timedelta(days=1)),
        "annual": (today, date(today.year - 1, 12, 31)),
    }


def scope_choices(session: Session, actor) -> list[tuple[str, str]]:
    """(value, label) of the scopes the actor may ask for: the whole city, districts, units
    and leaders for the city's users; a unit's staff their district(s) and units, and the
    leaders (whose sheets are cut to the staff member's units)."""
    mine = scope_of(session, actor)
    if mine.kind == NONE:
        return []
    districts = session.execute(
        select(District.id, District.code, District.name).order_by(District.code)
    )
    units = session.execute(select(Unit.id, Unit.name).order_by(Unit.name))
    city = mine.kind == CITY
    choices = [("city", _("全市"))] if city else []
    choices += [
        (f"district:{code}", _("区县：%(name)s", name=name))
        for district_id, code, name in districts
        if city or district_id in mine.district_ids
    ]
    choices += [
        (f"unit:{unit_id}", _("单位：%(name)s", name=name))
        for unit_id, name in units
        if city or unit_id in mine.unit_ids
    ]
    choices += [
        (f"leader:{user_id}", _("领导：%(name)s", name=name)) for user_id, name in leaders(session)
    ]
    return choices


def default_scope(session: Session, actor) -> str:
    """The scope a page opens on: the city, or the staff member's own unit."""
    mine = scope_of(session, actor)
    return "city" if mine.kind == CITY or mine.unit_id is None else f"unit:{mine.unit_id}"


def file_name(key: str, params: ReportParams) -> str:
    """weekly-2026-06-10-district-420302.xlsx: the kind, the day and the scope, ASCII only."""
    scope = str(params.scope).replace(":", "-")
    return f"{key}-{params.as_of.isoformat()}-{scope}.xlsx"
