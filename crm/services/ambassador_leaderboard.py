"""The ambassadors' leaderboard (大使榜单), for staff and officials: per ambassador and per kind,
how many referrals, how far they came, the funds in place and the reward.

Investor referrals (招商大使, 荣誉市民) count through their progress (crm.services.referrals
.progress_of): accepted = staff took it into a lead (受理 or beyond), signed = 签约 or landed,
landed = 落地. Talent referrals (招才大使) count through their own statuses: accepted = 已联系 or
beyond, signed = 已对接 or 已引进, landed = 已引进; they bring no funds and no reward.

With a year, referrals are those submitted in that year, and funds and reward those of the
year (funds by arrival date, reward by crm.services.rewards); without one, all years. Funds
are the ambassador's share (credit_share) of the funds of credited projects, so a kind's total
counts a shared project once."""

from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select, true
from sqlalchemy.orm import Session

from crm.models import Ambassador, Referral, TalentReferral, User
from crm.services import records, rewards
from crm.services.referrals import progress_of
from crm.vocabulary import AMBASSADOR_KIND

READ = "ambassador.read"
ACCEPTED = ("accepted", "in_talks", "signed", "landed")
SIGNED = ("signed", "landed")
TALENT_ACCEPTED = ("contacted", "matched", "hired")
TALENT_SIGNED = ("matched", "hired")
COUNTS = ("referrals", "accepted", "signed", "landed")
AMOUNTS = ("funds_wan", "reward_wan")
SORTS = (*COUNTS, *AMOUNTS, "name")


@dataclass
class Standing:
    """One ambassador's (or one kind's) figures."""

    ambassador_id: int | None
    name: str
    kind: str
    organisation: str | None = None
    referrals: int = 0
    accepted: int = 0
    signed: int = 0
    landed: int = 0
    funds_wan: Decimal = Decimal(0)
    # None: nothing computed (no credited funds, or no rule for the year).
    reward_wan: Decimal | None = None
    ambassadors: int = 1  # for a kind's row: how many ambassadors

    def values(self) -> dict:
        return {item.name: getattr(self, item.name) for item in fields(self)}


@dataclass
class Leaderboard:
    year: int | None
    sort: str
    rows: list[Standing]
    kinds: list[Standing] = field(default_factory=list)


def _new_year(year: int, zone: ZoneInfo) -> datetime:
    """The city's 1 January, 00:00, as the stored (naive UTC) times read it."""
    local = datetime.combine(date(year, 1, 1), time.min, tzinfo=zone)
    return local.astimezone(UTC).replace(tzinfo=None)


def _submitted_in(column, year: int | None, zone: ZoneInfo):
    """Submitted in the city's calendar year."""
    if year is None:
        return true()
    return (column >= _new_year(year, zone)) & (column < _new_year(year + 1, zone))


def leaderboard(
    session: Session,
    city: str,
    actor,
    year: int | None = None,
    sort: str = "reward_wan",
    time_zone: str = "Asia/Shanghai",
) -> Leaderboard:
    """Every ambassador's standing, best first by `sort` (a name of SORTS), then by name; a year
    is the city's calendar year in `time_zone`."""
    records.require(actor, READ)
    zone = ZoneInfo(time_zone)
    sort = sort if sort in SORTS else "reward_wan"
    standings: dict[int, Standing] = {}
    for ambassador, user in session.execute(
        select(Ambassador, User).join(User, User.id == Ambassador.user_id).order_by(Ambassador.id)
    ):
        standings[ambassador.id] = Standing(
            ambassador.id, user.label, ambassador.kind, ambassador.organisation
        )
    # The columns progress_of reads, not whole records: there may be tens of thousands.
    referrals = session.execute(
        select(Referral.id, Referral.ambassador_id, Referral.lead_id, Referral.status).where(
            Referral.deleted_at.is_(None), _submitted_in(Referral.submitted_at, year, zone)
        )
    ).all()
    owner = {referral.id: referral.ambassador_id for referral in referrals}
    for referral_id, progress in progress_of(session, referrals).items():
        standing = standings[owner[referral_id]]
        standing.referrals += 1
        standing.accepted += progress.status in ACCEPTED
        standing.signed += progress.status in SIGNED
        standing.landed += progress.status == "landed"
    for ambassador_id, status in session.execute(
        select(TalentReferral.ambassador_id, TalentReferral.status).where(
            TalentReferral.deleted_at.is_(None),
            _submitted_in(TalentReferral.created_at, year, zone),
        )
    ):
        standing = standings[ambassador_id]
        standing.referrals += 1
        standing.accepted += status in TALENT_ACCEPTED
        standing.signed += status in TALENT_SIGNED
        standing.landed += status == "hired"
    for line in rewards.reward_lines(session, city):
        if year is not None and line.year != year:
            continue
        standing = standings[line.credit.ambassador_id]
        standing.funds_wan += line.funds_share_wan
        if line.amount_wan is not None:
            standing.reward_wan = (standing.reward_wan or Decimal(0)) + line.amount_wan
    rows = list(standings.values())
    for standing in rows:
        standing.funds_wan = rewards.rounded(standing.funds_wan)
    return Leaderboard(year, sort, _sorted(rows, sort), _by_kind(rows))


def _sorted(rows: list[Standing], sort: str) -> list[Standing]:
    rows = sorted(rows, key=lambda row: row.name)
    if sort == "name":
        return rows
    return sorted(rows, key=lambda row: getattr(row, sort) or 0, reverse=True)


def _by_kind(rows: list[Standing]) -> list[Standing]:
    kinds = []
    for term in AMBASSADOR_KIND:
        members = [row for row in rows if row.kind == term.key]
        total = Standing(None, term.zh, term.key, ambassadors=len(members))
        for row in members:
            for name in (*COUNTS, "funds_wan"):
                setattr(total, name, getattr(total, name) + getattr(row, name))
            if row.reward_wan is not None:
                total.reward_wan = (total.reward_wan or Decimal(0)) + row.reward_wan
        kinds.append(total)
    return kinds
