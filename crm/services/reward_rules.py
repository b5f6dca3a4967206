"""Reward rules (大使奖励规则): one per city and year, kept as data staff edit.

`Rule` is a rule as the computation reads it (crm.services.rewards): decimals, the band method
and which projects earn the extra. In the table, the bands are JSON rows and everything beyond
bands and cap sits in `extras` ({band_method, bonus_pct, bonus_project_types, bonus_sectors,
bonus_segments, pay_within_days}); older rows may hold numbers where this writes strings."""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.models import ChainSegment, RewardRule
from crm.schemas.formats import decimal_text
from crm.schemas.reward_rules import EARLIEST_YEAR, LATEST_YEAR, REWARD_RULES, RewardRuleFilters
from crm.services import audit, records
from crm.services.errors import ValidationError

# Who reads rules and rewards: the registry's readers (staff, officials, administrators).
READ = "ambassador.read"
WRITE = "reward_rule.write"
EXTRA_FIELDS = (
    "band_method",
    "bonus_pct",
    "bonus_project_types",
    "bonus_sectors",
    "bonus_segments",
    "pay_within_days",
)


@dataclass(frozen=True)
class Band:
    up_to_wan: Decimal | None  # None: open-ended
    per_mille: Decimal


@dataclass(frozen=True)
class Rule:
    id: int
    year: int
    bands: tuple[Band, ...]
    cap_wan: Decimal | None
    band_method: str  # "whole" or "marginal"
    bonus_pct: Decimal
    bonus_project_types: frozenset[str]
    bonus_sectors: frozenset[str]
    bonus_segments: frozenset[str]


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    return Decimal(str(value))


def rule_of(record: RewardRule) -> Rule:
    extras = record.extras or {}
    return Rule(
        id=record.id,
        year=record.year,
        bands=tuple(
            Band(_decimal(band.get("up_to_wan")), _decimal(band.get("per_mille")) or Decimal(0))
            for band in record.bands
        ),
        cap_wan=record.cap_wan,
        band_method=extras.get("band_method") or "whole",
        bonus_pct=_decimal(extras.get("bonus_pct")) or Decimal(0),
        bonus_project_types=frozenset(extras.get("bonus_project_types") or ()),
        bonus_sectors=frozenset(extras.get("bonus_sectors") or ()),
        bonus_segments=frozenset(extras.get("bonus_segments") or ()),
    )


def rules_by_year(session: Session, city: str) -> dict[int, Rule]:
    return {
        record.year: rule_of(record)
        for record in session.scalars(select(RewardRule).where(RewardRule.city == city))
    }


# ---- checking and writing ----


def _stored_bands(bands: list[dict]) -> list[dict]:
    """Decimals as strings in the JSON: exact, whatever the database's JSON does with numbers."""
    return [
        {"up_to_wan": decimal_text(band["up_to_wan"]), "per_mille": decimal_text(band["per_mille"])}
        for band in bands
    ]


def _extras_of(values: dict, current: Mapping | None) -> dict:
    extras = dict(current or {})
    for field in EXTRA_FIELDS:
        if field in values:
            value = values[field]
            extras[field] = decimal_text(value) if isinstance(value, Decimal) else value
    # Older keys are replaced by the fields above (the demo once wrote technology_bonus_pct).
    for old in ("technology_bonus_pct", "financing_pct"):
        extras.pop(old, None)
    return extras


def _checked(session: Session, data: Mapping, city: str, rule: RewardRule | None) -> dict:
    new = rule is None
    values, errors = REWARD_RULES.clean(data, partial=not new)
    if new:
        year = values.get("year")
        if year is None and "year" not in errors:
            errors["year"] = [_("必填")]
        elif year is not None and not EARLIEST_YEAR <= year <= LATEST_YEAR:
            errors["year"] = [
                _("年度应在 %(low)d 到 %(high)d 之间", low=EARLIEST_YEAR, high=LATEST_YEAR)
            ]
        elif year is not None and _holder(session, city, year) is not None:
            errors["year"] = [_("%(year)d 年的奖励规则已存在，请编辑它", year=year)]
    elif "year" in data and values.get("year") != rule.year:
        errors["year"] = [_("年度在创建时设定，不能修改")]
    codes = values.get("bonus_segments") or []
    if codes and "bonus_segments" not in errors:
        known = set(session.scalars(select(ChainSegment.code).where(ChainSegment.code.in_(codes))))
        unknown = [code for code in codes if code not in known]
        if unknown:
            errors["bonus_segments"] = [
                _("未知的产业链环节代码：%(codes)s", codes="、".join(unknown))
            ]
    if errors:
        raise ValidationError(errors)
    return values


def _holder(session: Session, city: str, year: int) -> RewardRule | None:
    return session.scalar(
        select(RewardRule).where(RewardRule.city == city, RewardRule.year == year)
    )


def create_rule(session: Session, data: Mapping, actor, *, city: str) -> RewardRule:
    records.require(actor, WRITE)
    values = _checked(session, data, city, None)
    rule = RewardRule(
        city=city,
        year=values["year"],
        bands=_stored_bands(values["bands"]),
        cap_wan=values.get("cap_wan"),
        extras=_extras_of(values, None),
        created_by_id=records.actor_id(actor),
    )
    session.add(rule)
    audit.record_create(session, rule, records.actor_id(actor))
    session.flush()
    return rule


def update_rule(
    session: Session, rule: RewardRule, data: Mapping, expected_version: int, actor
) -> RewardRule:
    """Changes a rule; the figures of its year follow (those of other years do not)."""
    records.require(actor, WRITE)
    REWARD_RULES.check_names(data)
    records.check_version(rule, expected_version)
    values = _checked(session, data, rule.city, rule)
    with records.stale_as_conflict():
        if "bands" in values:
            rule.bands = _stored_bands(values["bands"])
        if "cap_wan" in values:
            rule.cap_wan = values["cap_wan"]
        if set(EXTRA_FIELDS) & set(values):
            rule.extras = _extras_of(values, rule.extras)
        audit.record_update(session, rule, records.actor_id(actor))
        session.flush()
    return rule


# ---- reads ----


def get_rule(session: Session, rule_id: int, actor) -> RewardRule:
    return records.get_live(session, RewardRule, rule_id, actor, READ)


def list_rules(session: Session, filters: RewardRuleFilters, actor, page=1, per_page=50):
    """Every city's rules the actor may read, latest year first: (rows, has_next)."""
    records.require(actor, READ)
    statement = select(RewardRule).order_by(RewardRule.year.desc(), RewardRule.id.desc())
    if filters.year:
        statement = statement.where(RewardRule.year == filters.year)
    rows, has_next = records.numbered_page(session, statement, page, per_page)
    return [row.RewardRule for row in rows], has_next


def rule_values(_session, record: RewardRule) -> dict:
    rule = rule_of(record)
    extras = record.extras or {}
    return {
        "id": record.id,
        "version": record.version,
        "city": record.city,
        "year": record.year,
        "bands": [
            {"up_to_wan": band.up_to_wan, "per_mille": band.per_mille} for band in rule.bands
        ],
        "cap_wan": record.cap_wan,
        "band_method": rule.band_method,
        "bonus_pct": rule.bonus_pct,
        "bonus_project_types": sorted(rule.bonus_project_types),
        "bonus_sectors": sorted(rule.bonus_sectors),
        "bonus_segments": sorted(rule.bonus_segments),
        "pay_within_days": extras.get("pay_within_days"),
        "created_at": record.created_at,
        "updated_at": record.updated_at,
    }
