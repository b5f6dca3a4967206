"""季通报 (the quarterly bulletin): districts and departments ranked on how far they have met
their annual targets, weighted as configured, marked red, yellow or green against the share of
the year gone, with the change since the previous quarter's end; and the fastest and slowest
projects named.

Definitions (the bulletin prints them too):

- An indicator's completion is actual ÷ target (crm.services.achievement), capped at
  `completion.cap` per cent. The weighted completion is the weighted mean of the completions of
  the indicators the owner has a target for (the weights of those scaled to sum to 1).
- Pace (时间进度比) compares a cumulative indicator's completion with the share of the year gone
  by `as_of` (day of the year ÷ days in the year); a rate's completion is its pace. The
  weighted pace gives the mark: ≥ `marks.green` green, ≥ `marks.yellow` yellow, else red.
- The change (环比) is the same computation as of the previous quarter's last day: the weighted
  completion's change in percentage points and the change of rank. Early in the year the
  previous quarter is last year's, against last year's targets.
- A project's speed is its mean delay over the milestones due by `as_of` (planned_on on or
  before it) or done by then: done on actual_on, else still open on `as_of`; days after the
  planned day, negative when ahead. The fastest have the smallest mean delay, the slowest the
  largest; projects without such milestones are not ranked.

The rules live in the TOML file REPORT_QUARTERLY names (data/rubrics/quarterly.toml), checked
at start-up."""

import tomllib
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from flask import current_app, has_app_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import Date, Integer, bindparam, case, cast, func, or_, select
from sqlalchemy.orm import Session

from crm.models import District, Milestone, Project, Unit, User
from crm.reports import ReportKind, ReportParams, check_scope
from crm.reports.workbook import add_sheet, new_workbook, rounded, workbook_bytes
from crm.services.achievement import HUNDRED, RATES, Achievement, Ledger, build_ledgers
from crm.services.scope import CITY_UNIT_KIND, district_subtree_ids, unit_subtree_ids
from crm.services.targets import DISTRICT, UNIT, Owner, owners
from crm.vocabulary import TARGET_INDICATOR

DEFAULT_RULES = "data/rubrics/quarterly.toml"
MARKS = {"green": _l("绿"), "yellow": _l("黄"), "red": _l("红")}


# ---- the rules ----


class _Completion(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cap: Decimal = Field(Decimal(150), gt=0)


class _Marks(BaseModel):
    model_config = ConfigDict(extra="forbid")
    green: Decimal = Field(Decimal(100), gt=0)
    yellow: Decimal = Field(Decimal(80), ge=0)

    @model_validator(mode="after")
    def _ordered(self):
        if self.yellow > self.green:
            raise ValueError("marks.yellow must not be above marks.green")
        return self


class _Projects(BaseModel):
    model_config = ConfigDict(extra="forbid")
    listed: int = Field(5, ge=0, le=50)


class QuarterlyRules(BaseModel):
    """The bulletin's weights, completion cap, mark thresholds and list length."""

    model_config = ConfigDict(extra="forbid")
    weights: dict[str, Decimal]
    completion: _Completion = _Completion()
    marks: _Marks = _Marks()
    projects: _Projects = _Projects()

    @field_validator("weights")
    @classmethod
    def _known(cls, weights: dict[str, Decimal]) -> dict[str, Decimal]:
        unknown = [key for key in weights if key not in TARGET_INDICATOR]
        if unknown:
            raise ValueError(
                f"unknown indicator {', '.join(unknown)}; known: {', '.join(TARGET_INDICATOR.keys)}"
            )
        if any(weight < 0 for weight in weights.values()):
            raise ValueError("weights must not be negative")
        if not any(weight > 0 for weight in weights.values()):
            raise ValueError("at least one weight must be above 0")
        return weights


class RulesFileError(ValueError):
    """A rules or rubric file that cannot be used; the message names the file and the key."""


def load_rules(path: str | Path) -> QuarterlyRules:
    path = Path(path)
    try:
        return _read_rules(str(path), path.stat().st_mtime_ns)
    except OSError as error:
        raise RulesFileError(f"{path}: {error.strerror}") from None


@lru_cache(maxsize=4)
def _read_rules(path: str, _version: int) -> QuarterlyRules:
    try:
        with open(path, "rb") as file:
            return QuarterlyRules.model_validate(tomllib.load(file))
    except (tomllib.TOMLDecodeError, ValueError) as error:
        raise RulesFileError(f"{path}: {error}") from None


def configured(key: str, default: str) -> Path:
    """A data file the app's config names (relative paths from the app's folder)."""
    if has_app_context():
        path = Path(current_app.config.get(key, default))
        return path if path.is_absolute() else Path(current_app.root_path) / path
    return Path(__file__).resolve().parents[2] / default


def current_rules() -> QuarterlyRules:
    return load_rules(configured("REPORT_QUARTERLY", DEFAULT_RULES))


# ---- the bulletin ----


@dataclass(frozen=True)
class Score:
    """One owner's weighted completion and pace as of a day, from its achievement."""

    completion: Decimal | None  # per cent; None without any weighted target
    pace: Decimal | None
    parts: dict[str, Decimal]  # indicator → capped completion used


@dataclass
class Standing:
    owner: Owner
    achievement: Achievement
    score: Score
    rank: int | None = None
    mark: str | None = None  # green, yellow, red
    previous: Score | None = None
    previous_rank: int | None = None

    @property
    def change(self) -> Decimal | None:
        """The weighted completion's change since the previous quarter's end, in points."""
        if self.previous is None or self.previous.completion is None:
            return None
        if self.score.completion is None:
            return None
        return self.score.completion - self.previous.completion

    @property
    def rank_change(self) -> int | None:
        """Places gained since the previous quarter's end (positive: up)."""
        if self.rank is None or self.previous_rank is None:
            return None
        return self.previous_rank - self.rank


@dataclass(frozen=True)
class ProjectSpeed:
    project_id: int
    name: str
    district: str | None
    leader: str | None
    milestones: int  # due or done by as_of
    late: int  # of them, done late or still open past the planned day
    mean_delay_days: Decimal


@dataclass
class QuarterlyReport:
    params: ReportParams
    year: int
    quarter: int
    previous_as_of: date
    elapsed: Decimal  # per cent of the year gone
    rules: QuarterlyRules
    districts: list[Standing] = field(default_factory=list)
    units: list[Standing] = field(default_factory=list)
    fastest: list[ProjectSpeed] = field(default_factory=list)
    slowest: list[ProjectSpeed] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def as_of(self) -> date:
        return self.params.as_of


def quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1


def previous_quarter_end(day: date) -> date:
    """The last day of the quarter before the one `day` is in."""
    first_month = (quarter_of(day) - 1) * 3 + 1
    return date(day.year, first_month, 1) - timedelta(days=1)


def elapsed_share(day: date) -> Decimal:
    """The share of the year gone by the end of `day`, in per cent."""
    start = date(day.year, 1, 1)
    days = (date(day.year + 1, 1, 1) - start).days
    return HUNDRED * Decimal((day - start).days + 1) / Decimal(days)


def score(achievement: Achievement, rules: QuarterlyRules, elapsed: Decimal) -> Score:
    cap = rules.completion.cap
    weighted = paced = total = Decimal(0)
    parts = {}
    for key, weight in rules.weights.items():
        figure = achievement.figures[key]
        if weight <= 0 or not figure.target:
            continue
        completion = figure.completion if figure.completion is not None else Decimal(0)
        completion = min(completion, cap)
        pace = completion if key in RATES else min(HUNDRED * completion / elapsed, cap)
        parts[key] = completion
        weighted += weight * completion
        paced += weight * pace
        total += weight
    if total == 0:
        return Score(None, None, parts)
    return Score(weighted / total, paced / total, parts)


def mark_of(pace: Decimal | None, rules: QuarterlyRules) -> str | None:
    if pace is None:
        return None
    if pace >= rules.marks.green:
        return "green"
    return "yellow" if pace >= rules.marks.yellow else "red"


def _ranked(standings: list[Standing], previous: dict[tuple[str, int], Score]) -> list[Standing]:
    """Ranked by weighted completion (ties share a rank); those without targets last."""
    with_score = sorted(
        (s for s in standings if s.score.completion is not None),
        key=lambda s: (-s.score.completion, s.owner.name),
    )
    rank, last = 0, None
    for index, standing in enumerate(with_score, 1):
        if standing.score.completion != last:
            rank, last = index, standing.score.completion
        standing.rank = rank
    before = sorted(
        ((key, s.completion) for key, s in previous.items() if s.completion is not None),
        key=lambda item: -item[1],
    )
    previous_ranks, rank, last = {}, 0, None
    for index, (key, completion) in enumerate(before, 1):
        if completion != last:
            rank, last = index, completion
        previous_ranks[key] = rank
    for standing in standings:
        key = (standing.owner.kind, standing.owner.id)
        standing.previous = previous.get(key)
        standing.previous_rank = previous_ranks.get(key)
    return with_score + sorted(
        (s for s in standings if s.score.completion is None), key=lambda s: s.owner.name
    )


def _ranked_owners(session: Session) -> dict[str, list[Owner]]:
    """Districts (and zones) and departments; the city bureau stands for the city, not ranked."""
    city = set(session.scalars(select(Unit.id).where(Unit.kind == CITY_UNIT_KIND)))
    return {
        DISTRICT: owners(session, DISTRICT),
        UNIT: [owner for owner in owners(session, UNIT) if owner.id not in city],
    }


def _standings(ledger: Ledger, owner_list, rules, elapsed) -> list[Standing]:
    result = []
    for owner in owner_list:
        achievement = ledger.achievement(owner)
        standing = Standing(owner, achievement, score(achievement, rules, elapsed))
        standing.mark = mark_of(standing.score.pace, rules)
        result.append(standing)
    return result


def _in_scope(session: Session, params: ReportParams, standings: list[Standing], kind: str):
    """The rows a district's or department's bulletin shows (ranks stay the city's)."""
    scope = params.scope
    if scope.kind == "district" and kind == DISTRICT:
        keep = district_subtree_ids(session, scope.id)
    elif scope.kind == "unit" and kind == UNIT:
        keep = unit_subtree_ids(session, scope.id)
    elif scope.kind in ("district", "unit"):
        return []
    else:
        return standings
    return [s for s in standings if s.owner.id in keep]


def build_bulletin(
    session: Session, params: ReportParams, rules: QuarterlyRules
) -> QuarterlyReport:
    as_of = params.as_of
    previous_day = previous_quarter_end(as_of)
    report = QuarterlyReport(
        params=params,
        year=as_of.year,
        quarter=quarter_of(as_of),
        previous_as_of=previous_day,
        elapsed=elapsed_share(as_of),
        rules=rules,
    )
    ledger, earlier = build_ledgers(session, (as_of, previous_day))
    earlier_elapsed = elapsed_share(previous_day)
    groups = _ranked_owners(session)
    for kind, owner_list in groups.items():
        now = _standings(ledger, owner_list, rules, report.elapsed)
        then = {
            (owner.kind, owner.id): score(earlier.achievement(owner), rules, earlier_elapsed)
            for owner in owner_list
        }
        ranked = _in_scope(session, params, _ranked(now, then), kind)
        if kind == DISTRICT:
            report.districts = ranked
        else:
            report.units = ranked
    report.fastest, report.slowest = project_speeds(session, params, rules.projects.listed, ledger)
    report.notes = _notes(report, ledger)
    return report


def _notes(report: QuarterlyReport, ledger: Ledger) -> list[str]:
    notes = [
        _(
            "完成率 = 实际完成 ÷ 全年目标，单项最高计 %(cap)s%%；加权完成率按各项权重（仅计已设目标的指标）加权平均。",
            cap=format(report.rules.completion.cap.normalize(), "f"),
        ),
        _(
            "时间进度：截至 %(day)s 已过全年的 %(share)s%%。累计指标的进度比 = 完成率 ÷ 时间进度，比率指标的进度比即其完成率；加权进度比 ≥ %(green)s%% 为绿，≥ %(yellow)s%% 为黄，其余为红。",
            day=report.as_of.isoformat(),
            share=format(rounded(report.elapsed, 1), "f"),
            green=format(report.rules.marks.green.normalize(), "f"),
            yellow=format(report.rules.marks.yellow.normalize(), "f"),
        ),
        _(
            "环比：与上季末（%(day)s）按同一方法计算的加权完成率之差（百分点）和名次变化。",
            day=report.previous_as_of.isoformat(),
        ),
        _(
            "项目快慢：按截至当日应完成或已完成的节点计划，平均每个节点比计划晚（正）或早（负）的天数；未完成的节点按当日计。无此类节点的项目不参与排序。"
        ),
        _("亿元以上、10亿元以上项目按项目当前总投资额计（历史中无此前的总投资额）。"),
    ]
    city = ledger.tally("city", None)
    if city.undated_starts or city.undated_completions:
        notes.append(
            _(
                "有 %(starts)d 个已开工、%(completions)d 个已竣工的项目既无日期也无阶段记录，无法判断是否在本年，未计入。",
                starts=city.undated_starts,
                completions=city.undated_completions,
            )
        )
    return notes


def project_speeds(
    session: Session, params: ReportParams, listed: int, ledger: Ledger
) -> tuple[list[ProjectSpeed], list[ProjectSpeed]]:
    """The `listed` fastest and slowest projects of the scope, by mean milestone delay; only
    projects there on the day (the ledger's) count."""
    as_of = params.as_of
    if listed == 0:
        return [], []
    shown = _projects_in_scope(session, params, ledger)
    done = Milestone.actual_on.is_not(None) & (Milestone.actual_on <= as_of)
    finished = case((done, Milestone.actual_on), else_=bindparam("as_of", as_of, Date))
    delay = _days_between(session, finished, Milestone.planned_on)
    statement = (
        select(
            Milestone.project_id,
            func.count(),
            func.sum(delay),
            func.sum(case((delay > 0, 1), else_=0)),
        )
        .where(or_(Milestone.planned_on <= as_of, done))
        .group_by(Milestone.project_id)
    )
    # Each project's milestones counted, their days of delay summed, the late ones counted.
    delays: dict[int, tuple[int, int, int]] = {
        project_id: (count, int(total), late)
        for project_id, count, total, late in session.connection().execute(statement).all()
        if project_id in shown
    }
    means = sorted(
        (Decimal(total) / count, project_id) for project_id, (count, total, _late) in delays.items()
    )
    # With fewer than twice `listed` projects, each list takes its half.
    fastest_ids = [project_id for _mean, project_id in means[: min(listed, (len(means) + 1) // 2)]]
    slowest_ids = [
        project_id for _mean, project_id in reversed(means) if project_id not in fastest_ids
    ][:listed]
    names = {
        row.id: row
        for row in session.execute(
            select(Project.id, Project.name, District.name.label("district"),
                   func.coalesce(User.display_name, User.name).label("leader"))
            .outerjoin(District, District.id == Project.district_id)
            .join(User, User.id == Project.leader_id)
            .where(Project.id.in_(fastest_ids + slowest_ids))
        )
    }  # fmt: skip

    def speed(project_id: int) -> ProjectSpeed:
        row, (count, total, late) = names[project_id], delays[project_id]
        return ProjectSpeed(
            project_id, row.name, row.district, row.leader, count, late, Decimal(total) / count
        )

    return [speed(i) for i in fastest_ids], [speed(i) for i in slowest_ids]


def _days_between(session: Session, later, earlier):
    """SQL: the days from one date to another (SQLite keeps dates as text)."""
    if session.get_bind().dialect.name == "sqlite":
        return cast(func.julianday(later) - func.julianday(earlier), Integer)
    return later - earlier


def _projects_in_scope(session: Session, params: ReportParams, ledger: Ledger) -> set[int]:
    scope = params.scope
    projects = ledger.projects.values()
    if scope.kind == "district":
        districts = district_subtree_ids(session, scope.id)
        return {p.id for p in projects if p.district_id in districts}
    if scope.kind == "unit":
        units = unit_subtree_ids(session, scope.id)
        return {p.id for p in projects if p.unit_id in units}
    if scope.kind == "leader":
        return {p.id for p in projects if p.leader_id == scope.id}
    return {p.id for p in projects}


def build(session: Session, actor, params: ReportParams) -> QuarterlyReport:
    check_scope(session, actor, params.scope)
    return build_bulletin(session, params, current_rules())


# ---- out ----


def _number(value: Decimal | None, places: int = 1) -> str | None:
    return None if value is None else format(rounded(value, places), "f")


def _standing_dict(standing: Standing) -> dict:
    return {
        "kind": standing.owner.kind,
        "id": standing.owner.id,
        "name": standing.owner.name,
        "rank": standing.rank,
        "weighted_completion": _number(standing.score.completion),
        "weighted_pace": _number(standing.score.pace),
        "mark": standing.mark,
        "previous_rank": standing.previous_rank,
        "previous_weighted_completion": _number(
            standing.previous.completion if standing.previous else None
        ),
        "change_points": _number(standing.change),
        "indicators": {
            key: {
                "actual": _number(figure.actual, 4),
                "target": _number(figure.target, 4),
                "completion": _number(figure.completion),
                "counted_completion": _number(standing.score.parts.get(key)),
                "note": figure.note,
            }
            for key, figure in standing.achievement.figures.items()
        },
    }


def _speed_dict(speed: ProjectSpeed) -> dict:
    return {
        "project_id": speed.project_id,
        "name": speed.name,
        "district": speed.district,
        "leader": speed.leader,
        "milestones": speed.milestones,
        "late": speed.late,
        "mean_delay_days": _number(speed.mean_delay_days),
    }


def to_dict(report: QuarterlyReport) -> dict:
    return {
        "kind": "quarterly",
        "as_of": report.as_of.isoformat(),
        "scope": str(report.params.scope),
        "year": report.year,
        "quarter": report.quarter,
        "previous_as_of": report.previous_as_of.isoformat(),
        "elapsed_percent": _number(report.elapsed),
        "weights": {key: _number(weight, 2) for key, weight in report.rules.weights.items()},
        "districts": [_standing_dict(standing) for standing in report.districts],
        "units": [_standing_dict(standing) for standing in report.units],
        "fastest_projects": [_speed_dict(speed) for speed in report.fastest],
        "slowest_projects": [_speed_dict(speed) for speed in report.slowest],
        "notes": report.notes,
    }


def _standing_rows(standings: list[Standing]) -> tuple[list[list], list[str | None]]:
    rows, marks = [], []
    for standing in standings:
        figures = standing.achievement.figures
        rows.append(
            [
                standing.rank if standing.rank is not None else "—",
                standing.owner.name,
                rounded(standing.score.completion, 1),
                rounded(standing.score.pace, 1),
                str(MARKS[standing.mark]) if standing.mark else _("未设目标"),
                standing.previous_rank if standing.previous_rank is not None else "—",
                rounded(standing.change, 1),
                *(rounded(figures[key].completion, 1) for key in TARGET_INDICATOR.keys),
            ]
        )
        marks.append(standing.mark)
    return rows, marks


def title(report: QuarterlyReport) -> str:
    return _(
        "%(year)d年第%(quarter)d季度招商引资工作通报", year=report.year, quarter=report.quarter
    )


def subtitle(report: QuarterlyReport) -> str:
    return _(
        "数据截至 %(day)s · 范围：%(scope)s · 时间进度 %(share)s%%",
        day=report.as_of.isoformat(),
        scope=report.params.scope.label or str(report.params.scope),
        share=format(rounded(report.elapsed, 1), "f"),
    )


def to_xlsx(report: QuarterlyReport) -> bytes:
    workbook = new_workbook()
    headers = [
        _("排名"),
        _("名称"),
        _("加权完成率(%)"),
        _("加权进度比(%)"),
        _("标识"),
        _("上季末排名"),
        _("环比(百分点)"),
        *(_("%(indicator)s完成率(%%)", indicator=term.zh) for term in TARGET_INDICATOR),
    ]
    widths = [6, 22, 12, 12, 8, 10, 10, *([12] * len(TARGET_INDICATOR.keys))]
    for name, standings in ((_("区县排名"), report.districts), (_("部门排名"), report.units)):
        rows, marks = _standing_rows(standings)
        add_sheet(
            workbook,
            name,
            title(report),
            subtitle(report),
            headers,
            rows,
            widths=widths,
            mark_column=4,
            marks=marks,
        )
    speed_headers = [
        _("类别"),
        _("项目名称"),
        _("区县"),
        _("责任领导"),
        _("计入节点数"),
        _("滞后节点数"),
        _("平均滞后天数"),
    ]
    speed_rows = [
        [label, s.name, s.district, s.leader, s.milestones, s.late, rounded(s.mean_delay_days, 1)]
        for label, speeds in ((_("最快"), report.fastest), (_("最慢"), report.slowest))
        for s in speeds
    ]
    add_sheet(
        workbook,
        _("项目快慢"),
        title(report),
        subtitle(report),
        speed_headers,
        speed_rows,
        widths=[8, 36, 14, 12, 10, 10, 12],
    )
    notes = add_sheet(
        workbook,
        _("说明"),
        title(report),
        subtitle(report),
        [_("说明")],
        [[n] for n in report.notes],
    )
    notes.column_dimensions["A"].width = 120
    return workbook_bytes(workbook)


KIND = ReportKind(
    key="quarterly",
    title=_l("季通报"),
    build=build,
    to_dict=to_dict,
    to_xlsx=to_xlsx,
    template="reports/quarterly.html",
)
