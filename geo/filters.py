"""The map's filters, as query parameters: where an enterprise is and which entry thresholds
(安全、环保、亩均) it passes. The page's form and the GeoJSON endpoints read the same ones."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated

from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, Field, PlainValidator, WithJsonSchema
from pydantic import ValidationError as PydanticError

from crm.schemas.declaration import field_messages
from crm.schemas.fields import FieldProblem, QueryFlag, QueryNumber, Text, parse_decimal
from crm.services.errors import ValidationError
from crm.vocabulary import RATING

# Grades from best to worst: "at least B" is A or B.
GRADES = tuple(RATING.keys)
MAX_PER_MU = Decimal(10) ** 8  # 万元 per 亩; far beyond any real enterprise


def grades_at_least(grade: str) -> list[str]:
    return list(GRADES[: GRADES.index(grade) + 1])


def _grades(value) -> list[str]:
    """One or several grades, comma-separated: A,B."""
    if value is None:
        return []
    keys = [key.strip().upper() for key in str(value).split(",") if key.strip()]
    unknown = [key for key in keys if key not in GRADES]
    if unknown:
        raise FieldProblem(
            _(
                "未知评级：%(unknown)s；可选：%(keys)s",
                unknown=", ".join(unknown),
                keys=", ".join(GRADES),
            )
        )
    return list(dict.fromkeys(keys))


def _grade(value) -> str | None:
    if value is None or not str(value).strip():
        return None
    key = str(value).strip().upper()
    if key not in GRADES:
        raise FieldProblem(_("应为以下之一：%(keys)s", keys=", ".join(GRADES)))
    return key


def _per_mu(value) -> Decimal | None:
    number = parse_decimal(value)
    if number is None:
        return None
    if number < 0:
        raise FieldProblem(_("不能为负数"))
    if number >= MAX_PER_MU:
        raise FieldProblem(_("应小于 %(limit)s", limit=f"{MAX_PER_MU:,f}"))
    return number


Grades = Annotated[
    list[str],
    PlainValidator(_grades),
    WithJsonSchema({"type": "string", "pattern": "^[A-D](,[A-D])*$"}),
]
Grade = Annotated[str | None, PlainValidator(_grade), WithJsonSchema({"enum": list(GRADES)})]
PerMu = Annotated[
    Decimal | None,
    PlainValidator(_per_mu),
    WithJsonSchema({"type": "string", "pattern": r"^\d+(\.\d+)?$"}),
]


class MapFilters(BaseModel):
    """The filters of /map and of /api/v1/map/*.geojson, as query parameters."""

    model_config = ConfigDict(extra="forbid", title="MapFilters")

    segment: Text(20) = Field(None, description="A chain segment code, e.g. M501.")
    district: Text(20) = Field(None, description="A district code.")
    park: QueryNumber = Field(None, description="A park's id.")
    is_local: QueryFlag = Field(
        None, description="true: local enterprises; false: outside enterprises the bureau targets."
    )
    safety_rating: Grades = Field(
        default_factory=list, description="Safety ratings to keep, comma-separated: A,B."
    )
    safety_at_least: Grade = Field(None, description="The lowest safety rating kept (A is best).")
    environment_rating: Grades = Field(
        default_factory=list, description="Environmental ratings to keep, comma-separated."
    )
    environment_at_least: Grade = Field(None, description="The lowest environmental rating kept.")
    investment_intensity_min: PerMu = Field(
        None,
        description="投资强度, 万元/亩: the total investment of the enterprise's projects over "
        "their land. Enterprises without a project with land are left out.",
    )
    output_per_mu_min: PerMu = Field(None, description="亩均产值, 万元/亩: output over land.")
    tax_per_mu_min: PerMu = Field(None, description="亩均税收, 万元/亩: tax over land.")
    mu_class: Grades = Field(
        default_factory=list,
        description="亩均效益 classes to keep, comma-separated: A,B (the scheme MAP_EVALUATION "
        "names). Enterprises not rated are left out.",
    )

    @property
    def safety_grades(self) -> list[str] | None:
        return _kept(self.safety_rating, self.safety_at_least)

    @property
    def environment_grades(self) -> list[str] | None:
        return _kept(self.environment_rating, self.environment_at_least)


def _kept(chosen: list[str], at_least: str | None) -> list[str] | None:
    """The grades both conditions keep; None when neither is given (keep every record)."""
    if not chosen and at_least is None:
        return None
    kept = set(chosen or GRADES) & set(grades_at_least(at_least) if at_least else GRADES)
    return [grade for grade in GRADES if grade in kept]


def parse_map_filters(arguments: Mapping[str, str]) -> MapFilters:
    """The filters from query parameters (others are ignored, as the lists do); empty values
    mean no filter, as an untouched form field sends. ValidationError names each bad one."""
    given = {}
    for key in MapFilters.model_fields:
        values = [v for v in _all(arguments, key) if v.strip()]
        if values:
            several = key.endswith("_rating") or key == "mu_class"
            given[key] = ",".join(values) if several else values[-1]
    try:
        return MapFilters.model_validate(given)
    except PydanticError as error:
        raise ValidationError(field_messages(error)) from None


def _all(arguments, key: str) -> list[str]:
    if hasattr(arguments, "getlist"):  # a request's MultiDict: ?safety_rating=A&safety_rating=B
        return arguments.getlist(key)
    return [arguments[key]] if key in arguments else []
