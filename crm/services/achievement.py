"""How far each district and department has come towards its annual targets, as of a day.

Every figure runs from 1 January to the end of `as_of` and is read from dated history, so a
past day's figures do not move when the data is edited later:

- signed projects (count, amount): leads by signed_on, if the lead existed by then (its stage
  log had begun, crm.services.as_of.stage_on);
- funds in place: funds_arrivals by arrived_on;
- projects started / completed: a project counts when the stage log has it in a started
  (completed) stage at the end of `as_of` and it got there this year, on its started_on
  (completed_on) when that is set, else on the day the log first shows the stage; a project
  without any stage change is counted on its dates alone;
- projects of ≥ 1亿 / ≥ 10亿: projects signed this year (the project's signed_on, else its
  lead's) by total investment (its current value: the history keeps no earlier one, and the
  report says so);
- investment completed: project_progress by period_start_on (a project's monthly entries when
  it has any this year, else its weekly ones, never both);
- projects in statistics (入库): in_statistics_on;
- the three rates, as the dashboard computes them (crm.services.dashboard): of the leads signed
  this year, those with a project (落地), of those the started ones (开工), of those the ones
  in the statistics (入库).

A district's figures are those of the projects in it and its functional zones; a lead counts
for the district its project is in, else the one it names. A department's figures are those of
the leads and projects its unit and the units below it own (owner_unit_id). Records deleted
after `as_of` still count for it: they were there on the day."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from crm.models import District, FundsArrival, Lead, Project, ProjectProgress, StageChange, Unit
from crm.services.as_of import stage_on
from crm.services.targets import DISTRICT, UNIT, Owner, targets_by_owner
from crm.vocabulary import PROJECT_POOL, PROJECT_STAGE, TARGET_INDICATOR

STARTED_STAGES = tuple(term.key for term in PROJECT_STAGE if term.pool != "reserve")
COMPLETED_STAGES = tuple(term.key for term in PROJECT_STAGE if term.pool == "in_effect")
POOL_OF = {term.key: term.pool for term in PROJECT_STAGE}
OVER_100M_WAN, OVER_1B_WAN = Decimal(10_000), Decimal(100_000)
RATES = {
    "landing_rate": ("landed", "signed"),
    "starting_rate": ("started", "landed"),
    "in_statistics_rate": ("counted", "started"),
}
HUNDRED = Decimal(100)
CITY = ("city", 0)


def day_end(day: date) -> datetime:
    """The first instant after `day`, as stage_on reckons it."""
    return datetime.combine(day + timedelta(days=1), time())


def alive_on(model, as_of: date):
    """Not deleted, or deleted only after the day."""
    return or_(model.deleted_at.is_(None), model.deleted_at >= day_end(as_of))


@dataclass
class Tally:
    """The raw sums of one district, department or the city."""

    signed: int = 0
    signed_amount_wan: Decimal = Decimal(0)
    landed: int = 0
    started: int = 0  # of the landed ones
    counted: int = 0  # of the started ones
    funds_in_place_wan: Decimal = Decimal(0)
    funds_out_of_province_wan: Decimal = Decimal(0)  # of which from out of the province
    funds_foreign_wan: Decimal = Decimal(0)  # of which from abroad
    projects_started: int = 0
    projects_completed: int = 0
    projects_over_100m: int = 0
    projects_over_1b: int = 0
    investment_completed_wan: Decimal = Decimal(0)
    projects_in_statistics: int = 0
    pools: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PROJECT_POOL.keys, 0))
    undated_starts: int = 0  # started by the log's account, with no date to place the start
    undated_completions: int = 0
    # Total investment of each project signed this year (the annual rubric's size bands).
    signed_investments: list[Decimal] = field(default_factory=list)
    signed_not_started: int = 0  # only when the ledger is built with start_within_days

    def add(self, name: str, amount) -> None:
        pool = name.removeprefix("pool:")
        if pool != name:
            self.pools[pool] += amount
        elif name == "signed_investments":
            self.signed_investments.append(amount)
        else:
            setattr(self, name, getattr(self, name) + amount)

    def actual(self, indicator: str) -> Decimal | None:
        if indicator in RATES:
            numerator, denominator = RATES[indicator]
            below = getattr(self, denominator)
            return None if below == 0 else HUNDRED * getattr(self, numerator) / below
        if indicator == "signed_count":
            return Decimal(self.signed)
        return Decimal(getattr(self, indicator))


@dataclass(frozen=True)
class Figure:
    """One indicator: what was achieved, the target, and the completion in per cent (None
    when there is no target, or nothing to divide for a rate)."""

    indicator: str
    actual: Decimal | None
    target: Decimal | None
    note: str | None = None  # what the history could not say

    @property
    def completion(self) -> Decimal | None:
        if self.actual is None or not self.target:
            return None
        return HUNDRED * self.actual / self.target


@dataclass(frozen=True)
class Achievement:
    owner: Owner | None  # None: the city
    as_of: date
    figures: dict[str, Figure]
    tally: Tally


@dataclass
class Ledger:
    """Every district's, department's and the city's tally as of a day, and the year's
    targets; read an owner's figures with `achievement`."""

    as_of: date
    tallies: dict[tuple[str, int], Tally]
    targets: dict[tuple[str, int], dict[str, Decimal]]
    city_unit_ids: frozenset[int] = frozenset()

    def tally(self, kind: str, owner_id: int | None) -> Tally:
        return self.tallies.get(CITY if kind == "city" else (kind, owner_id), Tally())

    def achievement(self, owner: Owner | None) -> Achievement:
        if owner is None:
            tally = self.tallies.get(CITY, Tally())
            targets: dict[str, Decimal] = {}
            for unit_id in self.city_unit_ids:
                targets.update(self.targets.get((UNIT, unit_id), {}))
        else:
            tally = self.tally(owner.kind, owner.id)
            targets = self.targets.get((owner.kind, owner.id), {})
        figures = {
            key: Figure(key, tally.actual(key), targets.get(key), _note(key, tally))
            for key in TARGET_INDICATOR.keys
        }
        return Achievement(owner, self.as_of, figures, tally)


def _note(indicator: str, tally: Tally) -> str | None:
    from flask_babel import gettext as _

    if indicator == "projects_started" and tally.undated_starts:
        return _(
            "另有 %(count)d 个项目已开工但无开工日期、也无阶段记录，未计入",
            count=tally.undated_starts,
        )
    if indicator == "projects_completed" and tally.undated_completions:
        return _(
            "另有 %(count)d 个项目已竣工但无竣工日期、也无阶段记录，未计入",
            count=tally.undated_completions,
        )
    if indicator in ("projects_over_100m", "projects_over_1b"):
        return _("按项目当前总投资额计（历史中无此前的总投资额）")
    if indicator in RATES and tally.actual(indicator) is None:
        return _("无可计算的基数")
    return None


def achievement_of(
    session: Session, as_of: date, district_id: int | None = None, unit_id: int | None = None
) -> Achievement:
    """One district's, one department's or (neither given) the city's figures as of a day."""
    ledger = build_ledger(session, as_of)
    if district_id is not None:
        return ledger.achievement(Owner(DISTRICT, district_id, ""))
    if unit_id is not None:
        return ledger.achievement(Owner(UNIT, unit_id, ""))
    return ledger.achievement(None)


# ---- the ledger: a few grouped queries, then rolled up the district and unit trees ----


def build_ledger(session: Session, as_of: date, start_within_days: int | None = None) -> Ledger:
    """Every owner's tally; with `start_within_days`, also the signed projects that had not
    started that many days after signing (the deadline falling this year, by `as_of`)."""
    year_start = date(as_of.year, 1, 1)
    district_up = _ancestors(session, District)
    unit_up = _ancestors(session, Unit)
    tallies: dict[tuple[str, int], Tally] = defaultdict(Tally)

    def credit(district_id, unit_id, name: str, amount) -> None:
        if not amount and name != "signed_investments":
            return
        tallies[CITY].add(name, amount)
        for owner_id in district_up.get(district_id, ()):
            tallies[(DISTRICT, owner_id)].add(name, amount)
        for owner_id in unit_up.get(unit_id, ()):
            tallies[(UNIT, owner_id)].add(name, amount)

    projects = _projects_as_of(as_of).subquery()
    _signed_leads(session, projects, year_start, as_of, credit)
    _funds(session, projects, year_start, as_of, credit)
    _project_facts(session, projects, year_start, as_of, credit)
    _investment(session, projects, year_start, as_of, credit)
    if start_within_days is not None:
        _not_started(session, projects, year_start, as_of, start_within_days, credit)
    city_units = frozenset(session.scalars(select(Unit.id).where(Unit.kind == "city_bureau")))
    return Ledger(as_of, dict(tallies), targets_by_owner(session, as_of.year), city_units)


def _ancestors(session: Session, model) -> dict[int | None, tuple[int, ...]]:
    """Each row's id with those above it: a zone counts for its county too."""
    parents = dict(session.execute(select(model.id, model.parent_id)).all())
    chains: dict[int | None, tuple[int, ...]] = {}
    for start in parents:
        chain, node, seen = [], start, set()
        while node is not None and node not in seen:
            seen.add(node)
            chain.append(node)
            node = parents.get(node)
        chains[start] = tuple(chain)
    return chains


def _projects_as_of(as_of: date):
    """Projects as they stood at the end of the day: those the stage log had begun (or with no
    log at all), not deleted by then, with their stage then and whether they were in the
    statistics by then."""
    stage = stage_on(Project, StageChange.project_id, as_of)
    return select(
        Project.id,
        Project.lead_id,
        Project.district_id,
        Project.owner_unit_id,
        Project.total_investment_wan,
        Project.signed_on,
        Project.started_on,
        Project.completed_on,
        Project.in_statistics_on,
        stage.label("stage"),
        and_(Project.in_statistics, Project.in_statistics_on <= as_of).label("in_statistics"),
    ).where(alive_on(Project, as_of), stage.is_not(None))


def _signed_leads(session, projects, year_start, as_of, credit) -> None:
    """Signed this year: the count and amount, and the three rates' cohort."""
    lead_stage = stage_on(Lead, StageChange.lead_id, as_of)
    started = projects.c.stage.in_(STARTED_STAGES)
    district = func.coalesce(projects.c.district_id, Lead.district_id)
    statement = (
        select(
            district,
            Lead.owner_unit_id,
            func.count(Lead.id),
            func.coalesce(func.sum(Lead.signed_amount_wan), 0),
            func.count(projects.c.id),
            func.count(projects.c.id).filter(started),
            func.count(projects.c.id).filter(started, projects.c.in_statistics),
        )
        .outerjoin(projects, projects.c.lead_id == Lead.id)
        .where(
            alive_on(Lead, as_of),
            lead_stage.is_not(None),
            Lead.signed_on >= year_start,
            Lead.signed_on <= as_of,
        )
        .group_by(district, Lead.owner_unit_id)
    )
    for district_id, unit_id, signed, amount, landed, started_, counted in session.execute(
        statement
    ):
        credit(district_id, unit_id, "signed", signed)
        credit(district_id, unit_id, "signed_amount_wan", Decimal(amount))
        credit(district_id, unit_id, "landed", landed)
        credit(district_id, unit_id, "started", started_)
        credit(district_id, unit_id, "counted", counted)


def _funds(session, projects, year_start, as_of, credit) -> None:
    statement = (
        select(
            projects.c.district_id,
            projects.c.owner_unit_id,
            FundsArrival.origin,
            func.sum(FundsArrival.amount_wan),
        )
        .join(projects, projects.c.id == FundsArrival.project_id)
        .where(FundsArrival.arrived_on >= year_start, FundsArrival.arrived_on <= as_of)
        .group_by(projects.c.district_id, projects.c.owner_unit_id, FundsArrival.origin)
    )
    for district_id, unit_id, origin, amount in session.execute(statement):
        amount = Decimal(amount or 0)
        credit(district_id, unit_id, "funds_in_place_wan", amount)
        if origin == "out_of_province":
            credit(district_id, unit_id, "funds_out_of_province_wan", amount)
        elif origin == "foreign":
            credit(district_id, unit_id, "funds_foreign_wan", amount)


def _not_started(session, projects, year_start, as_of, days: int, credit) -> None:
    """Leads signed `days` or more before a day of this year up to `as_of` whose project had
    not started by `as_of` (or that had no project at all)."""
    lead_stage = stage_on(Lead, StageChange.lead_id, as_of)
    district = func.coalesce(projects.c.district_id, Lead.district_id)
    earliest, latest = year_start - timedelta(days=days), as_of - timedelta(days=days)
    statement = (
        select(district, Lead.owner_unit_id, func.count(Lead.id))
        .outerjoin(projects, projects.c.lead_id == Lead.id)
        .where(
            alive_on(Lead, as_of),
            lead_stage.is_not(None),
            Lead.signed_on >= earliest,
            Lead.signed_on <= latest,
            or_(projects.c.id.is_(None), projects.c.stage.not_in(STARTED_STAGES)),
        )
        .group_by(district, Lead.owner_unit_id)
    )
    for district_id, unit_id, count in session.execute(statement):
        credit(district_id, unit_id, "signed_not_started", count)


def first_reached(stages: Iterable[str], as_of: date):
    """Per project, the first day the stage log shows it in one of `stages` (by the day's end)."""
    return (
        select(StageChange.project_id, func.min(StageChange.changed_at).label("at"))
        .where(
            StageChange.project_id.is_not(None),
            StageChange.to_stage.in_(tuple(stages)),
            StageChange.changed_at < day_end(as_of),
        )
        .group_by(StageChange.project_id)
    )


def _project_facts(session, projects, year_start, as_of, credit) -> None:
    """Pools, starts, completions, sizes and 入库, one row per project."""
    started_log = first_reached(STARTED_STAGES, as_of).subquery()
    completed_log = first_reached(COMPLETED_STAGES, as_of).subquery()
    logged = select(StageChange.project_id).where(StageChange.project_id == projects.c.id)
    statement = (
        select(
            projects.c.district_id,
            projects.c.owner_unit_id,
            projects.c.stage,
            projects.c.total_investment_wan,
            func.coalesce(projects.c.signed_on, Lead.signed_on),
            projects.c.started_on,
            projects.c.completed_on,
            started_log.c.at,
            completed_log.c.at,
            projects.c.in_statistics,
            projects.c.in_statistics_on,
            logged.exists(),
        )
        .select_from(projects)
        .outerjoin(Lead, Lead.id == projects.c.lead_id)
        .outerjoin(started_log, started_log.c.project_id == projects.c.id)
        .outerjoin(completed_log, completed_log.c.project_id == projects.c.id)
    )
    for (
        district_id,
        unit_id,
        stage,
        total,
        signed_on,
        started_on,
        completed_on,
        started_at,
        completed_at,
        in_statistics,
        in_statistics_on,
        has_log,
    ) in session.execute(statement):
        credit(district_id, unit_id, f"pool:{POOL_OF[stage]}", 1)
        if stage in STARTED_STAGES:
            day = _event_day(started_on, started_at, has_log, as_of)
            if day is None:
                credit(district_id, unit_id, "undated_starts", 1)
            elif year_start <= day <= as_of:
                credit(district_id, unit_id, "projects_started", 1)
        if stage in COMPLETED_STAGES:
            day = _event_day(completed_on, completed_at, has_log, as_of)
            if day is None:
                credit(district_id, unit_id, "undated_completions", 1)
            elif year_start <= day <= as_of:
                credit(district_id, unit_id, "projects_completed", 1)
        if signed_on is not None and year_start <= signed_on <= as_of:
            total = Decimal(total or 0)
            credit(district_id, unit_id, "signed_investments", total)
            credit(district_id, unit_id, "projects_over_100m", int(total >= OVER_100M_WAN))
            credit(district_id, unit_id, "projects_over_1b", int(total >= OVER_1B_WAN))
        if in_statistics and in_statistics_on is not None and in_statistics_on >= year_start:
            credit(district_id, unit_id, "projects_in_statistics", 1)


def _event_day(dated: date | None, logged_at: datetime | None, has_log: bool, as_of: date):
    """When a project reached a stage the log has it in: its own date if the record gives one
    (by the day), else the day the log first shows it; None when neither can say."""
    if dated is not None and dated <= as_of:
        return dated
    if logged_at is not None:
        return logged_at.date()
    if not has_log and dated is not None:
        return dated
    return None


def _investment(session, projects, year_start, as_of, credit) -> None:
    """Investment completed this year: each project's monthly entries, else its weekly ones."""
    statement = (
        select(
            projects.c.id,
            projects.c.district_id,
            projects.c.owner_unit_id,
            ProjectProgress.period,
            func.sum(ProjectProgress.investment_period_wan),
        )
        .join(projects, projects.c.id == ProjectProgress.project_id)
        .where(
            ProjectProgress.period_start_on >= year_start,
            ProjectProgress.period_start_on <= as_of,
        )
        .group_by(
            projects.c.id, projects.c.district_id, projects.c.owner_unit_id, ProjectProgress.period
        )
    )
    sums: dict[int, tuple[int | None, int | None, dict[str, Decimal]]] = {}
    for project_id, district_id, unit_id, period, amount in session.execute(statement):
        entry = sums.setdefault(project_id, (district_id, unit_id, {}))
        entry[2][period] = Decimal(amount or 0)
    for district_id, unit_id, by_period in sums.values():
        amount = by_period.get("month", by_period.get("week", Decimal(0)))
        credit(district_id, unit_id, "investment_completed_wan", amount)
