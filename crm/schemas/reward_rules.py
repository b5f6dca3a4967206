"""Reward rules (大使奖励规则) declared once: one rule per city and year, with banded rates on a
project's funds in place, a cap per project, how the bands apply and an extra percentage for the
projects the rule names. The API writes the extras as fields of their own; the record keeps
them in `RewardRule.extras` (crm.services.reward_rules).

Bands are rows {up_to_wan, per_mille}, ascending; an amount below a row's `up_to_wan` falls in
that row (an amount equal to it belongs to the next row, as "1,000万–1亿" includes 1,000万), and
the last row is open-ended (`up_to_wan` null)."""

from decimal import Decimal

from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, Field

from crm.models.base import Money
from crm.schemas.declaration import Declaration, pick
from crm.schemas.fields import (
    Amount,
    Choice,
    Choices,
    Count,
    FieldProblem,
    QueryNumber,
    TextList,
    Timestamp,
    _field_type,
    parse_decimal,
)
from crm.schemas.formats import decimal_text
from crm.vocabulary import PROJECT_TYPE, SECTOR, Term, Vocabulary

EARLIEST_YEAR = 2000
LATEST_YEAR = 2100
MAX_BANDS = 12
# A rate in per mille (‰) of the funds; 1000‰ would hand the whole investment over.
MAX_PER_MILLE = Decimal(1000)
MAX_BONUS_PCT = Decimal(1000)
MAX_SEGMENTS = 100

BAND_METHOD = Vocabulary(
    "reward_band_method",
    # 全额: the whole amount at the rate of the band it reaches (the practice's reading).
    Term("whole", "全额按所在档费率", "Whole amount at its band's rate"),
    # 超额累进: each part at its own band's rate, like tax brackets.
    Term("marginal", "超额累进（分段计算）", "Marginal, like tax brackets"),
)


def _band_number(value, row: int, name: str, problems: list[str]) -> Decimal | None:
    try:
        number = parse_decimal(value)
    except FieldProblem as problem:
        problems.append(
            _("第 %(row)d 档 %(name)s：%(problem)s", row=row, name=name, problem=problem)
        )
        return None
    if number is not None and number < 0:
        problems.append(_("第 %(row)d 档 %(name)s：不能为负数", row=row, name=name))
        return None
    return number


def clean_bands(value) -> list[dict]:
    """Rows {up_to_wan, per_mille} as decimals: ascending upper bounds, the last one null, rates
    from 0 to 1000‰. FieldProblem names every row that is wrong, in one message."""
    if not isinstance(value, (list, tuple)):
        raise FieldProblem(_("应为列表：每档 {up_to_wan, per_mille}"))
    if not value:
        raise FieldProblem(_("至少需要一档"))
    if len(value) > MAX_BANDS:
        raise FieldProblem(_("最多 %(max)d 档", max=MAX_BANDS))
    problems: list[str] = []
    bands = []
    previous = Decimal(0)
    for row, band in enumerate(value, start=1):
        if not isinstance(band, dict) or not set(band) <= {"up_to_wan", "per_mille"}:
            problems.append(_("第 %(row)d 档：应为 {up_to_wan, per_mille}", row=row))
            continue
        up_to = _band_number(band.get("up_to_wan"), row, _("上限（万元）"), problems)
        rate = _band_number(band.get("per_mille"), row, _("费率（‰）"), problems)
        last = row == len(value)
        if band.get("per_mille") in (None, "") and rate is None:
            problems.append(_("第 %(row)d 档：请填写费率（‰）", row=row))
        elif rate is not None and rate > MAX_PER_MILLE:
            problems.append(_("第 %(row)d 档：费率不能超过 1000‰", row=row))
        if last and band.get("up_to_wan") not in (None, ""):
            problems.append(_("最后一档应不设上限（up_to_wan 为空），以涵盖任何金额"))
        elif not last and band.get("up_to_wan") in (None, ""):
            problems.append(_("第 %(row)d 档：只有最后一档可以不设上限", row=row))
        elif up_to is not None:
            if up_to <= previous:
                problems.append(
                    _(
                        "第 %(row)d 档：上限 %(up_to)s 应大于上一档的上限 %(previous)s",
                        row=row,
                        up_to=decimal_text(up_to),
                        previous=decimal_text(previous),
                    )
                )
            previous = max(previous, up_to)
        bands.append({"up_to_wan": up_to if not last else None, "per_mille": rate})
    if problems:
        raise FieldProblem("；".join(problems))
    return bands


def _bands_json(bands: list[dict]) -> list[dict]:
    return [
        {"up_to_wan": decimal_text(band["up_to_wan"]), "per_mille": decimal_text(band["per_mille"])}
        for band in bands
    ]


_BAND_SCHEMA = {
    "type": "array",
    "minItems": 1,
    "maxItems": MAX_BANDS,
    "description": "Ascending bands; an amount below up_to_wan falls in the band, the last band "
    "has up_to_wan null. per_mille is the rate in ‰ (0–1000).",
    "items": {
        "type": "object",
        "properties": {
            "up_to_wan": {"type": ["string", "number", "null"]},
            "per_mille": {"type": ["string", "number"]},
        },
        "required": ["per_mille"],
        "additionalProperties": False,
    },
}
Bands = _field_type(
    list,
    clean_bands,
    schema=_BAND_SCHEMA,
    output={**_BAND_SCHEMA, "description": "Decimals as strings."},
    serialize=_bands_json,
)


def clean_percentage(value) -> Decimal:
    number = parse_decimal(value)
    if number is None:
        return Decimal(0)
    if number < 0:
        raise FieldProblem(_("不能为负数"))
    if number > MAX_BONUS_PCT:
        raise FieldProblem(_("不能超过 %(max)s%%", max=decimal_text(MAX_BONUS_PCT)))
    return number + 0


Percentage = _field_type(
    Decimal,
    clean_percentage,
    schema={"type": ["string", "number", "null"], "description": "Per cent, ≥ 0; empty is 0."},
    output={"type": "string"},
    serialize=decimal_text,
)


class RewardRuleInput(BaseModel):
    """What staff write; `year` is fixed once the rule exists."""

    model_config = ConfigDict(extra="forbid", title="RewardRuleInput")

    year: Count(LATEST_YEAR) = Field(
        None, title="年度", description=f"{EARLIEST_YEAR}–{LATEST_YEAR}; required when creating."
    )
    bands: Bands = Field(title="费率档次")
    cap_wan: Amount(Money, "cap per project across all years, 万元") = Field(
        None, title="每个项目奖励上限（万元）", description="Empty: no cap."
    )
    band_method: Choice(BAND_METHOD, nullable=False) = Field(
        "whole",
        title="计算方式",
        description="whole: the whole amount at the rate of the band it reaches; marginal: each "
        "part at its own band's rate.",
    )
    bonus_pct: Percentage = Field(
        Decimal(0), title="额外奖励（%）", description="Added to the reward of the named projects."
    )
    bonus_project_types: Choices(PROJECT_TYPE) = Field(
        default_factory=list, title="额外奖励的项目类型"
    )
    bonus_sectors: Choices(SECTOR) = Field(default_factory=list, title="额外奖励的行业")
    bonus_segments: TextList(MAX_SEGMENTS, 20) = Field(
        default_factory=list,
        title="额外奖励的产业链环节",
        description="Chain segment codes; a project whose lead names one of them gets the extra.",
    )
    pay_within_days: Count(3650) = Field(None, title="审批后兑付期限（天）")


class RewardRuleRecord(RewardRuleInput):
    model_config = ConfigDict(title="RewardRule", json_schema_serialization_defaults_required=True)

    id: int = Field(title="编号")
    version: int = Field(title="版本", description="Send it back with an update.")
    city: str = Field(title="城市")
    year: int = Field(title="年度")
    created_at: Timestamp = Field(title="创建时间")
    updated_at: Timestamp = Field(title="更新时间")


RewardRuleSummary = pick(
    "RewardRuleSummary",
    RewardRuleRecord,
    ("id", "version", "city", "year", "bands", "cap_wan", "band_method", "bonus_pct"),
)


class RewardRuleFilters(BaseModel):
    model_config = ConfigDict(extra="forbid", title="RewardRuleFilters")

    year: QueryNumber = Field(None, description="One year.")


REWARD_RULES = Declaration(
    fields=RewardRuleInput,
    record=RewardRuleRecord,
    summary=RewardRuleSummary,
    filters=RewardRuleFilters,
)
