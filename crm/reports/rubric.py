"""The annual assessment's scoring rubric (年考核评分细则): read from a TOML file, checked, and
applied to a district's or department's achievement with every step's working kept.

No expression is evaluated: each item names one of a fixed set of formula kinds and gives its
parameters.

- ratio: weight × min(actual ÷ target, cap). `measure` is an achievement figure, `target` a
  target indicator (default: the measure itself). Without a target the item scores 0 and says so.
- banded_count: −penalty × the projects missing from the bands, where a band wants at least
  `at_least` projects signed this year with total investment from `from_wan` up to (not
  including) `below_wan`.
- per_count (deductions): −points × a count: `signed_not_started` (leads signed `days` or more
  before a day of this year up to the assessment day whose project had not started by then, or
  that never became one). A count the system does not hold (`falsified_projects`) is named in
  the working as not applied, never guessed."""

import tomllib
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, Field, model_validator

from crm.reports.quarterly import RulesFileError
from crm.services.achievement import Tally
from crm.vocabulary import TARGET_INDICATOR

# What a ratio item may measure: every target indicator, and funds in place by origin.
MEASURES = {
    **{term.key: term.zh for term in TARGET_INDICATOR},
    "funds_out_of_province_wan": "省外到位资金(万元)",
    "funds_foreign_wan": "外资到位资金(万元)",
}
HELD_COUNTS = {"signed_not_started": "签约逾期未开工项目数"}
UNHELD_COUNTS = {"falsified_projects": "弄虚作假项目数"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RatioItem(_Strict):
    key: str
    label: str
    kind: Literal["ratio"]
    measure: str
    target: str | None = None
    weight: Decimal = Field(gt=0)
    cap: Decimal | None = Field(None, gt=0)

    @model_validator(mode="after")
    def _known(self):
        if self.measure not in MEASURES:
            raise ValueError(f"{self.key}: unknown measure {self.measure!r}")
        if self.target is None:
            if self.measure not in TARGET_INDICATOR:
                raise ValueError(f"{self.key}: name the target indicator of {self.measure!r}")
            self.target = self.measure
        if self.target not in TARGET_INDICATOR:
            raise ValueError(f"{self.key}: unknown target indicator {self.target!r}")
        return self


class Band(_Strict):
    label: str
    from_wan: Decimal = Field(ge=0)
    below_wan: Decimal | None = None
    at_least: int = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self):
        if self.below_wan is not None and self.below_wan <= self.from_wan:
            raise ValueError(f"band {self.label}: below_wan must be above from_wan")
        return self

    def holds(self, amount: Decimal) -> bool:
        return amount >= self.from_wan and (self.below_wan is None or amount < self.below_wan)


class BandedItem(_Strict):
    key: str
    label: str
    kind: Literal["banded_count"]
    penalty: Decimal = Field(ge=0)
    bands: list[Band] = Field(min_length=1)


class Deduction(_Strict):
    key: str
    label: str
    kind: Literal["per_count"]
    count: str
    points: Decimal = Field(ge=0)
    days: int | None = Field(None, ge=0, le=3660)

    @model_validator(mode="after")
    def _known(self):
        if self.count not in HELD_COUNTS and self.count not in UNHELD_COUNTS:
            known = ", ".join((*HELD_COUNTS, *UNHELD_COUNTS))
            raise ValueError(f"{self.key}: unknown count {self.count!r}; known: {known}")
        if self.count == "signed_not_started" and self.days is None:
            raise ValueError(f"{self.key}: signed_not_started needs `days`")
        return self


Item = Annotated[RatioItem | BandedItem, Field(discriminator="kind")]


class Rubric(_Strict):
    name: str
    item: list[Item] = Field(min_length=1)
    deduction: list[Deduction] = []

    @model_validator(mode="after")
    def _unique(self):
        keys = [entry.key for entry in (*self.item, *self.deduction)]
        if len(set(keys)) != len(keys):
            raise ValueError("an item or deduction key is used twice")
        if len({d.days for d in self.deduction if d.count == "signed_not_started"}) > 1:
            raise ValueError("signed_not_started deductions must share one `days`")
        return self

    @property
    def start_within_days(self) -> int | None:
        for deduction in self.deduction:
            if deduction.count == "signed_not_started":
                return deduction.days
        return None


def load_rubric(path: str | Path) -> Rubric:
    path = Path(path)
    try:
        return _read(str(path), path.stat().st_mtime_ns)
    except OSError as error:
        raise RulesFileError(f"{path}: {error.strerror}") from None


@lru_cache(maxsize=4)
def _read(path: str, _version: int) -> Rubric:
    try:
        with open(path, "rb") as file:
            return Rubric.model_validate(tomllib.load(file))
    except (tomllib.TOMLDecodeError, ValueError) as error:
        raise RulesFileError(f"{path}: {error}") from None


# ---- applying it ----


@dataclass(frozen=True)
class Working:
    """One line of a score: what went in, the formula in words, and what came out (None: not
    applied, the note says why)."""

    key: str
    label: str
    inputs: tuple[tuple[str, str], ...]
    formula: str
    result: Decimal | None
    note: str | None = None


def _text(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return format(value.quantize(Decimal("0.0001")).normalize(), "f")
    return str(value)


def measure(tally: Tally, key: str) -> Decimal:
    if key in TARGET_INDICATOR:
        return tally.actual(key) or Decimal(0)
    return Decimal(getattr(tally, key))


def apply(rubric: Rubric, tally: Tally, targets: dict[str, Decimal]) -> list[Working]:
    lines = []
    for item in rubric.item:
        if isinstance(item, RatioItem):
            lines.append(_ratio(item, tally, targets))
        else:
            lines.append(_banded(item, tally))
    for deduction in rubric.deduction:
        lines.append(_deduction(deduction, tally))
    return lines


def total(lines: list[Working]) -> Decimal:
    return sum((line.result for line in lines if line.result is not None), Decimal(0))


def _ratio(item: RatioItem, tally: Tally, targets: dict[str, Decimal]) -> Working:
    actual = measure(tally, item.measure)
    target = targets.get(item.target)
    inputs = (
        (MEASURES[item.measure], _text(actual)),
        (_("目标：%(indicator)s", indicator=TARGET_INDICATOR[item.target].zh), _text(target)),
        (_("权重"), _text(item.weight)),
    ) + (((_("封顶"), _text(item.cap)),) if item.cap is not None else ())
    formula = (
        _("权重 × min(实际 ÷ 目标, 封顶)") if item.cap is not None else _("权重 × 实际 ÷ 目标")
    )
    if not target:
        return Working(
            item.key, item.label, inputs, formula, Decimal(0), _("未设目标，本项计 0 分")
        )
    ratio = actual / target
    if item.cap is not None:
        ratio = min(ratio, item.cap)
    return Working(item.key, item.label, inputs, formula, item.weight * ratio)


def _banded(item: BandedItem, tally: Tally) -> Working:
    inputs, missing = [], 0
    for band in item.bands:
        count = sum(1 for amount in tally.signed_investments if band.holds(amount))
        short = max(0, band.at_least - count)
        missing += short
        inputs.append(
            (
                band.label,
                _("%(count)d 个（应不少于 %(least)d 个）", count=count, least=band.at_least),
            )
        )
    inputs.append((_("每缺 1 个扣"), _text(item.penalty)))
    formula = _("−扣分 × Σ max(0, 应有数 − 实有数)")
    return Working(item.key, item.label, tuple(inputs), formula, -item.penalty * missing)


def _deduction(deduction: Deduction, tally: Tally) -> Working:
    formula = _("−每个扣分 × 个数")
    if deduction.count in UNHELD_COUNTS:
        inputs = ((UNHELD_COUNTS[deduction.count], "—"), (_("每个扣"), _text(deduction.points)))
        return Working(
            deduction.key,
            deduction.label,
            inputs,
            formula,
            None,
            _("系统中没有此项数据，未扣分（须人工核定）"),
        )
    count = tally.signed_not_started
    inputs = (
        (HELD_COUNTS[deduction.count], _text(count)),
        (_("签约后应开工天数"), _text(deduction.days)),
        (_("每个扣"), _text(deduction.points)),
    )
    return Working(deduction.key, deduction.label, inputs, formula, -deduction.points * count)
