"""The home dashboard's figures (领导驾驶舱), computed from the database as of a day, kept per
process until the data they read changes, and the charts' data made from them."""

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from crm.models import (
    ChainDataVersion,
    ChainSegment,
    District,
    Enterprise,
    FiguresVersion,
    FundsArrival,
    Lead,
    Project,
    StageChange,
    enterprise_segments,
)
from crm.services.as_of import stage_on
from crm.services.projects import segment_links
from crm.services.scope import Scope, scope_of, scoped
from crm.vocabulary import LEAD_STAGE, PROJECT_POOL, PROJECT_STAGE, SECTOR

STARTED_STAGES = tuple(term.key for term in PROJECT_STAGE if term.pool != "reserve")
# The three headline rates and the keys of their targets (crm.services.targets).
RATE_TARGETS = (
    ("landing", "landing_rate"),
    ("starting", "starting_rate"),
    ("in_statistics", "in_statistics_rate"),
)


@dataclass(frozen=True)
class Rate:
    """A headline rate: numerator over denominator, None when there is nothing to divide."""

    numerator: int
    denominator: int

    @property
    def percent(self) -> float | None:
        return None if self.denominator == 0 else 100 * self.numerator / self.denominator


@dataclass(frozen=True)
class Share:
    """Projects in one group (a district, a chain segment): how many and their investment."""

    code: str | None  # None: the projects without one
    name: str | None
    name_en: str | None
    count: int
    amount_wan: Decimal


@dataclass(frozen=True)
class Month:
    month: int  # 1-12 of the dashboard's year
    signed_amount_wan: Decimal
    funds_in_place_wan: Decimal
    projects_started: int


@dataclass(frozen=True)
class TopProject:
    id: int
    name: str
    stage: str  # as of the dashboard's day
    total_investment_wan: Decimal
    district: str | None
    district_en: str | None


@dataclass
class Dashboard:
    as_of: date
    leads_by_stage: list[tuple[str, int]] = field(default_factory=list)
    projects_by_pool: list[tuple[str, int, Decimal]] = field(default_factory=list)
    projects_by_sector: list[tuple[str, int, Decimal]] = field(default_factory=list)
    projects_by_district: list[Share] = field(default_factory=list)
    projects_by_segment: list[Share] = field(default_factory=list)
    trend: list[Month] = field(default_factory=list)
    top_projects: list[TopProject] = field(default_factory=list)
    signed_count: int = 0
    signed_amount_wan: Decimal = Decimal(0)
    funds_in_place_wan: Decimal = Decimal(0)
    funds_projects: int = 0  # the projects those funds went to
    # (code, name, English name, count of local enterprises)
    enterprises_by_segment: list[tuple[str, str, str, int]] = field(default_factory=list)
    landing: Rate = Rate(0, 0)  # 签约项目落地率: signed this year → a project exists
    starting: Rate = Rate(0, 0)  # 落地项目开工率: landed → construction started
    in_statistics: Rate = Rate(0, 0)  # 开工项目入库率: started → in the official statistics
    # What callers make of the kept board (the page's rendered figures per language), dropped
    # with it when the data changes.
    derived: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def year(self) -> int:
        return self.as_of.year


def _undeleted_on(model, as_of: date):
    """Not deleted by the end of `as_of` (deleted later, it still counted that day). Whether it
    existed yet is its stage's question (stage_on: NULL before its first stage change)."""
    end = datetime.combine(as_of + timedelta(days=1), time())
    return or_(model.deleted_at.is_(None), model.deleted_at >= end)


def build_dashboard(
    session: Session,
    user,
    as_of: date,
    segment_limit: int = 12,
    today: date | None = None,
    scope: Scope | None = None,
    top_limit: int = 10,
    with_enterprises: bool = True,
) -> Dashboard:
    """Every figure of the home page, computed now (dashboard_for keeps them); leads and
    projects within the user's scope (all of the city's for admins, officials and the city
    bureau; none for staff without a unit).

    Signing, funds and starts count from 1 January up to `as_of`. Stages and pools are as they
    stand, unless `as_of` is before `today`: then each record's stage is the one its stage
    changes had reached by the end of that day (records created later are left out; a record
    without any stage change keeps its stage), one deleted after that day still counts, and
    入库 counts from in_statistics_on. Sector, district, segments and the owner unit (scope) are the records'
    current ones: their history is not dated."""
    scope = scope or scope_of(session, user)
    year_start = date(as_of.year, 1, 1)
    historical = today is not None and as_of < today
    lead_stage = stage_on(Lead, StageChange.lead_id, as_of) if historical else Lead.stage
    project_stage = (
        stage_on(Project, StageChange.project_id, as_of) if historical else Project.stage
    )
    counted = (
        and_(Project.in_statistics, Project.in_statistics_on <= as_of)
        if historical
        else Project.in_statistics
    )
    lead_alive = _undeleted_on(Lead, as_of) if historical else Lead.deleted_at.is_(None)
    project_alive = _undeleted_on(Project, as_of) if historical else Project.deleted_at.is_(None)
    live_leads = scoped(
        select(Lead.id, Lead.signed_on, Lead.signed_amount_wan, lead_stage.label("stage")).where(
            lead_alive, lead_stage.is_not(None)
        ),
        Lead,
        user,
        session,
        scope,
    )
    live_projects = scoped(
        select(
            Project.id,
            Project.name,
            Project.lead_id,
            Project.enterprise_id,
            Project.sector,
            Project.district_id,
            Project.started_on,
            Project.total_investment_wan,
            project_stage.label("stage"),
            counted.label("in_statistics"),
        ).where(project_alive, project_stage.is_not(None)),
        Project,
        user,
        session,
        scope,
    )
    # Each is read once into a temporary result (a CTE materialised by the database as needed).
    leads = live_leads.cte("live_leads")
    projects = live_projects.cte("live_projects")
    board = Dashboard(as_of=as_of)

    stage_counts = dict(
        session.execute(select(leads.c.stage, func.count()).group_by(leads.c.stage)).all()
    )
    board.leads_by_stage = [(key, stage_counts.get(key, 0)) for key in LEAD_STAGE.keys]

    # One pass over the projects: by stage and sector at once.
    pool_of = {term.key: term.pool for term in PROJECT_STAGE}
    pools = {key: [0, Decimal(0)] for key in PROJECT_POOL.keys}
    sectors = {key: [0, Decimal(0)] for key in SECTOR.keys}
    for stage, sector, count, amount in session.execute(
        select(
            projects.c.stage,
            projects.c.sector,
            func.count(),
            func.coalesce(func.sum(projects.c.total_investment_wan), 0),
        ).group_by(projects.c.stage, projects.c.sector)
    ):
        for tally in (pools[pool_of[stage]], sectors[sector]):
            tally[0] += count
            tally[1] += Decimal(amount)
    board.projects_by_pool = [(key, count, amount) for key, (count, amount) in pools.items()]
    board.projects_by_sector = [(key, count, amount) for key, (count, amount) in sectors.items()]

    board.projects_by_district = [
        Share(code, name, name_en, count, Decimal(amount))
        for code, name, name_en, count, amount in session.execute(
            select(
                District.code,
                District.name,
                District.name_en,
                func.count(),
                func.coalesce(func.sum(projects.c.total_investment_wan), 0),
            )
            .select_from(projects)
            .outerjoin(District, District.id == projects.c.district_id)
            .group_by(District.code, District.name, District.name_en)
            .order_by(func.sum(projects.c.total_investment_wan).desc(), District.code)
        )
    ]

    links = segment_links(projects).subquery()
    board.projects_by_segment = [
        Share(code, name, name_en, count, Decimal(amount))
        for code, name, name_en, count, amount in session.execute(
            select(
                ChainSegment.code,
                ChainSegment.name,
                ChainSegment.name_en,
                func.count(),
                func.coalesce(func.sum(projects.c.total_investment_wan), 0),
            )
            .select_from(projects)
            .join(links, links.c.project_id == projects.c.id)
            .join(ChainSegment, ChainSegment.id == links.c.segment_id)
            .group_by(ChainSegment.code, ChainSegment.name, ChainSegment.name_en)
            .order_by(func.sum(projects.c.total_investment_wan).desc(), ChainSegment.code)
            .limit(segment_limit)
        )
    ]

    board.top_projects = [
        TopProject(*row)
        for row in session.execute(
            select(
                projects.c.id,
                projects.c.name,
                projects.c.stage,
                projects.c.total_investment_wan,
                District.name,
                District.name_en,
            )
            .select_from(projects)
            .outerjoin(District, District.id == projects.c.district_id)
            .order_by(projects.c.total_investment_wan.desc(), projects.c.id)
            .limit(top_limit)
        )
    ]

    signed_this_year = and_(leads.c.signed_on >= year_start, leads.c.signed_on <= as_of)
    board.signed_count, board.signed_amount_wan = session.execute(
        select(func.count(), func.coalesce(func.sum(leads.c.signed_amount_wan), 0)).where(
            signed_this_year
        )
    ).one()
    board.funds_in_place_wan, board.funds_projects = session.execute(
        select(
            func.coalesce(func.sum(FundsArrival.amount_wan), 0),
            func.count(func.distinct(FundsArrival.project_id)),
        )
        .join(projects, projects.c.id == FundsArrival.project_id)
        .where(FundsArrival.arrived_on >= year_start, FundsArrival.arrived_on <= as_of)
    ).one()
    board.trend = _trend(session, leads, projects, year_start, as_of)

    cohort = (
        select(
            func.count(leads.c.id),
            func.count(projects.c.id),
            func.count(projects.c.id).filter(projects.c.stage.in_(STARTED_STAGES)),
            func.count(projects.c.id).filter(
                projects.c.stage.in_(STARTED_STAGES), projects.c.in_statistics
            ),
        )
        .select_from(leads)
        .outerjoin(projects, projects.c.lead_id == leads.c.id)
        .where(signed_this_year)
    )
    signed, landed, started, in_statistics = session.execute(cohort).one()
    board.landing = Rate(landed, signed)
    board.starting = Rate(started, landed)
    board.in_statistics = Rate(in_statistics, started)

    if with_enterprises:
        board.enterprises_by_segment = _enterprises_by_segment(session, segment_limit)
    return board


def _month_of(column):
    """The month (1-12) of a date column, on SQLite and PostgreSQL alike."""
    return func.cast(func.extract("month", column), type_=Lead.id.type)


def _trend(session: Session, leads, projects, year_start: date, as_of: date) -> list[Month]:
    """Per month of the year up to `as_of`: the amount signed, the funds that arrived and the
    projects whose construction started (started_on)."""
    signed = dict(
        session.execute(
            select(_month_of(leads.c.signed_on), func.sum(leads.c.signed_amount_wan))
            .where(leads.c.signed_on >= year_start, leads.c.signed_on <= as_of)
            .group_by(_month_of(leads.c.signed_on))
        ).all()
    )
    funds = dict(
        session.execute(
            select(_month_of(FundsArrival.arrived_on), func.sum(FundsArrival.amount_wan))
            .join(projects, projects.c.id == FundsArrival.project_id)
            .where(FundsArrival.arrived_on >= year_start, FundsArrival.arrived_on <= as_of)
            .group_by(_month_of(FundsArrival.arrived_on))
        ).all()
    )
    started = dict(
        session.execute(
            select(_month_of(projects.c.started_on), func.count())
            .where(projects.c.started_on >= year_start, projects.c.started_on <= as_of)
            .group_by(_month_of(projects.c.started_on))
        ).all()
    )
    return [
        Month(
            month,
            Decimal(signed.get(month) or 0),
            Decimal(funds.get(month) or 0),
            started.get(month, 0),
        )
        for month in range(1, as_of.month + 1)
    ]


def _enterprises_by_segment(session: Session, limit: int) -> list[tuple[str, str, str, int]]:
    """Local, live enterprises per chain segment, the most populated first."""
    statement: Select = (
        select(ChainSegment.code, ChainSegment.name, ChainSegment.name_en, func.count())
        .select_from(enterprise_segments)
        .join(ChainSegment, ChainSegment.id == enterprise_segments.c.segment_id)
        .join(Enterprise, Enterprise.id == enterprise_segments.c.enterprise_id)
        .where(Enterprise.deleted_at.is_(None), Enterprise.is_local)
        .group_by(ChainSegment.code, ChainSegment.name, ChainSegment.name_en)
        .order_by(func.count().desc(), ChainSegment.code)
        .limit(limit)
    )
    return [tuple(row) for row in session.execute(statement)]


# ---- kept figures --------------------------------------------------------------------------

KEPT_BOARDS = 64  # the last so many (scope, day) boards each process keeps


@dataclass
class _Kept:
    boards: OrderedDict = field(default_factory=OrderedDict)  # key → (tokens, Dashboard)
    segments: dict = field(default_factory=dict)  # limit → (chain token, rows)
    lock: threading.Lock = field(default_factory=threading.Lock)


_kept: dict[str, _Kept] = {}
_kept_lock = threading.Lock()


def _slot(session: Session) -> _Kept:
    # The database's address keeps two apps of one process (tests) apart.
    ident = session.get_bind().engine.url.render_as_string()
    with _kept_lock:
        return _kept.setdefault(ident, _Kept())


def data_tokens(session: Session) -> tuple[str, str]:
    """The tokens of the figures' version and of the chain data's, read in one statement."""
    figures = select(FiguresVersion.token).where(FiguresVersion.id == 1).scalar_subquery()
    chain = select(ChainDataVersion.token).where(ChainDataVersion.id == 1).scalar_subquery()
    row = session.execute(select(figures, chain)).one()
    return (row[0] or "", row[1] or "")


def dashboard_for(
    session: Session, user, as_of: date, today: date, segment_limit: int = 12
) -> Dashboard:
    """build_dashboard's figures, kept per process while the data they read is unchanged: the
    lead and project figures until figures_version moves (database triggers on leads, projects,
    stage changes, funds, leads' segments, districts) or chain_data_version does (enterprises,
    their segments); the enterprises-by-segment panel, the same for every scope, until the
    chain data's version moves. The versions are read before the data, so a change committed
    in between makes the next request compute again, never keeps old figures under a new
    version."""
    scope = scope_of(session, user)
    tokens = data_tokens(session)
    slot = _slot(session)
    key = (scope.kind, scope.unit_ids, as_of, today, segment_limit)
    with slot.lock:
        kept = slot.boards.get(key)
        if kept is not None and kept[0] == tokens:
            slot.boards.move_to_end(key)
            return kept[1]
        segments = slot.segments.get(segment_limit)
    board = build_dashboard(
        session, user, as_of, segment_limit, today, scope, with_enterprises=False
    )
    if segments is not None and segments[0] == tokens[1]:
        board.enterprises_by_segment = segments[1]
    else:
        board.enterprises_by_segment = _enterprises_by_segment(session, segment_limit)
    with slot.lock:
        slot.segments[segment_limit] = (tokens[1], board.enterprises_by_segment)
        slot.boards[key] = (tokens, board)
        slot.boards.move_to_end(key)
        while len(slot.boards) > KEPT_BOARDS:
            slot.boards.popitem(last=False)
    return board


def forget() -> None:
    """Drop every kept board (benchmarks measure a cold start with it)."""
    with _kept_lock:
        _kept.clear()
