"""Enterprises: the rules for their fields, the list query, and every write with its audit trail."""

import math
import re
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import partial

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from crm import uscc as credit_code
from crm.models import ChainSegment, District, Enterprise, EnterpriseTag, enterprise_segments
from crm.models.base import utcnow
from crm.services import audit, search
from crm.services.errors import StaleVersion, UnknownFields, ValidationError
from crm.services.names import name_initials, normalise_name
from crm.vocabulary import ENTERPRISE_TAG, RATING

MONEY_FIELDS = ("output_wan", "tax_wan", "rd_spend_wan", "registered_capital_wan")
QUANTITY_FIELDS = ("land_mu", "energy_tce", "emissions_t")
DECIMAL_FIELDS = MONEY_FIELDS + QUANTITY_FIELDS
FLAG_FIELDS = ("is_leading", "is_chain_leader", "is_above_scale", "is_local")
RATING_FIELDS = ("safety_rating", "environment_rating")
TEXT_FIELDS = ("legal_representative", "address", "industry_code")
WRITABLE_FIELDS = frozenset(
    {
        "name",
        "uscc",
        "aliases",
        "district",
        "segments",
        "tags",
        "location",
        "employees",
        "established_on",
        *DECIMAL_FIELDS,
        *FLAG_FIELDS,
        *RATING_FIELDS,
        *TEXT_FIELDS,
    }
)
# Shown in the record but set by the system; `version` travels beside the fields of an update.
READ_ONLY_FIELDS = frozenset({"id", "version", "name_initials", "created_at", "updated_at"})

MAX_EMPLOYEES = 10_000_000
MAX_ALIASES = 50
MAX_LIST_ITEMS = 100
EARLIEST_ESTABLISHED_ON = date(1800, 1, 1)
# PostgreSQL's integer key; a larger id in a URL simply finds nothing.
MAX_ID = 2**31 - 1

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_DECIMAL_TEXT = re.compile(r"-?\d+(\.\d+)?", re.ASCII)


class _Invalid(ValueError):
    """One field's message, raised by its cleaner."""


def _column(name: str):
    return Enterprise.__table__.c[name]


# ---- cleaners: one per kind of field, each returning the stored value or raising _Invalid ----


def _text(value, max_length: int, *, required: bool = False) -> str | None:
    if value is None:
        if required:
            raise _Invalid(_("不能为空"))
        return None
    if not isinstance(value, str):
        raise _Invalid(_("应为文本"))
    text = value.strip()
    if not text:
        if required:
            raise _Invalid(_("不能为空"))
        return None  # empty optional text is NULL, never ""
    if len(text) > max_length:
        raise _Invalid(
            _("最多 %(max)d 个字符，当前 %(length)d 个", max=max_length, length=len(text))
        )
    # The database refuses NUL and lone surrogates; other control characters break exports.
    if any(unicodedata.category(char) in ("Cc", "Cs") for char in text):
        raise _Invalid(_("不能包含控制字符"))
    return text


def _column_text(name: str):
    max_length = _column(name).type.length
    return lambda value: _text(value, max_length)


def _decimal(name: str):
    """A cleaner for a Numeric column: decimal string or number, ≥ 0, within its digits."""
    kind = _column(name).type
    limit = Decimal(10) ** (kind.precision - kind.scale)
    places = kind.scale

    def clean(value) -> Decimal | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, bool):
            raise _Invalid(_("应为数字"))
        if isinstance(value, str):
            if not _DECIMAL_TEXT.fullmatch(value.strip()):
                raise _Invalid(_("应为数字，如 1234.5"))
            number = Decimal(value.strip())
        elif isinstance(value, (int, Decimal)):
            number = Decimal(value)
        elif isinstance(value, float) and math.isfinite(value):
            number = Decimal(str(value))
        else:
            raise _Invalid(_("应为数字"))
        if not number.is_finite():
            raise _Invalid(_("应为数字"))
        if number < 0:
            raise _Invalid(_("不能为负数"))
        if number >= limit:
            raise _Invalid(_("应小于 %(limit)s", limit=f"{limit:,f}"))
        if _decimal_places(number) > places:
            raise _Invalid(_("最多保留 %(places)d 位小数", places=places))
        return number + 0  # -0 becomes 0

    return clean


def _decimal_places(number: Decimal) -> int:
    """Decimal places that matter: 1.50 has one."""
    if number.is_zero():
        return 0
    _sign, digits, exponent = number.as_tuple()
    significant = "".join(map(str, digits)).rstrip("0")
    return max(0, -(exponent + len(digits) - len(significant)))


def _flag(value) -> bool:
    if not isinstance(value, bool):
        raise _Invalid(_("应为 true 或 false"))
    return value


def _employees(value) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Invalid(_("应为整数"))
    if value < 0:
        raise _Invalid(_("不能为负数"))
    if value > MAX_EMPLOYEES:
        raise _Invalid(_("不能超过 %(max)d", max=MAX_EMPLOYEES))
    return value


def _rating(value) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or value not in RATING:
        raise _Invalid(_("应为以下之一：%(keys)s", keys=", ".join(RATING.keys)))
    return value


def _established_on(value) -> date | None:
    if value is None or value == "":
        return None
    # fromisoformat alone would also take 20240101 and week dates.
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise _Invalid(_("日期格式应为 YYYY-MM-DD"))
    try:
        day = date.fromisoformat(value)
    except ValueError as error:
        raise _Invalid(_("日期不存在")) from error
    if day < EARLIEST_ESTABLISHED_ON:
        raise _Invalid(_("日期不能早于 %(day)s", day=EARLIEST_ESTABLISHED_ON.isoformat()))
    return day


def _location(value) -> tuple[float, float] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) != {"lon", "lat"}:
        raise _Invalid(_('应为 {"lon": 经度, "lat": 纬度}'))
    for number in value.values():
        if isinstance(number, bool) or not isinstance(number, (int, float, Decimal)):
            raise _Invalid(_("经纬度应为数字"))
    # Compared as decimals: a huge integer does not fit a float, and NaN is out of every range.
    lon, lat = (Decimal(value[axis]) for axis in ("lon", "lat"))
    if not (lon.is_finite() and -180 <= lon <= 180):
        raise _Invalid(_("经度应在 -180 到 180 之间"))
    if not (lat.is_finite() and -90 <= lat <= 90):
        raise _Invalid(_("纬度应在 -90 到 90 之间"))
    return float(lon), float(lat)


def _string_list(value, max_items: int, max_length: int) -> list[str]:
    """A list of non-empty strings, duplicates dropped, order kept."""
    if not isinstance(value, list):
        raise _Invalid(_("应为列表"))
    if len(value) > max_items:
        raise _Invalid(_("最多 %(max)d 项", max=max_items))
    items = [_text(item, max_length, required=True) for item in value]
    return list(dict.fromkeys(items))


def _aliases(value) -> list[str]:
    return _string_list(value, MAX_ALIASES, _column("name").type.length)


def _tags(value) -> list[str]:
    keys = _string_list(value, MAX_LIST_ITEMS, EnterpriseTag.__table__.c.tag.type.length)
    unknown = [key for key in keys if key not in ENTERPRISE_TAG]
    if unknown:
        raise _Invalid(
            _(
                "未知标签：%(unknown)s；可选：%(keys)s",
                unknown=", ".join(unknown),
                keys=", ".join(ENTERPRISE_TAG.keys),
            )
        )
    return keys


CLEANERS = {
    "name": lambda value: _text(value, _column("name").type.length, required=True),
    "aliases": _aliases,
    "tags": _tags,
    "segments": lambda value: _string_list(
        value, MAX_LIST_ITEMS, ChainSegment.__table__.c.code.type.length
    ),
    "district": lambda value: _text(value, District.__table__.c.code.type.length),
    "location": _location,
    "employees": _employees,
    "established_on": _established_on,
    **{name: _decimal(name) for name in DECIMAL_FIELDS},
    **{name: _flag for name in FLAG_FIELDS},
    **{name: _rating for name in RATING_FIELDS},
    **{name: _column_text(name) for name in TEXT_FIELDS},
}


# ---- validation of a whole record ----


def check_field_names(data: dict, locale: str = "zh") -> None:
    """UnknownFields unless every key is a field the caller may write."""
    with force_locale(locale):
        unknown = {
            key: [_("只读字段，不可修改") if key in READ_ONLY_FIELDS else _("未知字段")]
            for key in data
            if key not in WRITABLE_FIELDS
        }
    if unknown:
        raise UnknownFields(unknown)


def validate_enterprise(
    session: Session, data: dict, locale: str = "zh", enterprise: Enterprise | None = None
) -> dict:
    """Clean the incoming fields (all of a new record, any of an existing one).

    Returns values ready to store: District and ChainSegment rows for codes, a (lon, lat) pair.
    Raises UnknownFields, or ValidationError with every wrong field's messages.
    """
    check_field_names(data, locale)
    with force_locale(locale):
        errors: dict[str, list[str]] = {}
        cleaned = {}
        if enterprise is None and "name" not in data:
            errors["name"] = [_("必填")]
        for key, value in data.items():
            try:
                if key == "uscc":
                    cleaned[key] = _credit_code(session, value, locale, enterprise)
                else:
                    cleaned[key] = CLEANERS[key](value)
            except _Invalid as error:
                errors[key] = [str(error)]

        if cleaned.get("district") is not None:
            try:
                cleaned["district"] = _district(session, cleaned["district"])
            except _Invalid as error:
                errors["district"] = [str(error)]
        if "segments" in cleaned:
            try:
                cleaned["segments"] = _segments(session, cleaned["segments"])
            except _Invalid as error:
                errors["segments"] = [str(error)]
        if errors:
            raise ValidationError(errors)
    return cleaned


def _credit_code(session: Session, value, locale: str, enterprise: Enterprise | None):
    if value is not None and not isinstance(value, str):
        raise _Invalid(_("应为文本"))
    if value is not None and len(value) > 100:
        raise _Invalid(_("最多 %(max)d 个字符，当前 %(length)d 个", max=100, length=len(value)))
    try:
        code = credit_code.validate(value)
    except credit_code.CreditCodeError as error:
        raise _Invalid(credit_code.message(error, value, _("统一社会信用代码"), locale)) from error
    if code is None:
        return None
    # The column is unique over deleted records too, so a deleted holder blocks the code as well.
    holder = select(Enterprise.id, Enterprise.name, Enterprise.deleted_at).where(
        Enterprise.uscc == code
    )
    if enterprise is not None:
        holder = holder.where(Enterprise.id != enterprise.id)
    existing = session.execute(holder).first()
    if existing is not None:
        if existing.deleted_at is None:
            message = _(
                "统一社会信用代码已被企业“%(name)s”（编号 %(id)d）使用",
                name=existing.name,
                id=existing.id,
            )
        else:
            message = _(
                "统一社会信用代码已被已删除的企业“%(name)s”（编号 %(id)d）使用",
                name=existing.name,
                id=existing.id,
            )
        raise _Invalid(message)
    return code


def _district(session: Session, code: str) -> District:
    district = session.scalar(select(District).where(District.code == code))
    if district is None:
        raise _Invalid(_("未知区县代码：%(code)s", code=code))
    return district


def _segments(session: Session, codes: list[str]) -> list[ChainSegment]:
    """Segments by code; codes are unique within a chain, so one found twice is ambiguous."""
    rows = session.scalars(
        select(ChainSegment).where(ChainSegment.code.in_(codes), ChainSegment.level == "segment")
    ).all()
    by_code: dict[str, list[ChainSegment]] = {}
    for row in rows:
        by_code.setdefault(row.code, []).append(row)
    unknown = [code for code in codes if code not in by_code]
    if unknown:
        raise _Invalid(_("未知产业链环节代码：%(codes)s", codes=", ".join(unknown)))
    ambiguous = [code for code in codes if len(by_code[code]) > 1]
    if ambiguous:
        raise _Invalid(_("环节代码在多条产业链中重复：%(codes)s", codes=", ".join(ambiguous)))
    return [by_code[code][0] for code in codes]


# ---- writes ----


def _actor_id(actor) -> int | None:
    return actor.id if actor is not None else None


def _assign_columns(enterprise: Enterprise, cleaned: dict) -> None:
    for key, value in cleaned.items():
        if key == "name":
            enterprise.name = value
            # Bounded by their columns: NFKC and lower case can lengthen a name.
            enterprise.name_normalised = normalise_name(value)[
                : _column("name_normalised").type.length
            ]
            enterprise.name_initials = name_initials(value)[: _column("name_initials").type.length]
        elif key == "location":
            enterprise.lon, enterprise.lat = value if value is not None else (None, None)
        elif key == "district":
            # The id, not the relationship, so the audit diff sees the change before the flush.
            enterprise.district_id = value.id if value is not None else None
        elif key not in ("segments", "tags"):
            setattr(enterprise, key, value)
    if "name" in cleaned or "aliases" in cleaned:
        for key, value in search.search_columns(
            enterprise.name, enterprise.aliases or [], enterprise.name_initials
        ).items():
            setattr(enterprise, key, value)


def _codes(segments) -> list[str]:
    return sorted(segment.code for segment in segments)


def _tag_keys(tags) -> list[str]:
    return sorted(tag.tag for tag in tags)


def _joined(values: list[str]) -> str | None:
    return ",".join(values) or None


def create_enterprise(session: Session, data: dict, actor, locale: str = "zh") -> Enterprise:
    cleaned = validate_enterprise(session, data, locale)
    enterprise = Enterprise(created_by_id=_actor_id(actor), aliases=[])
    _assign_columns(enterprise, cleaned)
    enterprise.segments = cleaned.get("segments", [])
    enterprise.tags = [EnterpriseTag(tag=key) for key in cleaned.get("tags", [])]
    with _holder_named_on_conflict(session, partial(validate_enterprise, session, data, locale)):
        session.add(enterprise)
    audit.record_create(session, enterprise, _actor_id(actor))
    for field, values in (
        ("segments", _codes(enterprise.segments)),
        ("tags", _tag_keys(enterprise.tags)),
    ):
        if values:
            audit.record_value(
                session, "create", enterprise, field, None, _joined(values), _actor_id(actor)
            )
    session.flush()
    return enterprise


def update_enterprise(
    session: Session,
    enterprise: Enterprise,
    data: dict,
    expected_version: int,
    actor,
    locale: str = "zh",
) -> Enterprise:
    """Apply the changed fields; StaleVersion when the record moved on since `expected_version`."""
    check_field_names(data, locale)
    if enterprise.version != expected_version:
        raise StaleVersion
    cleaned = validate_enterprise(session, data, locale, enterprise)
    # Read the collections before any column changes, so their lazy loads flush nothing.
    old_segments, old_tags = _codes(enterprise.segments), _tag_keys(enterprise.tags)

    revalidate = partial(validate_enterprise, session, data, locale, enterprise)
    try:
        with _holder_named_on_conflict(session, revalidate):
            _assign_columns(enterprise, cleaned)
            changed = audit.record_update(session, enterprise, _actor_id(actor))

            if "segments" in cleaned and _codes(cleaned["segments"]) != old_segments:
                enterprise.segments = cleaned["segments"]
                changed.append("segments")
                audit.record_value(
                    session,
                    "update",
                    enterprise,
                    "segments",
                    _joined(old_segments),
                    _joined(_codes(cleaned["segments"])),
                    _actor_id(actor),
                )
            if "tags" in cleaned and sorted(cleaned["tags"]) != old_tags:
                wanted = set(cleaned["tags"])
                kept = [tag for tag in enterprise.tags if tag.tag in wanted]
                added = [EnterpriseTag(tag=key) for key in cleaned["tags"] if key not in old_tags]
                enterprise.tags = kept + added
                changed.append("tags")
                audit.record_value(
                    session,
                    "update",
                    enterprise,
                    "tags",
                    _joined(old_tags),
                    _joined(sorted(wanted)),
                    _actor_id(actor),
                )
            if changed:
                # Touching a column makes SQLAlchemy bump `version` even when only collections changed.
                enterprise.updated_at = utcnow()
    except StaleDataError as error:  # another writer got in between the check and the flush
        raise StaleVersion from error
    return enterprise


@contextmanager
def _holder_named_on_conflict(session: Session, validate_again):
    """Make the changes in the block and flush them in a savepoint; if another writer took the
    credit code since validation, say who holds it.

    The unique constraint is the real guard; validating again after it fires finds the holder
    and raises the usual ValidationError instead of an IntegrityError (a 500 in the API). The
    savepoint begins before the changes, since beginning one flushes what is pending.
    """
    try:
        with session.begin_nested():
            yield
            session.flush()
    except IntegrityError:
        with session.no_autoflush:
            validate_again()
        raise


def soft_delete_enterprise(session: Session, enterprise: Enterprise, actor) -> None:
    enterprise.deleted_at = utcnow()
    audit.record_event(session, "delete", Enterprise.__tablename__, enterprise.id, _actor_id(actor))
    session.flush()


# ---- reads ----


def get_enterprise(session: Session, enterprise_id: int) -> Enterprise | None:
    """A live enterprise, or None when absent or deleted."""
    if not 0 < enterprise_id <= MAX_ID:
        return None
    enterprise = session.get(Enterprise, enterprise_id)
    if enterprise is None or enterprise.deleted_at is not None:
        return None
    return enterprise


@dataclass(frozen=True)
class EnterpriseFilters:
    q: str | None = None  # part of the name, an alias or the initials, or a credit code's start
    uscc: str | None = None
    segment: str | None = None  # a segment code
    district: str | None = None  # a district code
    tag: str | None = None
    is_leading: bool | None = None
    is_chain_leader: bool | None = None
    is_above_scale: bool | None = None
    is_local: bool | None = None


# What a list shows: no collections, so one query answers a page.
LIST_COLUMNS = (
    Enterprise.id,
    Enterprise.version,
    Enterprise.uscc,
    Enterprise.name,
    Enterprise.name_initials,
    District.code.label("district"),
    Enterprise.is_leading,
    Enterprise.is_chain_leader,
    Enterprise.is_above_scale,
    Enterprise.is_local,
    Enterprise.output_wan,
    Enterprise.tax_wan,
    Enterprise.employees,
    Enterprise.updated_at,
)


def list_enterprises(
    session: Session, filters: EnterpriseFilters, page: int, per_page: int, locale: str = "zh"
) -> tuple[list, bool]:
    """One page of live enterprises by id, and whether another page follows.

    Raises ValidationError, keyed by filter, for a district, segment or tag that cannot exist.
    """
    statement = (
        select(*LIST_COLUMNS)
        .outerjoin(District, District.id == Enterprise.district_id)
        .where(Enterprise.deleted_at.is_(None))
    )
    with force_locale(locale):
        statement = _filtered(session, statement, filters)
    # One row more than the page tells whether there is a next page, without counting.
    rows = session.execute(
        statement.order_by(Enterprise.id).offset((page - 1) * per_page).limit(per_page + 1)
    ).all()
    return rows[:per_page], len(rows) > per_page


def _filtered(session: Session, statement, filters: EnterpriseFilters):
    if filters.q:
        statement = statement.where(search.matching(session, filters.q))
    code = credit_code.normalise(filters.uscc)
    if code:
        statement = statement.where(Enterprise.uscc == code)
    for flag in FLAG_FIELDS:
        value = getattr(filters, flag)
        if value is not None:
            statement = statement.where(getattr(Enterprise, flag) == value)
    if filters.district:
        district_id = session.scalar(select(District.id).where(District.code == filters.district))
        if district_id is None:
            raise ValidationError(
                {"district": [_("未知区县代码：%(code)s", code=filters.district)]}
            )
        statement = statement.where(Enterprise.district_id == district_id)
    if filters.segment:
        segment_ids = session.scalars(
            select(ChainSegment.id).where(
                ChainSegment.code == filters.segment, ChainSegment.level == "segment"
            )
        ).all()
        if not segment_ids:
            raise ValidationError(
                {"segment": [_("未知产业链环节代码：%(codes)s", codes=filters.segment)]}
            )
        statement = statement.where(
            exists().where(
                enterprise_segments.c.enterprise_id == Enterprise.id,
                enterprise_segments.c.segment_id.in_(segment_ids),
            )
        )
    if filters.tag:
        if filters.tag not in ENTERPRISE_TAG:
            raise ValidationError(
                {"tag": [_("应为以下之一：%(keys)s", keys=", ".join(ENTERPRISE_TAG.keys))]}
            )
        statement = statement.where(
            exists().where(
                EnterpriseTag.enterprise_id == Enterprise.id, EnterpriseTag.tag == filters.tag
            )
        )
    return statement
