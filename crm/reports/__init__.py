"""The working rhythm's four reports: 周调度 (weekly), 月督办 (monthly), 季通报 (quarterly) and
年考核 (annual).

One contract for all four. Each kind is a module of this package exposing `KIND`, a ReportKind:
`build(session, actor, params)` returns the report (a plain dataclass), `to_dict(report)` the
JSON the API answers with, `to_xlsx(report)` the workbook's bytes, and `template` the page
/reports/<key> renders it with. The CLI (`flask report <key>`), the API
(/api/v1/reports/<key>) and the pages all read REPORTS, so a kind is declared once.

Every figure is read as of `params.as_of` through dated history (crm.services.as_of), so
re-running a past report today gives the numbers it gave on the day."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.models import District, Unit, User
from crm.services import records
from crm.services.errors import Forbidden, ValidationError
from crm.services.scope import CITY, scope_of

READ = "report.read"
SCOPE_KINDS = ("city", "district", "unit", "leader")


@dataclass(frozen=True)
class ReportScope:
    """Whose report: the whole city, a district (and its zones), a unit (and the units below
    it) or one responsible leader's projects."""

    kind: str  # one of SCOPE_KINDS
    id: int | None = None  # the district's, unit's or leader's id; None for the city
    label: str = ""

    def __str__(self) -> str:
        return "city" if self.kind == "city" else f"{self.kind}:{self.id}"


CITY_WIDE = ReportScope("city", None, _l("全市"))


@dataclass(frozen=True)
class ReportParams:
    as_of: date  # the report is computed as the data stood at the end of this day
    scope: ReportScope = CITY_WIDE


@dataclass(frozen=True)
class ReportKind:
    key: str  # weekly, monthly, quarterly, annual
    title: str  # lazy text: 周调度 …
    build: Callable  # (session, actor, ReportParams) -> report
    to_dict: Callable  # (report) -> dict for JSON
    to_xlsx: Callable  # (report) -> bytes of an .xlsx workbook
    template: str  # the page's template, given `report` and `params`


def parse_scope(session: Session, text: str | None) -> ReportScope:
    """A scope from its text: `city`, `district:<code or id>`, `unit:<id or name>` or
    `leader:<id or user name>`; ValidationError naming what was wrong otherwise."""
    text = (text or "city").strip()
    if text == "city":
        return CITY_WIDE
    kind, _sep, key = text.partition(":")
    key = key.strip()
    if kind not in SCOPE_KINDS or not key:
        raise ValidationError(
            {"scope": [_("范围应为 city、district:<代码>、unit:<编号> 或 leader:<用户名>。")]}
        )
    if kind == "district":
        found = session.scalar(
            select(District).where((District.code == key) | (District.id == _int_or_none(key)))
        )
        if found is not None:
            return ReportScope("district", found.id, found.name)
    elif kind == "unit":
        found = session.scalar(
            select(Unit).where((Unit.name == key) | (Unit.id == _int_or_none(key)))
        )
        if found is not None:
            return ReportScope("unit", found.id, found.name)
    else:
        found = session.scalar(
            select(User).where((User.name == key) | (User.id == _int_or_none(key)))
        )
        if found is not None:
            return ReportScope("leader", found.id, found.display_name or found.name)
    raise ValidationError({"scope": [_("找不到范围 %(scope)s。", scope=text)]})


def _int_or_none(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def check_scope(session: Session, actor, scope: ReportScope) -> None:
    """Forbidden unless the actor may read reports and the scope lies within theirs: the whole
    city for admins, officials and the city bureau; a unit's staff only their unit's district,
    their unit (or one below it) or a leader's projects within them."""
    records.require(actor, READ)
    if actor is None:  # the system: the command line reads the whole city
        return
    mine = scope_of(session, actor)
    if mine.kind == CITY:
        return
    allowed = (
        (scope.kind == "district" and scope.id in mine.district_ids)
        or (scope.kind == "unit" and scope.id in mine.unit_ids)
        or scope.kind == "leader"  # the projects listed are still cut to the actor's scope
    )
    if not allowed:
        raise Forbidden(_("您只能查看本单位范围内的报表。"))


# The four kinds, in the rhythm's order; each module declares its KIND. Imported last: the
# modules import this package's scope and parameter types.
REPORTS: dict[str, ReportKind] = {}

from crm.reports import annual, monthly, quarterly, weekly  # noqa: E402

for _module in (weekly, monthly, quarterly, annual):
    REPORTS[_module.KIND.key] = _module.KIND
