"""Ambassadors' rewards (推荐奖励): what each credited referral earns, year by year, and why.

A referral is credited when staff accepted it into a lead (it is not declined, and not a
duplicate whose credit stays with the first referrer) and that lead's project has landed
(construction or in-effect pool). The reward is the project's, one per project, on its funds
in place (到位资金: the dated FundsArrival rows), shared by the referrals credited on the same
lead in proportion to their credit_share.

Funds that arrive in year Y are rewarded under year Y's rule, as the increase they bring:
R_Y(funds through Y) − R_Y(funds before Y), where R_Y is the rule's bands applied to a project's
funds. So a project's band follows all its funds, and a year's figure depends only on that year
and earlier ones: adding or changing a later year's rule leaves it as it was. The extra
percentage is added to that increase for the projects the rule names; the cap limits what a
project earns over all years (under year Y's cap, less what earlier years paid). A year without
a rule earns nothing and says so; its funds still count towards the project's band later.

Amounts stay exact Decimals until the end: each ambassador's line is rounded to 0.01 万元, and
an ambassador's year total is the sum of those lines, so an approval sheet adds up."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.models import ChainSegment, FundsArrival, Lead, Project, Referral, lead_segments
from crm.services.referrals import LANDED_POOLS
from crm.services.reward_rules import Band, Rule, rules_by_year
from crm.vocabulary import PROJECT_STAGE, PROJECT_TYPE, REFERRAL_STATUS, SECTOR

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
LANDED_STAGES = tuple(term.key for term in PROJECT_STAGE if term.pool in LANDED_POOLS)
# Statuses that carry no credit: not yet handled, declined, or (where the inbox records it)
# a duplicate already known through an earlier referral (where the vocabulary has that status).
UNCREDITED_STATUSES = tuple(
    key for key in ("submitted", "rejected", "known") if key in REFERRAL_STATUS
)


def rounded(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def wan_text(amount: Decimal | None) -> str:
    """1,200 or 4.8: for explanations (the unit is written beside it)."""
    if amount is None:
        return "—"
    return format((amount + 0).normalize(), ",f")


# ---- the bands ----


@dataclass(frozen=True)
class BandPart:
    """One band's part of a computation: `amount_wan` of funds at `per_mille`."""

    low_wan: Decimal
    up_to_wan: Decimal | None
    amount_wan: Decimal
    per_mille: Decimal

    @property
    def reward_wan(self) -> Decimal:
        # Per mille: an exact shift of three places, cheaper than a division.
        return (self.amount_wan * self.per_mille).scaleb(-3)


def band_parts(rule: Rule, funds_wan: Decimal) -> list[BandPart]:
    """How the rule's bands apply to a project's funds: one part (the band the whole amount
    reaches, for `whole`) or one part per band reached (`marginal`). An amount equal to a band's
    upper bound belongs to the next band."""
    parts = []
    low = Decimal(0)
    for band in rule.bands:
        within = band.up_to_wan is None or funds_wan < band.up_to_wan
        if rule.band_method == "marginal":
            top = funds_wan if within else band.up_to_wan
            if top > low or (within and not parts):
                parts.append(BandPart(low, band.up_to_wan, top - low, band.per_mille))
        elif within:
            return [BandPart(low, band.up_to_wan, funds_wan, band.per_mille)]
        if within:
            break
        low = band.up_to_wan
    return parts


def banded_reward(rule: Rule, funds_wan: Decimal) -> Decimal:
    return sum((part.reward_wan for part in band_parts(rule, funds_wan)), Decimal(0))


def band_label(part: BandPart | Band, low: Decimal | None = None) -> str:
    low = part.low_wan if isinstance(part, BandPart) else low
    if part.up_to_wan is None:
        return _("%(low)s 万元及以上", low=wan_text(low))
    if not low:
        return _("%(up_to)s 万元以下", up_to=wan_text(part.up_to_wan))
    return _("%(low)s–%(up_to)s 万元", low=wan_text(low), up_to=wan_text(part.up_to_wan))


# ---- one project, year by year ----


@dataclass(frozen=True)
class Arrival:
    arrived_on: date
    amount_wan: Decimal


@dataclass(frozen=True)
class ProjectFacts:
    """What the computation reads of a project."""

    id: int
    name: str
    lead_id: int
    project_type: str
    sector: str
    segments: frozenset[str]
    arrivals: tuple[Arrival, ...]


@dataclass
class ProjectYear:
    """A project's reward for the funds that arrived in one year, with its explanation."""

    project: ProjectFacts
    year: int
    rule: Rule | None
    arrivals: list[Arrival]  # this year's
    funds_before_wan: Decimal
    funds_through_wan: Decimal
    parts_before: list[BandPart] = field(default_factory=list)
    parts_through: list[BandPart] = field(default_factory=list)
    base_wan: Decimal = Decimal(0)  # R(through) − R(before), never below 0
    bonus_pct: Decimal = Decimal(0)  # 0 when the project is not one the rule names
    bonus_wan: Decimal = Decimal(0)
    paid_before_wan: Decimal = Decimal(0)  # what earlier years' rules gave the project
    capped: bool = False
    reward_wan: Decimal | None = None  # None: no rule for the year

    @property
    def funds_this_year_wan(self) -> Decimal:
        return self.funds_through_wan - self.funds_before_wan

    @property
    def gross_wan(self) -> Decimal:
        return self.base_wan + self.bonus_wan

    @property
    def reason(self) -> str | None:
        if self.rule is None:
            return _("%(year)d 年尚无奖励规则，本年到位资金暂不计算奖励。", year=self.year)
        return None


def bonus_applies(rule: Rule, project: ProjectFacts) -> list[str]:
    """Why the rule's extra applies to the project: the names it matched (none: it does not)."""
    if not rule.bonus_pct:
        return []
    reasons = []
    if project.project_type in rule.bonus_project_types:
        reasons.append(PROJECT_TYPE.label(project.project_type))
    if project.sector in rule.bonus_sectors:
        reasons.append(SECTOR.label(project.sector))
    reasons += sorted(project.segments & rule.bonus_segments)
    return reasons


def project_years(project: ProjectFacts, rules: dict[int, Rule]) -> list[ProjectYear]:
    """The project's reward for each year in which funds arrived, oldest first."""
    by_year: dict[int, list[Arrival]] = defaultdict(list)
    for arrival in sorted(project.arrivals, key=lambda arrival: arrival.arrived_on):
        by_year[arrival.arrived_on.year].append(arrival)
    years = []
    before = Decimal(0)
    paid = Decimal(0)
    for year in sorted(by_year):
        arrivals = by_year[year]
        through = before + sum((arrival.amount_wan for arrival in arrivals), Decimal(0))
        rule = rules.get(year)
        line = ProjectYear(project, year, rule, arrivals, before, through, paid_before_wan=paid)
        if rule is not None:
            _reward(line, rule)
            paid += line.reward_wan
        years.append(line)
        before = through
    return years


def _reward(line: ProjectYear, rule: Rule) -> None:
    line.parts_before = band_parts(rule, line.funds_before_wan) if line.funds_before_wan else []
    line.parts_through = band_parts(rule, line.funds_through_wan)
    reward_before = sum((part.reward_wan for part in line.parts_before), Decimal(0))
    reward_through = sum((part.reward_wan for part in line.parts_through), Decimal(0))
    line.base_wan = max(reward_through - reward_before, Decimal(0))
    if bonus_applies(rule, line.project):
        line.bonus_pct = rule.bonus_pct
        line.bonus_wan = line.base_wan * rule.bonus_pct / HUNDRED
    reward = line.gross_wan
    if rule.cap_wan is not None:
        room = max(rule.cap_wan - line.paid_before_wan, Decimal(0))
        if reward > room:
            reward, line.capped = room, True
    line.reward_wan = reward


def explain(line: ProjectYear) -> list[str]:
    """The project's figure for the year, step by step, in words an approver reads."""
    steps = [
        _(
            "%(year)d 年到位资金：%(items)s，合计 %(total)s 万元；此前累计 %(before)s 万元，"
            "累计至本年末 %(through)s 万元。",
            year=line.year,
            items="；".join(
                f"{arrival.arrived_on.isoformat()} {wan_text(arrival.amount_wan)} 万元"
                for arrival in line.arrivals
            ),
            total=wan_text(line.funds_this_year_wan),
            before=wan_text(line.funds_before_wan),
            through=wan_text(line.funds_through_wan),
        )
    ]
    rule = line.rule
    if rule is None:
        return [*steps, line.reason]
    method = _("全额按所在档费率") if rule.band_method == "whole" else _("超额累进，分段计算")
    steps.append(
        _("按 %(year)d 年规则（%(method)s）：", year=rule.year, method=method)
        + _(
            "累计 %(funds)s 万元 → %(parts)s = %(reward)s 万元",
            funds=wan_text(line.funds_through_wan),
            parts=" + ".join(_part_text(part) for part in line.parts_through),
            reward=wan_text(_total(line.parts_through)),
        )
    )
    if line.parts_before:
        steps.append(
            _(
                "减去此前累计 %(funds)s 万元按同一规则应得 %(parts)s = %(reward)s 万元，"
                "本年增加 %(base)s 万元。",
                funds=wan_text(line.funds_before_wan),
                parts=" + ".join(_part_text(part) for part in line.parts_before),
                reward=wan_text(_total(line.parts_before)),
                base=wan_text(line.base_wan),
            )
        )
    names = bonus_applies(rule, line.project)
    if line.bonus_wan:
        steps.append(
            _(
                "额外奖励 %(pct)s%%（%(names)s）：+%(bonus)s 万元。",
                pct=wan_text(line.bonus_pct),
                names="、".join(names),
                bonus=wan_text(line.bonus_wan),
            )
        )
    if rule.cap_wan is not None:
        if line.capped:
            steps.append(
                _(
                    "每个项目上限 %(cap)s 万元，此前年度已计 %(paid)s 万元，本年只计 %(reward)s 万元。",
                    cap=wan_text(rule.cap_wan),
                    paid=wan_text(line.paid_before_wan),
                    reward=wan_text(line.reward_wan),
                )
            )
        else:
            steps.append(
                _(
                    "未达每个项目上限 %(cap)s 万元（此前年度已计 %(paid)s 万元）。",
                    cap=wan_text(rule.cap_wan),
                    paid=wan_text(line.paid_before_wan),
                )
            )
    steps.append(_("项目本年奖励：%(reward)s 万元。", reward=wan_text(rounded(line.reward_wan))))
    return steps


def _part_text(part: BandPart) -> str:
    return _(
        "%(amount)s 万元（%(band)s）× %(rate)s‰",
        amount=wan_text(part.amount_wan),
        band=band_label(part),
        rate=wan_text(part.per_mille),
    )


def _total(parts: Iterable[BandPart]) -> Decimal:
    return sum((part.reward_wan for part in parts), Decimal(0))


# ---- credited referrals and their shares ----


@dataclass(frozen=True)
class Credit:
    referral_id: int
    ambassador_id: int
    enterprise_name: str
    share: Decimal
    project: ProjectFacts


def credits(session: Session, ambassador_ids: Sequence[int] | None = None) -> list[Credit]:
    """The credited referrals (of these ambassadors, or all), each with its landed project.
    Three queries whatever their number, of the columns the computation reads."""
    statement = (
        select(
            Referral.id,
            Referral.ambassador_id,
            Referral.enterprise_name,
            Referral.credit_share,
            Project.id.label("project_id"),
            Project.name.label("project_name"),
            Project.lead_id,
            Project.project_type,
            Project.sector,
        )
        .join(Lead, Lead.id == Referral.lead_id)
        .join(Project, Project.lead_id == Lead.id)
        .where(
            Referral.deleted_at.is_(None),
            Referral.status.not_in(UNCREDITED_STATUSES),
            Lead.deleted_at.is_(None),
            Project.deleted_at.is_(None),
            Project.stage.in_(LANDED_STAGES),
        )
        .order_by(Referral.id)
    )
    if ambassador_ids is not None:
        statement = statement.where(Referral.ambassador_id.in_(ambassador_ids))
    rows = session.execute(statement).all()
    project_ids = {row.project_id for row in rows}
    lead_ids = {row.lead_id for row in rows}
    arrivals: dict[int, list[Arrival]] = defaultdict(list)
    segments: dict[int, set[str]] = defaultdict(set)
    if project_ids:
        for project_id, arrived_on, amount in session.execute(
            select(FundsArrival.project_id, FundsArrival.arrived_on, FundsArrival.amount_wan)
            .where(FundsArrival.project_id.in_(project_ids))
            .order_by(FundsArrival.arrived_on, FundsArrival.id)
        ):
            arrivals[project_id].append(Arrival(arrived_on, amount))
        for lead_id, code in session.execute(
            select(lead_segments.c.lead_id, ChainSegment.code)
            .join(ChainSegment, ChainSegment.id == lead_segments.c.segment_id)
            .where(lead_segments.c.lead_id.in_(lead_ids))
        ):
            segments[lead_id].add(code)
    facts = {}
    for row in rows:
        if row.project_id not in facts:
            facts[row.project_id] = ProjectFacts(
                row.project_id,
                row.project_name,
                row.lead_id,
                row.project_type,
                row.sector,
                frozenset(segments[row.lead_id]),
                tuple(arrivals[row.project_id]),
            )
    return [
        Credit(
            row.id, row.ambassador_id, row.enterprise_name, row.credit_share, facts[row.project_id]
        )
        for row in rows
    ]


@dataclass(frozen=True)
class RewardLine:
    """An ambassador's share of one project's reward for one year."""

    credit: Credit
    project_year: ProjectYear

    @property
    def year(self) -> int:
        return self.project_year.year

    @property
    def amount_wan(self) -> Decimal | None:
        if self.project_year.reward_wan is None:
            return None
        return rounded(self.project_year.reward_wan * self.credit.share)

    @property
    def funds_share_wan(self) -> Decimal:
        return self.project_year.funds_this_year_wan * self.credit.share

    def explanation(self) -> list[str]:
        steps = explain(self.project_year)
        if self.project_year.reward_wan is not None and self.credit.share != 1:
            steps.append(
                _(
                    "按功劳份额 %(share)s 分得 %(amount)s 万元。",
                    share=wan_text(self.credit.share),
                    amount=wan_text(self.amount_wan),
                )
            )
        return steps


def reward_lines(
    session: Session, city: str, ambassador_ids=None, found: list[Credit] | None = None
) -> list[RewardLine]:
    """Every credited referral's share of each year's project reward, by year then project;
    of the credits `found` when the caller has read them already."""
    rules = rules_by_year(session, city)
    lines = []
    years_of: dict[int, list[ProjectYear]] = {}
    for credit in credits(session, ambassador_ids) if found is None else found:
        project = credit.project
        if project.id not in years_of:
            years_of[project.id] = project_years(project, rules)
        lines += [RewardLine(credit, line) for line in years_of[project.id]]
    lines.sort(key=lambda line: (line.year, line.credit.project.id, line.credit.referral_id))
    return lines


@dataclass
class AmbassadorYear:
    """One ambassador's rewards for one year: the lines, and their total (None when no line
    has a rule: nothing was computed)."""

    ambassador_id: int
    year: int
    lines: list[RewardLine]

    @property
    def total_wan(self) -> Decimal | None:
        amounts = [line.amount_wan for line in self.lines if line.amount_wan is not None]
        return sum(amounts, Decimal(0)) if amounts else None

    @property
    def funds_wan(self) -> Decimal:
        return rounded(sum((line.funds_share_wan for line in self.lines), Decimal(0)))

    @property
    def without_rule(self) -> bool:
        return any(line.project_year.rule is None for line in self.lines)


def by_ambassador_year(lines: Iterable[RewardLine]) -> dict[tuple[int, int], AmbassadorYear]:
    grouped: dict[tuple[int, int], AmbassadorYear] = {}
    for line in lines:
        key = (line.credit.ambassador_id, line.year)
        grouped.setdefault(key, AmbassadorYear(*key, [])).lines.append(line)
    return grouped


def year_rewards(session: Session, city: str, year: int) -> list[AmbassadorYear]:
    """Each ambassador's rewards for the year, by ambassador id."""
    lines = [line for line in reward_lines(session, city) if line.year == year]
    return sorted(by_ambassador_year(lines).values(), key=lambda item: item.ambassador_id)


def ambassador_rewards(
    session: Session, city: str, ambassador_id: int, found: list[Credit] | None = None
) -> list[AmbassadorYear]:
    """One ambassador's rewards, latest year first (from their credits `found`, if read)."""
    grouped = by_ambassador_year(reward_lines(session, city, [ambassador_id], found))
    return sorted(grouped.values(), key=lambda item: -item.year)
