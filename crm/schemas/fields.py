"""Field types for declarations: each one cleans input, writes JSON and describes itself.

A type is an `Annotated` pydantic type carrying a cleaner (which takes JSON values and the typed
values forms and spreadsheets give: a `Decimal`, a `date`), a serializer and its JSON Schema for
input and for output. Cleaners raise FieldProblem with a message from the catalogs.
"""

import math
import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, NamedTuple

from flask_babel import gettext as _
from pydantic import PlainSerializer, PlainValidator, WithJsonSchema
from sqlalchemy import Numeric

from crm import uscc as credit_code
from crm.coordinates import SYSTEMS, WGS84, to_wgs84
from crm.schemas.formats import date_text, datetime_text, decimal_text
from crm.text import (
    CONTROL_CHARACTERS,
    DIRECTION_CONTROLS,
    INVISIBLE_ONLY,
    has_control_characters,
    has_direction_controls,
    is_invisible,
)
from crm.vocabulary import Vocabulary

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_DECIMAL_TEXT = re.compile(r"-?\d+(\.\d+)?", re.ASCII)


class FieldProblem(ValueError):
    """One field's message, raised by its cleaner or a service's rule; `holder_id` names the
    record that already holds a value that must be unique."""

    def __init__(self, message: str, holder_id: int | None = None):
        super().__init__(message)
        self.holder_id = holder_id


class Point(NamedTuple):
    """A WGS-84 location, and the system it was given in (converted on the way in)."""

    lon: float
    lat: float
    source: str = WGS84


def _field_type(python_type, clean, *, schema: dict, output: dict | None = None, serialize=None):
    metadata: list[Any] = [PlainValidator(clean)]
    if serialize is not None:
        metadata.append(PlainSerializer(serialize))
    metadata += [
        WithJsonSchema(schema, mode="validation"),
        WithJsonSchema(output or schema, mode="serialization"),
    ]
    return Annotated[python_type, *metadata]


def _nullable(schema: dict) -> dict:
    kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    return {**schema, "type": [*kinds, "null"]}


# ---- text ----


def clean_text(
    value, max_length: int, *, required: bool = False, name: bool = False, multiline: bool = False
) -> str | None:
    """Stripped text; empty optional text is NULL, never "". A name must also show something
    and may not hold direction controls. `multiline` text (notes, plans) keeps its line breaks
    and tabs, with Windows line ends made plain."""
    if value is None:
        if required:
            raise FieldProblem(_("不能为空"))
        return None
    if not isinstance(value, str):
        raise FieldProblem(_("应为文本"))
    text = value.strip()
    if not text:
        if required:
            raise FieldProblem(_("不能为空"))
        return None
    if len(text) > max_length:
        raise FieldProblem(
            _("最多 %(max)d 个字符，当前 %(length)d 个", max=max_length, length=len(text))
        )
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if has_control_characters(text.replace("\n", "").replace("\t", "") if multiline else text):
        raise FieldProblem(str(CONTROL_CHARACTERS))
    if name and is_invisible(text):
        raise FieldProblem(str(INVISIBLE_ONLY))
    if name and has_direction_controls(text):
        raise FieldProblem(str(DIRECTION_CONTROLS))
    return text


def Text(max_length: int, *, required: bool = False, name: bool = False, multiline: bool = False):
    """Text; `name` for what names a record or a person, `multiline` for notes (clean_text)."""
    schema = {"type": "string", "maxLength": max_length}
    if required:
        return _field_type(
            str,
            lambda value: clean_text(
                value, max_length, required=True, name=name, multiline=multiline
            ),
            schema=schema,
        )
    return _field_type(
        str | None,
        lambda value: clean_text(value, max_length, name=name, multiline=multiline),
        schema=_nullable(schema),
    )


def clean_list(value, max_items: int, clean_item) -> list:
    """A list of cleaned items, duplicates dropped, order kept."""
    if not isinstance(value, (list, tuple)):
        raise FieldProblem(_("应为列表"))
    if len(value) > max_items:
        raise FieldProblem(_("最多 %(max)d 项", max=max_items))
    return list(dict.fromkeys(clean_item(item) for item in value))


def TextList(max_items: int, max_length: int, *, names: bool = False):
    def clean(value) -> list[str]:
        return clean_list(
            value, max_items, lambda item: clean_text(item, max_length, required=True, name=names)
        )

    schema = {
        "type": "array",
        "items": {"type": "string", "minLength": 1, "maxLength": max_length},
        "maxItems": max_items,
    }
    return _field_type(list[str], clean, schema=schema)


# ---- choices from a vocabulary ----


def _one_of(vocabulary: Vocabulary) -> str:
    return _("应为以下之一：%(keys)s", keys=", ".join(vocabulary.keys))


def Choice(vocabulary: Vocabulary, *, nullable: bool = True):
    def clean(value) -> str | None:
        if value is None and nullable:
            return None
        if not isinstance(value, str) or value not in vocabulary:
            raise FieldProblem(_one_of(vocabulary))
        return value

    schema = {"enum": [*vocabulary.keys, None] if nullable else list(vocabulary.keys)}
    return _field_type(str | None if nullable else str, clean, schema=schema)


def Choices(vocabulary: Vocabulary):
    """Several keys of one vocabulary, such as an enterprise's tags."""

    def clean(value) -> list[str]:
        keys = clean_list(value, len(vocabulary.keys), _text_item)
        unknown = [key for key in keys if key not in vocabulary]
        if unknown:
            raise FieldProblem(
                _(
                    "未知标签：%(unknown)s；可选：%(keys)s",
                    unknown=", ".join(unknown),
                    keys=", ".join(vocabulary.keys),
                )
            )
        return keys

    schema = {"type": "array", "items": {"enum": list(vocabulary.keys)}, "uniqueItems": True}
    return _field_type(list[str], clean, schema=schema)


def _text_item(item) -> str:
    return clean_text(item, 200, required=True)


# ---- numbers, flags and dates ----


def _flag(value) -> bool:
    if not isinstance(value, bool):
        raise FieldProblem(_("应为 true 或 false"))
    return value


Flag = _field_type(bool, _flag, schema={"type": "boolean"})


def _decimal_places(number: Decimal) -> int:
    """Decimal places that matter: 1.50 has one."""
    if number.is_zero():
        return 0
    _sign, digits, exponent = number.as_tuple()
    significant = "".join(map(str, digits)).rstrip("0")
    return max(0, -(exponent + len(digits) - len(significant)))


def parse_decimal(value) -> Decimal | None:
    """A decimal from a decimal string or a number; None for nothing."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise FieldProblem(_("应为数字"))
    if isinstance(value, str):
        if not _DECIMAL_TEXT.fullmatch(value.strip()):
            raise FieldProblem(_("应为数字，如 1234.5"))
        return Decimal(value.strip())
    if isinstance(value, (int, Decimal)):
        number = Decimal(value)
    elif isinstance(value, float) and math.isfinite(value):
        number = Decimal(str(value))
    else:
        raise FieldProblem(_("应为数字"))
    if not number.is_finite():
        raise FieldProblem(_("应为数字"))
    return number


def Amount(column_type: Numeric, meaning: str):
    """A non-negative decimal that fits its column: money in 万元, areas in 亩 …"""
    limit = Decimal(10) ** (column_type.precision - column_type.scale)
    places = column_type.scale

    def clean(value) -> Decimal | None:
        number = parse_decimal(value)
        if number is None:
            return None
        if number < 0:
            raise FieldProblem(_("不能为负数"))
        if number >= limit:
            raise FieldProblem(_("应小于 %(limit)s", limit=f"{limit:,f}"))
        if _decimal_places(number) > places:
            raise FieldProblem(_("最多保留 %(places)d 位小数", places=places))
        return number + 0  # -0 becomes 0

    output = {
        "type": ["string", "null"],
        "pattern": r"^\d+(\.\d+)?$",
        "description": f"{meaning}; a decimal string, ≥ 0.",
    }
    schema = {
        "type": ["string", "number", "null"],
        "description": f"{meaning}; a decimal string or a number, ≥ 0, at most {places} decimals.",
    }
    return _field_type(Decimal | None, clean, schema=schema, output=output, serialize=decimal_text)


def Count(maximum: int):
    """A whole number from 0 to `maximum`, or nothing."""

    def clean(value) -> int | None:
        if value is None:
            return None
        if isinstance(value, Decimal) and value == value.to_integral_value():
            value = int(value)  # a spreadsheet's 12 may arrive as 12.0
        if isinstance(value, bool) or not isinstance(value, int):
            raise FieldProblem(_("应为整数"))
        if value < 0:
            raise FieldProblem(_("不能为负数"))
        if value > maximum:
            raise FieldProblem(_("不能超过 %(max)d", max=maximum))
        return value

    schema = {"type": ["integer", "null"], "minimum": 0, "maximum": maximum}
    return _field_type(int | None, clean, schema=schema)


def parse_day(value) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        raise FieldProblem(_("日期格式应为 YYYY-MM-DD"))
    if isinstance(value, date):
        return value
    # fromisoformat alone would also take 20240101 and week dates.
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value.strip()):
        raise FieldProblem(_("日期格式应为 YYYY-MM-DD"))
    try:
        return date.fromisoformat(value.strip())
    except ValueError as error:
        raise FieldProblem(_("日期不存在")) from error


def Day(earliest: date, latest: Callable[[], date]):
    """A date written YYYY-MM-DD within [earliest, latest()]; `latest` is called when checking
    (so "today" is today), and required: 9999-12-31 is a typing slip, not a date to keep."""

    def clean(value) -> date | None:
        day = parse_day(value)
        if day is None:
            return None
        if day < earliest:
            raise FieldProblem(_("日期不能早于 %(day)s", day=earliest.isoformat()))
        if day > latest():
            raise FieldProblem(_("日期不能晚于 %(day)s", day=latest().isoformat()))
        return day

    schema = {"type": ["string", "null"], "format": "date"}
    return _field_type(date | None, clean, schema=schema, serialize=date_text)


Timestamp = _field_type(
    datetime,
    lambda value: value,
    schema={"type": "string", "format": "date-time"},
    serialize=datetime_text,
)


# ---- places and codes ----

LOCATION_KEYS = {"lon", "lat", "system"}


def _location(value) -> Point | None:
    if value is None:
        return None
    if isinstance(value, Point):  # already WGS-84, converted when it was taken in
        source, value = value.source, {"lon": value.lon, "lat": value.lat}
        return _location(value)._replace(source=source)
    if not isinstance(value, dict) or not {"lon", "lat"} <= set(value) <= LOCATION_KEYS:
        raise FieldProblem(_('应为 {"lon": 经度, "lat": 纬度}，可加 "system"'))
    system = value.get("system") or WGS84
    if system not in SYSTEMS:
        raise FieldProblem(_("坐标系应为 wgs84、gcj02（高德、腾讯）或 bd09（百度）"))
    for number in (value["lon"], value["lat"]):
        if isinstance(number, bool) or not isinstance(number, (int, float, Decimal)):
            raise FieldProblem(_("经纬度应为数字"))
    # Compared as decimals: a huge integer does not fit a float, and NaN is out of every range.
    try:
        lon, lat = (Decimal(value[axis]) for axis in ("lon", "lat"))
    except InvalidOperation as error:
        raise FieldProblem(_("经纬度应为数字")) from error
    if not (lon.is_finite() and -180 <= lon <= 180):
        raise FieldProblem(_("经度应在 -180 到 180 之间"))
    if not (lat.is_finite() and -90 <= lat <= 90):
        raise FieldProblem(_("纬度应在 -90 到 90 之间"))
    return Point(*to_wgs84(float(lon), float(lat), system), source=system)


Location = _field_type(
    Point | None,
    _location,
    schema={
        "type": ["object", "null"],
        "description": "WGS-84 as read. As written, in `system` (default wgs84): gcj02 (高德, "
        "Tencent) and bd09 (Baidu) are converted to WGS-84 and the system is kept as the "
        "record's location_source.",
        "properties": {
            "lon": {"type": "number", "minimum": -180, "maximum": 180},
            "lat": {"type": "number", "minimum": -90, "maximum": 90},
            "system": {"enum": list(SYSTEMS)},
        },
        "required": ["lon", "lat"],
        "additionalProperties": False,
    },
    serialize=lambda point: None if point is None else {"lon": point.lon, "lat": point.lat},
)


CREDIT_CODE_PROBLEMS = {
    "length": lambda length: _("统一社会信用代码应为18位，当前为%(length)d位", length=length),
    "characters": lambda length: _(
        "统一社会信用代码格式不正确：前8位应为数字，后10位为数字或字母（不含 I、O、Z、S、V）"
    ),
    "checksum": lambda length: _("统一社会信用代码校验位不正确，请核对后重新输入"),
}


def clean_credit_code(value) -> str | None:
    """A credit code normalised and checked; FieldProblem says what is wrong with it."""
    if value is not None and not isinstance(value, str):
        raise FieldProblem(_("应为文本"))
    if value is not None and len(value) > 100:
        raise FieldProblem(_("最多 %(max)d 个字符，当前 %(length)d 个", max=100, length=len(value)))
    try:
        return credit_code.validate(value)
    except credit_code.CreditCodeError as error:
        length = len(credit_code.normalise(value) or "")
        raise FieldProblem(CREDIT_CODE_PROBLEMS[error.reason](length)) from error


CreditCode = _field_type(
    str | None,
    clean_credit_code,
    schema={
        "type": ["string", "null"],
        "description": "统一社会信用代码 (18 characters, checked); sent normalised.",
        "pattern": "^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$",
    },
)


# ---- query parameters, which always arrive as text ----


def _query_flag(value) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    if not isinstance(value, str) or value.lower() not in ("true", "false"):
        raise FieldProblem(_("应为 true 或 false"))
    return value.lower() == "true"


QueryFlag = _field_type(bool | None, _query_flag, schema={"type": "boolean"})

# PostgreSQL's integer key: a larger id simply finds nothing.
MAX_ID = 2**31 - 1


def _query_number(value) -> int | None:
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"\d{1,10}", value, re.ASCII):
        raise FieldProblem(_("应为正整数"))
    return int(value)


QueryNumber = _field_type(int | None, _query_number, schema={"type": "integer", "minimum": 1})


def _record_id(value) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise FieldProblem(_("应为记录编号（整数）"))
    if not 0 < value <= MAX_ID:
        raise FieldProblem(_("编号不存在"))
    return value


# Another record, by its id (its rules check that it exists and may be used).
RecordId = _field_type(
    int | None, _record_id, schema={"type": ["integer", "null"], "minimum": 1, "maximum": MAX_ID}
)


def _json_object(value) -> dict | None:
    if value is not None and not isinstance(value, dict):
        raise FieldProblem(_("应为 JSON 对象"))
    return value


def JsonObject(description: str):
    """An object a service checks by another declaration (a record created inline)."""
    return _field_type(
        dict | None,
        _json_object,
        schema={"type": ["object", "null"], "description": description},
    )
