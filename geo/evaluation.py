"""亩均效益 evaluation: an enterprise's figures scored against a city's benchmarks.

    score = 100 × Σ weight × min(value / benchmark, ratio_cap)

The scheme (which indicators, their benchmarks and weights, the cap and the class cut-offs) is
data, read from the TOML file MAP_EVALUATION names; the formulas of the indicators are fixed
here. Pure functions: the figures come in as a mapping, so a test can work a score by hand.
An enterprise lacking a figure an indicator needs is not rated, with what is missing, rather
than scored as zero (a missing figure is not a bad one).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from flask_babel import lazy_gettext as _l

from geo.city import configured_path

CLASSES = ("A", "B", "C", "D")  # from best to worst; D is below C's cut-off
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Formula:
    numerator: str
    denominator: str
    scale: Decimal = Decimal(1)  # 100 for a percentage


# The indicators a scheme may use, by key: a figure over another.
FORMULAS = {
    "tax_per_mu": Formula("tax_wan", "land_mu"),
    "value_added_per_mu": Formula("value_added_wan", "land_mu"),
    "value_added_per_energy": Formula("value_added_wan", "energy_tce"),
    "value_added_per_emissions": Formula("value_added_wan", "emissions_t"),
    "labour_productivity": Formula("value_added_wan", "employees"),
    "rd_share": Formula("rd_spend_wan", "output_wan", HUNDRED),
}
INDICATOR_NAMES = {
    "tax_per_mu": (_l("亩均税收"), _l("万元/亩")),
    "value_added_per_mu": (_l("亩均增加值"), _l("万元/亩")),
    "value_added_per_energy": (_l("单位能耗增加值"), _l("万元/吨标准煤")),
    "value_added_per_emissions": (_l("单位排放增加值"), _l("万元/吨")),
    "labour_productivity": (_l("全员劳动生产率"), _l("万元/人")),
    "rd_share": (_l("研发经费投入强度"), "%"),
}
FIGURE_NAMES = {
    "tax_wan": _l("税收"),
    "value_added_wan": _l("工业增加值"),
    "land_mu": _l("用地面积"),
    "energy_tce": _l("综合能耗"),
    "emissions_t": _l("污染物排放量"),
    "employees": _l("从业人员"),
    "rd_spend_wan": _l("研发经费"),
    "output_wan": _l("年产值"),
}


class EvaluationFileError(ValueError):
    pass


@dataclass(frozen=True)
class Indicator:
    key: str
    benchmark: Decimal
    weight: Decimal

    @property
    def name(self) -> str:
        return str(INDICATOR_NAMES[self.key][0])

    @property
    def unit(self) -> str:
        return str(INDICATOR_NAMES[self.key][1])


@dataclass(frozen=True)
class Scheme:
    indicators: tuple[Indicator, ...]
    ratio_cap: Decimal
    cut_offs: Mapping[str, Decimal]  # A, B, C: the lowest score of each class

    def grade(self, score: Decimal) -> str:
        for grade in CLASSES[:-1]:
            if score >= self.cut_offs[grade]:
                return grade
        return CLASSES[-1]

    @property
    def figures_needed(self) -> set[str]:
        return {
            name
            for indicator in self.indicators
            for name in (FORMULAS[indicator.key].numerator, FORMULAS[indicator.key].denominator)
        }


@dataclass(frozen=True)
class Part:
    """One indicator's working: value ÷ benchmark = ratio (capped) × weight × 100."""

    indicator: Indicator
    value: Decimal
    ratio: Decimal  # after the cap
    capped: bool
    contribution: Decimal


@dataclass(frozen=True)
class Evaluation:
    score: Decimal | None  # None: not rated
    grade: str | None
    parts: tuple[Part, ...]
    missing: tuple[str, ...]  # keys of FIGURE_NAMES, when not rated

    @property
    def rated(self) -> bool:
        return self.score is not None

    @property
    def missing_names(self) -> list[str]:
        return [str(FIGURE_NAMES[key]) for key in self.missing]


def _usable(value) -> Decimal | None:
    return None if value is None else Decimal(value)


def evaluate(figures: Mapping[str, Decimal | int | None], scheme: Scheme) -> Evaluation:
    """The enterprise's score, class and working; or, lacking figures, what is missing. A
    divisor of zero counts as missing (no land, no staff: the figure per unit means nothing)."""
    missing = []
    for indicator in scheme.indicators:
        formula = FORMULAS[indicator.key]
        if _usable(figures.get(formula.numerator)) is None:
            missing.append(formula.numerator)
        if not _usable(figures.get(formula.denominator)):
            missing.append(formula.denominator)
    if missing:
        order = list(FIGURE_NAMES)
        return Evaluation(None, None, (), tuple(sorted(set(missing), key=order.index)))
    parts = []
    for indicator in scheme.indicators:
        formula = FORMULAS[indicator.key]
        value = (
            _usable(figures[formula.numerator])
            / _usable(figures[formula.denominator])
            * formula.scale
        )
        ratio = value / indicator.benchmark
        capped = ratio > scheme.ratio_cap
        ratio = min(ratio, scheme.ratio_cap)
        parts.append(Part(indicator, value, ratio, capped, ratio * indicator.weight * HUNDRED))
    score = sum((part.contribution for part in parts), Decimal(0))
    return Evaluation(score, scheme.grade(score), tuple(parts), ())


def _number(value, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise EvaluationFileError(f"{where}: a number is needed, not {value!r}")
    try:
        return Decimal(str(value))
    except ArithmeticError:
        raise EvaluationFileError(f"{where}: a number is needed, not {value!r}") from None


def parse_scheme(data: Mapping, source: str = "evaluation") -> Scheme:
    """The scheme of a parsed TOML file; EvaluationFileError names what is wrong, so a typo
    fails at the first page rather than as a silently odd ranking."""
    indicators = []
    for entry in data.get("indicator", []):
        key = entry.get("key")
        if key not in FORMULAS:
            raise EvaluationFileError(
                f"{source}: unknown indicator {key!r}; known: {', '.join(FORMULAS)}"
            )
        benchmark = _number(entry.get("benchmark"), f"{source}: {key}.benchmark")
        weight = _number(entry.get("weight"), f"{source}: {key}.weight")
        if benchmark <= 0 or weight <= 0:
            raise EvaluationFileError(f"{source}: {key}: benchmark and weight must be above 0")
        indicators.append(Indicator(key, benchmark, weight))
    if not indicators:
        raise EvaluationFileError(f"{source}: no [[indicator]]")
    keys = [indicator.key for indicator in indicators]
    if len(set(keys)) != len(keys):
        raise EvaluationFileError(f"{source}: an indicator is listed twice")
    total = sum(indicator.weight for indicator in indicators)
    if abs(total - 1) > Decimal("0.001"):
        raise EvaluationFileError(f"{source}: the weights sum to {total}, not 1")
    cap = _number(data.get("ratio_cap", 2), f"{source}: ratio_cap")
    if cap <= 0:
        raise EvaluationFileError(f"{source}: ratio_cap must be above 0")
    classes = data.get("classes", {})
    cut_offs = {
        grade: _number(classes.get(grade), f"{source}: classes.{grade}") for grade in CLASSES[:-1]
    }
    if not cut_offs["A"] > cut_offs["B"] > cut_offs["C"]:
        raise EvaluationFileError(f"{source}: the cut-offs must fall from A to C")
    return Scheme(tuple(indicators), cap, cut_offs)


def current_scheme() -> Scheme:
    path = configured_path("MAP_EVALUATION")
    return _read(str(path), path.stat().st_mtime_ns)


@lru_cache(maxsize=4)
def _read(path: str, _version: int) -> Scheme:
    with open(path, "rb") as file:
        return parse_scheme(tomllib.load(file), path)
