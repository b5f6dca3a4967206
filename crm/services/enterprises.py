"""Enterprises: the rules a record keeps beyond its declaration, the list queries, and every
write with its audit trail. Callers give values (text, or a Decimal and a date) and the actor."""

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache, partial

from flask import current_app, has_app_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, exists, select
from sqlalchemy.orm import Session

from crm import uscc as credit_code
from crm.coordinates import WGS84
from crm.models import (
    ChainSegment,
    District,
    Enterprise,
    EnterpriseTag,
    Park,
    Unit,
    enterprise_segments,
)
from crm.permissions import has_right
from crm.schemas.enterprises import ENTERPRISES, EnterpriseFilters
from crm.schemas.fields import FieldProblem, Point
from crm.services import audit, records, search
from crm.services.errors import Forbidden, ValidationError
from crm.services.names import name_initials, normalise_name
from crm.services.scope import NONE, Scope, scope_of

READ, WRITE, DELETE = "enterprise.read", "enterprise.write", "enterprise.delete"
FLAGS = ("is_leading", "is_chain_leader", "is_above_scale", "is_local")
RATINGS = ("safety_rating", "environment_rating")
# Columns whose values the record takes as they are; the rest are resolved or derived.
PLAIN_COLUMNS = tuple(
    sorted(ENTERPRISES.writable - {"name", "location", "district", "park", "segments", "tags"})
)


# ---- rules: references resolved, unique values checked ----


def _unknown_district(code: str) -> str:
    return _("未知区县代码：%(code)s", code=code)


def _unknown_segments(codes: str) -> str:
    return _("未知产业链环节代码：%(codes)s", codes=codes)


@dataclass(frozen=True)
class Holder:
    """The record that holds a unique value, or an earlier row of the same import (`row`)."""

    id: int | None
    name: str
    deleted_at: object = None
    row: int | None = None


class Lookups:
    """What the rules look up: references by code or name, and who holds a unique value. One
    query each, as a single record needs; an import reads them all at once (crm.services
    .enterprise_import)."""

    def __init__(self, session: Session):
        self.session = session

    def district(self, code: str) -> District | None:
        return self.session.scalar(select(District).where(District.code == code))

    def park(self, name: str) -> Park | None:
        return self.session.scalar(select(Park).where(Park.name == name))

    def segments(self, codes: list[str]) -> dict[str, list[ChainSegment]]:
        found: dict[str, list[ChainSegment]] = {}
        for segment in self.session.scalars(
            select(ChainSegment).where(
                ChainSegment.level == "segment", ChainSegment.code.in_(codes)
            )
        ):
            found.setdefault(segment.code, []).append(segment)
        return found

    def credit_code_holder(self, code: str, excluding_id: int | None) -> Holder | None:
        # The column is unique over deleted records too, so a deleted holder blocks the code.
        row = records.holder_of(self.session, Enterprise.uscc, code, excluding_id, live_only=False)
        return Holder(row.id, row.name, row.deleted_at) if row else None

    def name_holder(self, normalised: str, excluding_id: int | None) -> Holder | None:
        row = records.holder_of(
            self.session, Enterprise.name_normalised, normalised, excluding_id, live_only=True
        )
        return Holder(row.id, row.name) if row else None


def _district(lookups: Lookups, code: str | None, _enterprise) -> District | None:
    if code is None:
        return None
    district = lookups.district(code)
    if district is None:
        raise FieldProblem(_unknown_district(code))
    return district


def _park(lookups: Lookups, name: str | None, _enterprise) -> Park | None:
    if name is None:
        return None
    park = lookups.park(name)
    if park is None:
        raise FieldProblem(_("未知园区：%(name)s", name=name))
    return park


def _segments(lookups: Lookups, codes: list[str], _enterprise) -> list[ChainSegment]:
    found = lookups.segments(codes) if codes else {}
    missing = [code for code in codes if code not in found]
    if missing:
        raise FieldProblem(_unknown_segments(", ".join(missing)))
    ambiguous = [code for code in codes if len(found[code]) > 1]
    if ambiguous:
        raise FieldProblem(_("代码不唯一：%(codes)s", codes=", ".join(ambiguous)))
    return [found[code][0] for code in codes]


def _credit_code(lookups: Lookups, code: str | None, enterprise) -> str | None:
    if code is None:
        return None
    holder = lookups.credit_code_holder(code, _id(enterprise))
    if holder is None:
        return code
    if holder.row is not None:
        message = _("统一社会信用代码与第 %(row)d 行重复", row=holder.row)
    elif holder.deleted_at is None:
        message = _(
            "统一社会信用代码已被企业“%(name)s”（编号 %(id)d）使用", name=holder.name, id=holder.id
        )
    else:
        message = _(
            "统一社会信用代码已被已删除的企业“%(name)s”（编号 %(id)d）使用",
            name=holder.name,
            id=holder.id,
        )
    raise FieldProblem(message, holder_id=holder.id)


def _name(lookups: Lookups, name: str, enterprise) -> str:
    """Two live enterprises may not share a name once spaces, brackets and widths are ignored."""
    normalised = normalised_name(name)
    if enterprise is not None and normalised == enterprise.name_normalised:
        return name
    holder = lookups.name_holder(normalised, _id(enterprise))
    if holder is None:
        return name
    if holder.row is not None:
        raise FieldProblem(_("企业名称与第 %(row)d 行重复", row=holder.row))
    raise FieldProblem(
        _("已有同名企业“%(name)s”（编号 %(id)d）", name=holder.name, id=holder.id),
        holder_id=holder.id,
    )


RULES = {
    "name": _name,
    "uscc": _credit_code,
    "district": _district,
    "park": _park,
    "segments": _segments,
}


def _id(enterprise: Enterprise | None) -> int | None:
    return enterprise.id if enterprise is not None else None


@lru_cache(maxsize=1024)  # the rules, the import and the write each ask for the same name
def normalised_name(name: str) -> str:
    # Bounded by their columns: NFKC and lower case can lengthen a name.
    return normalise_name(name)[: Enterprise.__table__.c.name_normalised.type.length]


def check_enterprise(
    session: Session,
    data: Mapping,
    enterprise: Enterprise | None = None,
    lookups: Lookups | None = None,
) -> dict:
    """The values of `data` ready to store (District, Park and ChainSegment rows for codes),
    for a new record when `enterprise` is None. Raises UnknownFields, or ValidationError
    naming every wrong field and the holder of any value already taken."""
    lookups = lookups or Lookups(session)
    cleaned, errors = ENTERPRISES.clean(data, partial=enterprise is not None)
    holders = {}
    for field, rule in RULES.items():
        if field in cleaned and field not in errors:
            try:
                cleaned[field] = rule(lookups, cleaned[field], enterprise)
            except FieldProblem as problem:
                errors[field] = [str(problem)]
                if problem.holder_id is not None:
                    holders[field] = problem.holder_id
    if errors:
        raise ValidationError(errors, holders)
    return cleaned


# ---- scope: which enterprises a user may create, change and delete ----

# Actions a scope refuses, each with its own reason.
CREATE, CHANGE, MOVE = "create", "change", "move"
CITY_ONLY = _l("只有管理员和市招商局的工作人员可以删除或合并企业。")


def actor_scope(session: Session, actor) -> Scope | None:
    """The actor's scope; None for the system, which, as in records.require, may do anything."""
    return scope_of(session, actor) if actor is not None else None


def scope_refusal(session: Session, scope: Scope | None, district_id: int | None, action: str):
    """Why a user of `scope` may not create (CREATE), change (CHANGE) or move into (MOVE) an
    enterprise of `district_id`; None when they may."""
    if scope is None or scope.may_write_district(district_id):
        return None
    if scope.kind == NONE:
        return _("您的账号未设所属单位，不能新建或修改企业；请联系管理员设置单位。")
    district = session.get(District, district_id)
    unit = session.get(Unit, scope.unit_id)
    names = {"district": district.name, "unit": unit.name}
    if action == CREATE:
        return _("%(district)s不在%(unit)s的辖区内，不能在那里新建企业。", **names)
    if action == MOVE:
        return _("不能把企业移到%(district)s：不在%(unit)s的辖区内。", **names)
    return _("该企业属于%(district)s，不在%(unit)s的辖区内，您不能修改。", **names)


def _require_scope(session: Session, scope, district_id: int | None, action: str) -> None:
    refusal = scope_refusal(session, scope, district_id, action)
    if refusal is not None:
        raise Forbidden(refusal)


def may_create(session: Session, actor) -> bool:
    """Whether the actor may create an enterprise at all (somewhere in their scope)."""
    if actor is None:
        return True
    return has_right(actor, WRITE) and scope_of(session, actor).kind != NONE


def may_change(session: Session, enterprise: Enterprise, actor) -> bool:
    """Whether the actor may change this record: the write right, and its district in scope."""
    if actor is not None and not has_right(actor, WRITE):
        return False
    return (
        scope_refusal(session, actor_scope(session, actor), enterprise.district_id, CHANGE) is None
    )


# ---- writes ----


def enterprise_columns(values: dict) -> dict:
    """The table's columns for checked values: derived names, ids for references, lon and lat."""
    columns = {key: values[key] for key in PLAIN_COLUMNS if key in values}
    if "name" in values:
        columns["name"] = values["name"]
        columns["name_normalised"] = normalised_name(values["name"])
        columns["name_initials"] = name_initials(values["name"])[
            : Enterprise.__table__.c.name_initials.type.length
        ]
    if "name" in values and "aliases" in values:  # a whole record, as a new one is
        columns |= search.search_columns(
            values["name"], values["aliases"], columns["name_initials"]
        )
    if "location" in values:
        location = values["location"]
        columns["lon"], columns["lat"] = (location.lon, location.lat) if location else (None, None)
        columns["location_source"] = location.source if location else None
    # Ids, not relationships, so the audit diff sees the change before the flush.
    if "district" in values:
        columns["district_id"] = _id(values["district"])
    if "park" in values:
        columns["park_id"] = _id(values["park"])
    return columns


def _assign_columns(enterprise: Enterprise, values: dict) -> None:
    for key, value in enterprise_columns(values).items():
        setattr(enterprise, key, value)
    if "name" in values or "aliases" in values:
        refresh_search(enterprise)


def refresh_search(enterprise: Enterprise) -> None:
    """The search columns anew from the record's name, aliases and initials."""
    columns = search.search_columns(
        enterprise.name, enterprise.aliases or [], enterprise.name_initials
    )
    for key, value in columns.items():
        setattr(enterprise, key, value)


def _segment_code(segment: ChainSegment) -> str:
    return segment.code


def _tag_key(tag: EnterpriseTag) -> str:
    return tag.tag


# The app installs the map's spatial join here (app.py): crm never imports geo, which needs
# geopandas. Without it (a bare crm), records keep the district they are given.
PLACE_FINDER = "investatlas.place_of"
DISTRICTS_FINDER = "investatlas.districts_of"  # many points at once, for imports


def _place_by_location(session: Session, data: Mapping, values: dict) -> None:
    """A location saved without a district (or park) gets the district (and park) it lies in,
    found by spatial join; a district or park given with it is kept as given."""
    find = current_app.extensions.get(PLACE_FINDER) if has_app_context() else None
    location = values.get("location")
    if find is None or location is None or (data.get("district") and data.get("park")):
        return
    place = find(location.lon, location.lat)
    district = place["district"] and session.scalar(
        select(District).where(District.code == place["district"])
    )
    if not data.get("district") and district:  # a code the city file has but the database not
        values["district"] = district
    park = place["park"] and session.scalar(select(Park).where(Park.name == place["park"]))
    if not data.get("park") and park:
        values["park"] = park


def create_enterprise(session: Session, data: Mapping, actor) -> Enterprise:
    """A new record; Forbidden, saying why, outside the actor's scope."""
    records.require(actor, WRITE)
    scope = actor_scope(session, actor)
    if scope is not None and scope.kind == NONE:
        _require_scope(session, scope, None, CREATE)
    values = check_enterprise(session, data)
    _place_by_location(session, data, values)
    _require_scope(session, scope, _id(values.get("district")), CREATE)
    enterprise = Enterprise(created_by_id=records.actor_id(actor), aliases=[])
    _assign_columns(enterprise, values)
    with records.unique_conflicts(session, partial(check_enterprise, session, data)):
        session.add(enterprise)
    audit.record_create(session, enterprise, records.actor_id(actor))
    _replace_collections(session, enterprise, values, actor, "create")
    session.flush()
    return enterprise


def update_enterprise(
    session: Session,
    enterprise: Enterprise,
    data: Mapping,
    expected_version: int,
    actor,
    scope: Scope | None = None,
) -> Enterprise:
    """Apply the fields given; StaleVersion when the record moved on since `expected_version`,
    Forbidden (saying why) when the record, or the district it would move to, is outside the
    actor's scope (`scope`, when the caller has it already)."""
    records.require(actor, WRITE)
    scope = scope or actor_scope(session, actor)
    _require_scope(session, scope, enterprise.district_id, CHANGE)
    ENTERPRISES.check_names(data)
    records.check_version(enterprise, expected_version)
    values = check_enterprise(session, data, enterprise)
    _place_by_location(session, data, values)
    if "district" in values:
        _require_scope(session, scope, _id(values["district"]), MOVE)
    # Read the collections before any column changes, so their lazy loads flush nothing.
    enterprise.segments, enterprise.tags  # noqa: B018
    with (
        records.stale_as_conflict(),
        records.unique_conflicts(session, partial(check_enterprise, session, data, enterprise)),
    ):
        _assign_columns(enterprise, values)
        changed = audit.record_update(session, enterprise, records.actor_id(actor))
        changed += _replace_collections(session, enterprise, values, actor)
        if changed:
            records.touch(enterprise)
    return enterprise


def _replace_collections(session: Session, enterprise, values: dict, actor, action="update"):
    """The segments and tags `values` holds, each with its audit event; returns which changed."""
    changed = []
    if "segments" in values and records.replace_collection(
        session, enterprise, "segments", values["segments"], _segment_code, actor, action
    ):
        changed.append("segments")
    tags = [EnterpriseTag(tag=key) for key in values.get("tags", [])]
    if "tags" in values and records.replace_collection(
        session, enterprise, "tags", tags, _tag_key, actor, action
    ):
        changed.append("tags")
    return changed


def delete_enterprise(session: Session, enterprise: Enterprise, actor) -> None:
    # The record disappears for every district: the city's decision (crm.permissions).
    records.require(actor, DELETE, CITY_ONLY)
    records.soft_delete(session, enterprise, actor)


# ---- reads ----


def get_enterprise(session: Session, enterprise_id: int, actor) -> Enterprise:
    return records.get_live(session, Enterprise, enterprise_id, actor, READ)


def enterprise_values(session: Session, enterprise: Enterprise) -> dict:
    """The record's values as its declaration names them."""
    district = session.get(District, enterprise.district_id) if enterprise.district_id else None
    park = session.get(Park, enterprise.park_id) if enterprise.park_id else None
    location = None
    if enterprise.lon is not None and enterprise.lat is not None:
        location = Point(enterprise.lon, enterprise.lat, enterprise.location_source or WGS84)
    return {
        **{key: getattr(enterprise, key) for key in PLAIN_COLUMNS},
        "id": enterprise.id,
        "version": enterprise.version,
        "name": enterprise.name,
        "name_initials": enterprise.name_initials,
        "aliases": list(enterprise.aliases or []),
        "district": district.code if district is not None else None,
        "park": park.name if park is not None else None,
        "segments": sorted(segment.code for segment in enterprise.segments),
        "tags": sorted(tag.tag for tag in enterprise.tags),
        "location": location,
        "location_source": location.source if location else None,
        "created_at": enterprise.created_at,
        "updated_at": enterprise.updated_at,
    }


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


def summary_values(row) -> dict:
    return row._asdict()


def _listed(session: Session, filters: EnterpriseFilters, actor) -> Select:
    records.require(actor, READ)
    statement = (
        select(*LIST_COLUMNS)
        .outerjoin(District, District.id == Enterprise.district_id)
        .where(Enterprise.deleted_at.is_(None))
    )
    return filtered(session, statement, filters)


SORTS = {
    "name": records.SortKey(Enterprise.name),
    "output": records.SortKey(Enterprise.output_wan, descending=True, nullable=True),
    "tax": records.SortKey(Enterprise.tax_wan, descending=True, nullable=True),
    "employees": records.SortKey(Enterprise.employees, descending=True, nullable=True),
    "updated": records.SortKey(Enterprise.updated_at, descending=True),
}
# Beyond this the list says "more than 10,000" rather than count a whole city.
COUNT_CAP = 10_000


@dataclass(frozen=True)
class Browse:
    rows: list
    has_next: bool
    count: int  # up to COUNT_CAP + 1

    @property
    def count_capped(self) -> bool:
        return self.count > COUNT_CAP


def browse_enterprises(
    session: Session,
    filters: EnterpriseFilters,
    actor,
    sort: str = "name",
    after: tuple | None = None,
    per_page: int = 50,
) -> Browse:
    """A page of the list as the pages show it: sorted by `sort` (a key of SORTS), continuing
    after the row whose (sort value, id) is `after`, with the count of everything found."""
    statement = _listed(session, filters, actor)
    rows, has_next = records.keyset_page(
        session, statement, SORTS[sort], Enterprise.id, after, per_page
    )
    count = records.capped_count(session, statement, Enterprise.id, COUNT_CAP)
    return Browse(rows, has_next, count)


def list_enterprises(
    session: Session, filters: EnterpriseFilters, actor, page: int = 1, per_page: int = 20
):
    """One page of live enterprises by id, and whether another page follows.

    Raises Forbidden without the read right, ValidationError for a district, segment or park
    that cannot exist."""
    statement = _listed(session, filters, actor).order_by(Enterprise.id)
    return records.numbered_page(session, statement, page, per_page)


def filtered(session: Session, statement: Select, filters: EnterpriseFilters) -> Select:
    """The statement narrowed to what the filters ask for."""
    if filters.q:
        statement = statement.where(search.matching(session, filters.q))
    code = credit_code.normalise(filters.uscc)
    if code:
        statement = statement.where(Enterprise.uscc == code)
    for flag in FLAGS:
        value = getattr(filters, flag)
        if value is not None:
            statement = statement.where(getattr(Enterprise, flag) == value)
    for rating in RATINGS:
        value = getattr(filters, rating)
        if value is not None:
            statement = statement.where(getattr(Enterprise, rating) == value)
    errors = {}
    if filters.district:
        try:
            district = _district(Lookups(session), filters.district, None)
            statement = statement.where(Enterprise.district_id == district.id)
        except FieldProblem as problem:
            errors["district"] = [str(problem)]
    if filters.park:
        statement = statement.where(Enterprise.park_id == filters.park)
    if filters.segment:
        segment_ids = session.scalars(
            select(ChainSegment.id).where(
                ChainSegment.code == filters.segment, ChainSegment.level == "segment"
            )
        ).all()
        if not segment_ids:
            errors["segment"] = [_unknown_segments(filters.segment)]
        statement = statement.where(
            exists().where(
                enterprise_segments.c.enterprise_id == Enterprise.id,
                enterprise_segments.c.segment_id.in_(segment_ids),
            )
        )
    if filters.tag:
        statement = statement.where(
            exists().where(
                EnterpriseTag.enterprise_id == Enterprise.id, EnterpriseTag.tag == filters.tag
            )
        )
    if errors:
        raise ValidationError(errors)
    return statement
