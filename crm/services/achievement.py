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
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from crm.models import District, FundsArrival, Lead, Project, ProjectProgress, StageChange, Unit
from crm.services.targets import DISTRICT, UNIT, Owner, targets_by_owner
from crm.vocabulary import PROJECT_POOL, PROJECT_STAGE, TARGET_INDICATOR

STARTED_STAGES = tuple(term.key for term in PROJECT_STAGE if term.pool != "reserve")
COMPLETED_STAGES = tuple(term.key for term in PROJECT_STAGE if term.pool == "in_effect")
POOL_OF = {term.key: term.pool for term in PROJECT_STAGE}
POOL_KEY = {stage: f"pool:{pool}" for stage, pool in POOL_OF.items()}
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
            self.signed_investments.extend(amount)
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
    projects: dict = field(default_factory=dict)  # id → ProjectThen, those there on the day

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


@dataclass(frozen=True, slots=True)
class ProjectThen:
    """A project as it stood at the end of the day."""

    id: int
    lead_id: int | None
    district_id: int | None
    unit_id: int | None
    leader_id: int
    stage: str
    started: bool  # in a started stage
    counted: bool  # and in the statistics by the day (入库)


def build_ledger(session: Session, as_of: date, start_within_days: int | None = None) -> Ledger:
    """Every owner's tally as of a day; with `start_within_days`, also the signed projects
    that had not started that many days after signing (the deadline falling this year, by
    `as_of`)."""
    return build_ledgers(session, (as_of,), start_within_days)[0]


def build_ledgers(
    session: Session, days: tuple[date, ...], start_within_days: int | None = None
) -> list[Ledger]:
    """The ledgers of several days (the bulletin's day and the previous quarter's end) from
    one read of each table: the stage log is read in SQL (each day's stage and first start
    and completion per project, beside the project's row), projects and signed leads come to
    Python once, the funds and progress are summed in SQL per day. The sums are made per
    (district, unit) pair, then rolled up the district and unit trees."""
    sums = [defaultdict(lambda: defaultdict(int)) for _day in days]
    projects = _project_facts(session, days, sums)
    _signed_leads(session, projects, days, start_within_days, sums)
    _funds(session, days, sums)
    _investment(session, days, sums)
    district_up, unit_up = _ancestors(session, District), _ancestors(session, Unit)
    city_units = frozenset(session.scalars(select(Unit.id).where(Unit.kind == "city_bureau")))
    targets = {year: targets_by_owner(session, year) for year in {day.year for day in days}}
    return [
        Ledger(
            day,
            _rolled_up(day_sums, district_up, unit_up),
            targets[day.year],
            city_units,
            day_projects,
        )
        for day, day_sums, day_projects in zip(days, sums, projects, strict=True)
    ]


def _rolled_up(sums: dict, district_up: dict, unit_up: dict) -> dict[tuple[str, int], Tally]:
    tallies: dict[tuple[str, int], Tally] = defaultdict(Tally)
    for (district_id, unit_id), values in sums.items():
        owners = [CITY]
        owners += [(DISTRICT, owner_id) for owner_id in district_up.get(district_id, ())]
        owners += [(UNIT, owner_id) for owner_id in unit_up.get(unit_id, ())]
        for owner in owners:
            tally = tallies[owner]
            for name, amount in values.items():
                tally.add(name, amount)
    return dict(tallies)


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


def _log_summary(days):
    """Each logged project's stage log read in SQL, per day: the stage it had reached (the
    latest change by the day's end, the later-added on a tie, as crm.services.as_of.stage_on;
    NULL when the log begins after the day), and the first started and completed stage's
    date against the year, as 1 (this year), 0 (before it) or NULL (not by the day)."""
    ranked_columns = [StageChange.project_id, StageChange.to_stage, StageChange.changed_at]
    for index, day in enumerate(days):
        latest_first = (
            case((StageChange.changed_at < day_end(day), 0), else_=1),
            StageChange.changed_at.desc(),
            StageChange.id.desc(),
        )
        ranked_columns.append(
            func.row_number()
            .over(partition_by=StageChange.project_id, order_by=latest_first)
            .label(f"rank_{index}")
        )
    ranked = select(*ranked_columns).where(StageChange.project_id.is_not(None)).subquery()
    changed_at, to_stage = ranked.c.changed_at, ranked.c.to_stage
    columns = [ranked.c.project_id.label("project_id")]
    for index, day in enumerate(days):
        end, year_start = day_end(day), datetime.combine(date(day.year, 1, 1), time())
        latest = (ranked.c[f"rank_{index}"] == 1) & (changed_at < end)
        columns.append(func.max(case((latest, to_stage))).label(f"stage_{index}"))
        this_year = case((changed_at >= year_start, 1), else_=0)
        for name, stages in (("started", STARTED_STAGES), ("completed", COMPLETED_STAGES)):
            reached = case(((changed_at < end) & to_stage.in_(stages), this_year))
            columns.append(func.min(reached).label(f"{name}_{index}"))
    return select(*columns).group_by(ranked.c.project_id).subquery()


def _stage_then(log, index: int):
    """The stage a project had at the end of the index-th day: its log's reading, its current
    stage when it has no log."""
    return case((log.c.project_id.is_not(None), log.c[f"stage_{index}"]), else_=Project.stage)


def _project_facts(session, days, sums) -> list[dict[int, ProjectThen]]:
    """Pools, starts, completions, sizes and 入库: each project read once with each day's
    stage and the reading of its log (_log_summary) beside it."""
    log = _log_summary(days)
    statement = (
        select(
            Project.id,
            Project.lead_id,
            Project.district_id,
            Project.owner_unit_id,
            Project.leader_id,
            Project.total_investment_wan,
            func.coalesce(Project.signed_on, Lead.signed_on),
            Project.started_on,
            Project.completed_on,
            Project.in_statistics,
            Project.in_statistics_on,
            Project.deleted_at,
            log.c.project_id.is_not(None),
            *(_stage_then(log, index) for index in range(len(days))),
            *(
                log.c[f"{name}_{index}"]
                for index in range(len(days))
                for name in ("started", "completed")
            ),
        )
        .outerjoin(Lead, Lead.id == Project.lead_id)
        .outerjoin(log, log.c.project_id == Project.id)
    )
    rows = session.connection().execute(statement).all()
    width = len(days)
    result = []
    for index, (as_of, day_sums) in enumerate(zip(days, sums, strict=True)):
        year_start, end = date(as_of.year, 1, 1), day_end(as_of)
        stage_at, started_at = 13 + index, 13 + width + 2 * index
        projects: dict[int, ProjectThen] = {}
        for row in rows:
            (
                project_id, lead_id, district_id, unit_id, leader_id, total, signed_on,
                started_on, completed_on, in_statistics, in_statistics_on, deleted_at, has_log,
            ) = row[:13]  # fmt: skip
            stage = row[stage_at]
            if stage is None:  # its log begins after the day: it did not exist yet
                continue
            if deleted_at is not None and deleted_at < end:
                continue
            started = stage in STARTED_STAGES
            counted = bool(in_statistics) and in_statistics_on is not None
            counted = counted and in_statistics_on <= as_of
            projects[project_id] = ProjectThen(
                project_id, lead_id, district_id, unit_id, leader_id, stage, started,
                started and counted,
            )  # fmt: skip
            bucket = day_sums[(district_id, unit_id)]
            bucket[POOL_KEY[stage]] += 1
            if started:
                when = _event(started_on, row[started_at], has_log, year_start, as_of)
                if when is None:
                    bucket["undated_starts"] += 1
                elif when:
                    bucket["projects_started"] += 1
            if stage in COMPLETED_STAGES:
                when = _event(completed_on, row[started_at + 1], has_log, year_start, as_of)
                if when is None:
                    bucket["undated_completions"] += 1
                elif when:
                    bucket["projects_completed"] += 1
            if signed_on is not None and year_start <= signed_on <= as_of:
                total = Decimal(total or 0)
                bucket.setdefault("signed_investments", []).append(total)
                bucket["projects_over_100m"] += total >= OVER_100M_WAN
                bucket["projects_over_1b"] += total >= OVER_1B_WAN
            if counted and in_statistics_on >= year_start:
                bucket["projects_in_statistics"] += 1
        result.append(projects)
    return result


def _event(dated, logged_this_year, has_log: bool, year_start: date, as_of: date):
    """Whether a project reached a stage the log has it in this year by `as_of`: by its own
    date if the record gives one (by the day, or any day without a log), else by the day the
    log first shows it (_log_summary's 1 or 0); None when neither can say."""
    if dated is not None and (dated <= as_of or not has_log):
        return year_start <= dated <= as_of
    if logged_this_year is not None:
        return bool(logged_this_year)
    return None


def _signed_leads(session, projects, days, start_within_days, sums) -> None:
    """Signed this year: the count and amount, and the three rates' cohort; with
    `start_within_days`, the leads signed that long before a day of this year up to the day
    whose project had not started by then (or that never became one)."""
    wait = timedelta(days=start_within_days or 0)
    earliest = min(date(day.year, 1, 1) - wait for day in days)
    begun = (
        select(StageChange.lead_id, func.min(StageChange.changed_at).label("first_at"))
        .where(StageChange.lead_id.is_not(None))
        .group_by(StageChange.lead_id)
        .subquery()
    )
    statement = (
        select(
            Lead.district_id,
            Lead.owner_unit_id,
            Lead.signed_on,
            Lead.signed_amount_wan,
            Lead.deleted_at,
            begun.c.first_at,
            Project.id,
        )
        .outerjoin(begun, begun.c.lead_id == Lead.id)
        .outerjoin(Project, Project.lead_id == Lead.id)
        .where(Lead.signed_on >= earliest, Lead.signed_on <= max(days))
    )
    rows = session.connection().execute(statement).all()
    for as_of, day_projects, day_sums in zip(days, projects, sums, strict=True):
        year_start, end = date(as_of.year, 1, 1), day_end(as_of)
        overdue_from, overdue_to = year_start - wait, as_of - wait
        for district_id, unit_id, signed_on, amount, deleted_at, first_at, project_id in rows:
            if signed_on > as_of or (deleted_at is not None and deleted_at < end):
                continue
            if first_at is not None and first_at >= end:  # its log begins after the day
                continue
            project = day_projects.get(project_id)
            if project is not None and project.district_id is not None:
                district_id = project.district_id  # a lead counts where its project landed
            started = project is not None and project.started
            bucket = day_sums[(district_id, unit_id)]
            if signed_on >= year_start:
                bucket["signed"] += 1
                bucket["signed_amount_wan"] += Decimal(amount or 0)
                if project is not None:
                    bucket["landed"] += 1
                    bucket["started"] += started
                    bucket["counted"] += project.counted
            if start_within_days is not None and overdue_from <= signed_on <= overdue_to:
                bucket["signed_not_started"] += not started


def _per_day_sums(amount_column, date_column, days):
    """One SUM per day over the rows dated from that day's 1 January to the day."""
    return [
        func.sum(
            case(
                (date_column.between(date(day.year, 1, 1), day), amount_column),
                else_=0,
            )
        )
        for day in days
    ]


def _log_begun():
    """Each logged project's first stage change."""
    return (
        select(StageChange.project_id, func.min(StageChange.changed_at).label("first_at"))
        .where(StageChange.project_id.is_not(None))
        .group_by(StageChange.project_id)
        .subquery()
    )


def _there(day: date, begun):
    """SQL: the project was there at the end of `day` (as _project_facts reads it): not
    deleted by then, and its stage log, if it has one (`begun`), begun by then."""
    end = day_end(day)
    return (Project.deleted_at.is_(None) | (Project.deleted_at >= end)) & (
        begun.c.first_at.is_(None) | (begun.c.first_at < end)
    )


def _by_place(per_project, amount_columns, days):
    """Each day's sum of per-project amounts over the projects there on the day, from
    `per_project` (by project_id) joined to its project and the start of its log."""
    begun = _log_begun()
    sums = [
        func.sum(case((_there(day, begun), amount), else_=None))
        for day, amount in zip(days, amount_columns, strict=True)
    ]
    joined = per_project.join(Project, Project.id == per_project.c.project_id).outerjoin(
        begun, begun.c.project_id == Project.id
    )
    return sums, joined


def _funds(session, days, sums) -> None:
    """Funds in place this year, summed in SQL per (district, unit) and origin."""
    first, last = min(date(day.year, 1, 1) for day in days), max(days)
    per_project = (
        select(
            FundsArrival.project_id,
            FundsArrival.origin,
            *(
                amount.label(f"amount_{index}")
                for index, amount in enumerate(
                    _per_day_sums(FundsArrival.amount_wan, FundsArrival.arrived_on, days)
                )
            ),
        )
        .where(FundsArrival.arrived_on >= first, FundsArrival.arrived_on <= last)
        .group_by(FundsArrival.project_id, FundsArrival.origin)
        .subquery()
    )
    amounts = [per_project.c[f"amount_{index}"] for index in range(len(days))]
    sums_there, joined = _by_place(per_project, amounts, days)
    statement = (
        select(Project.district_id, Project.owner_unit_id, per_project.c.origin, *sums_there)
        .select_from(joined)
        .group_by(Project.district_id, Project.owner_unit_id, per_project.c.origin)
    )
    for district_id, unit_id, origin, *amounts in session.connection().execute(statement).all():
        for day_sums, amount in zip(sums, amounts, strict=True):
            if not amount:
                continue
            bucket = day_sums[(district_id, unit_id)]
            amount = Decimal(amount)
            bucket["funds_in_place_wan"] += amount
            if origin == "out_of_province":
                bucket["funds_out_of_province_wan"] += amount
            elif origin == "foreign":
                bucket["funds_foreign_wan"] += amount


def _investment(session, days, sums) -> None:
    """Investment completed this year: each project's monthly entries, else its weekly ones
    (whichever it has in the day's window), summed in SQL per (district, unit)."""
    first, last = min(date(day.year, 1, 1) for day in days), max(days)
    progress = ProjectProgress
    per_period = (
        select(
            progress.project_id,
            progress.period,
            *(
                amount.label(f"amount_{index}")
                for index, amount in enumerate(
                    _per_day_sums(progress.investment_period_wan, progress.period_start_on, days)
                )
            ),
            *(
                func.count()
                .filter(progress.period_start_on.between(date(day.year, 1, 1), day))
                .label(f"entries_{index}")
                for index, day in enumerate(days)
            ),
        )
        .where(progress.period_start_on >= first, progress.period_start_on <= last)
        .group_by(progress.project_id, progress.period)
        .subquery()
    )
    c = per_period.c

    def of_period(index: int, period: str):
        chosen = (c.period == period) & (c[f"entries_{index}"] > 0)
        return func.max(case((chosen, c[f"amount_{index}"]), else_=None))

    per_project = (
        select(
            c.project_id,
            *(
                func.coalesce(of_period(index, "month"), of_period(index, "week")).label(
                    f"amount_{index}"
                )
                for index in range(len(days))
            ),
        )
        .group_by(c.project_id)
        .subquery()
    )
    amounts = [per_project.c[f"amount_{index}"] for index in range(len(days))]
    sums_there, joined = _by_place(per_project, amounts, days)
    statement = (
        select(Project.district_id, Project.owner_unit_id, *sums_there)
        .select_from(joined)
        .group_by(Project.district_id, Project.owner_unit_id)
    )
    for district_id, unit_id, *amounts in session.connection().execute(statement).all():
        for day_sums, amount in zip(sums, amounts, strict=True):
            if amount is not None:
                day_sums[(district_id, unit_id)]["investment_completed_wan"] += Decimal(amount)
