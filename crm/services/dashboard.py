"""The home dashboard's figures, computed from the database as of a day."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from crm.models import (
    ChainSegment,
    Enterprise,
    FundsArrival,
    Lead,
    Project,
    StageChange,
    enterprise_segments,
)
from crm.services.as_of import stage_on
from crm.services.scope import scoped
from crm.vocabulary import LEAD_STAGE, PROJECT_POOL, PROJECT_STAGE, SECTOR

STARTED_STAGES = tuple(term.key for term in PROJECT_STAGE if term.pool != "reserve")


@dataclass(frozen=True)
class Rate:
    """A headline rate: numerator over denominator, None when there is nothing to divide."""

    numerator: int
    denominator: int

    @property
    def percent(self) -> float | None:
        return None if self.denominator == 0 else 100 * self.numerator / self.denominator


@dataclass
class Dashboard:
    as_of: date
    leads_by_stage: list[tuple[str, int]] = field(default_factory=list)
    projects_by_pool: list[tuple[str, int, Decimal]] = field(default_factory=list)
    projects_by_sector: list[tuple[str, int, Decimal]] = field(default_factory=list)
    signed_count: int = 0
    signed_amount_wan: Decimal = Decimal(0)
    funds_in_place_wan: Decimal = Decimal(0)
    funds_projects: int = 0  # the projects those funds went to
    # (code, name, English name, count of local enterprises)
    enterprises_by_segment: list[tuple[str, str, str, int]] = field(default_factory=list)
    landing: Rate = Rate(0, 0)  # 签约项目落地率: signed this year → a project exists
    starting: Rate = Rate(0, 0)  # 落地项目开工率: landed → construction started
    in_statistics: Rate = Rate(0, 0)  # 开工项目入库率: started → in the official statistics

    @property
    def year(self) -> int:
        return self.as_of.year


def build_dashboard(
    session: Session, user, as_of: date, segment_limit: int = 12, today: date | None = None
) -> Dashboard:
    """Every figure of the home page; leads and projects within the user's scope (all of the
    city's for admins, officials and the city bureau; none for staff without a unit).

    Signing and funds count from 1 January up to `as_of`. Stages and pools are as they stand,
    unless `as_of` is before `today`: then each record's stage is the one its stage changes
    had reached by the end of that day (records created later are left out; a record without
    any stage change keeps its stage), and 入库 counts from in_statistics_on."""
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
    live_leads = scoped(
        select(Lead.id, Lead.signed_on, Lead.signed_amount_wan, lead_stage.label("stage")).where(
            Lead.deleted_at.is_(None), lead_stage.is_not(None)
        ),
        Lead,
        user,
        session,
    )
    live_projects = scoped(
        select(
            Project.id,
            Project.lead_id,
            Project.sector,
            Project.total_investment_wan,
            project_stage.label("stage"),
            counted.label("in_statistics"),
        ).where(Project.deleted_at.is_(None), project_stage.is_not(None)),
        Project,
        user,
        session,
    )
    leads = live_leads.subquery()
    projects = live_projects.subquery()
    board = Dashboard(as_of=as_of)

    stage_counts = dict(
        session.execute(select(leads.c.stage, func.count()).group_by(leads.c.stage)).all()
    )
    board.leads_by_stage = [(key, stage_counts.get(key, 0)) for key in LEAD_STAGE.keys]

    pool_of = {term.key: term.pool for term in PROJECT_STAGE}
    pools = {key: [0, Decimal(0)] for key in PROJECT_POOL.keys}
    for stage, count, amount in session.execute(
        select(projects.c.stage, func.count(), func.sum(projects.c.total_investment_wan)).group_by(
            projects.c.stage
        )
    ):
        pools[pool_of[stage]][0] += count
        pools[pool_of[stage]][1] += amount or 0
    board.projects_by_pool = [(key, count, amount) for key, (count, amount) in pools.items()]

    sectors = {
        sector: (count, amount or Decimal(0))
        for sector, count, amount in session.execute(
            select(
                projects.c.sector, func.count(), func.sum(projects.c.total_investment_wan)
            ).group_by(projects.c.sector)
        )
    }
    board.projects_by_sector = [(key, *sectors.get(key, (0, Decimal(0)))) for key in SECTOR.keys]

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
    signed, landed, started, counted = session.execute(cohort).one()
    board.landing = Rate(landed, signed)
    board.starting = Rate(started, landed)
    board.in_statistics = Rate(counted, started)

    board.enterprises_by_segment = _enterprises_by_segment(session, segment_limit)
    return board


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
