"""Annual targets (全年目标任务): one value per year, indicator and district or department.

A district's target covers its projects (its functional zones' too); a department's, the
projects its unit subtree owns. The city's own targets are those of the city bureau's unit
(Unit.kind == "city_bureau") with no district. Everyone who reads reports reads every target
(the quarterly bulletin publishes them); the city bureau's staff and admins set them
("target.write"), one at a time over the API, as a grid on /targets, or from a spreadsheet."""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.models import District, Target, Unit
from crm.schemas.fields import FieldProblem, parse_decimal
from crm.schemas.targets import (
    COUNT_INDICATORS,
    FIRST_YEAR,
    LAST_YEAR,
    RATE_INDICATORS,
    TARGETS,
    TargetFilters,
)
from crm.services import audit, records
from crm.services.errors import NotFound, ValidationError
from crm.services.scope import CITY_UNIT_KIND
from crm.vocabulary import TARGET_INDICATOR

READ, WRITE = "report.read", "target.write"
DISTRICT, UNIT = "district", "unit"
MAX_VALUE = Decimal(10) ** 14


def refusal() -> str:
    return _("只有市招商局工作人员和管理员可以设定全年目标。")


def targets_for(
    session: Session, year: int, district_id: int | None = None, unit_id: int | None = None
) -> dict[str, Decimal]:
    """The year's targets of a district, of a unit, or (neither given) of the city, by
    indicator key; indicators without a target are absent."""
    statement = select(Target.indicator, Target.value).where(Target.year == year)
    if district_id is not None:
        statement = statement.where(Target.district_id == district_id, Target.unit_id.is_(None))
    elif unit_id is not None:
        statement = statement.where(Target.unit_id == unit_id, Target.district_id.is_(None))
    else:
        city_units = select(Unit.id).where(Unit.kind == CITY_UNIT_KIND)
        statement = statement.where(Target.unit_id.in_(city_units), Target.district_id.is_(None))
    return {indicator: Decimal(value) for indicator, value in session.execute(statement)}


def targets_by_owner(session: Session, year: int) -> dict[tuple[str, int], dict[str, Decimal]]:
    """Every target of the year, by (DISTRICT or UNIT, id) and indicator."""
    found: dict[tuple[str, int], dict[str, Decimal]] = {}
    for target in session.scalars(select(Target).where(Target.year == year)):
        owner = (DISTRICT, target.district_id) if target.district_id else (UNIT, target.unit_id)
        found.setdefault(owner, {})[target.indicator] = Decimal(target.value)
    return found


# ---- one value ----


def clean_value(indicator: str, raw) -> Decimal | None:
    """A target's value from what was typed or imported; FieldProblem says what is wrong."""
    if isinstance(raw, str):
        raw = raw.strip().replace(",", "").replace("，", "").removesuffix("%").strip()
    number = parse_decimal(raw)
    if number is None:
        return None
    if number < 0:
        raise FieldProblem(_("不能为负数"))
    if number >= MAX_VALUE:
        raise FieldProblem(_("数值过大"))
    if number != number.quantize(Decimal("0.0001")):
        raise FieldProblem(_("最多保留 %(places)d 位小数", places=4))
    if indicator in COUNT_INDICATORS and number != number.to_integral_value():
        raise FieldProblem(_("项目数应为整数"))
    if indicator in RATE_INDICATORS and number > 100:
        raise FieldProblem(_("比率为百分数，应在 0 到 100 之间"))
    return number + 0


def _check_year(year) -> None:
    if not isinstance(year, int) or not FIRST_YEAR <= year <= LAST_YEAR:
        raise FieldProblem(
            _("年度应在 %(first)d 到 %(last)d 之间", first=FIRST_YEAR, last=LAST_YEAR)
        )


def _checked(session: Session, data: Mapping, target: Target | None = None) -> dict:
    values, errors = TARGETS.clean(data, partial=target is not None)

    def current(name):
        return values.get(name, getattr(target, name) if target else None)

    district_id, unit_id = current("district_id"), current("unit_id")
    if "district_id" not in errors and "unit_id" not in errors:
        if (district_id is None) == (unit_id is None):
            errors["district_id"] = [_("请指定区县或部门之一")]
        elif district_id is not None and session.get(District, district_id) is None:
            errors["district_id"] = [_("区县不存在")]
        elif unit_id is not None and session.get(Unit, unit_id) is None:
            errors["unit_id"] = [_("部门不存在")]
    if values.get("year") is not None and "year" not in errors:
        try:
            _check_year(values["year"])
        except FieldProblem as problem:
            errors["year"] = [str(problem)]
    indicator = current("indicator")
    if "value" in values and "value" not in errors and indicator in TARGET_INDICATOR:
        try:
            if clean_value(indicator, values["value"]) is None:
                errors["value"] = [_("必填")]
        except FieldProblem as problem:
            errors["value"] = [str(problem)]
    if not errors:
        taken = session.scalar(
            select(Target.id).where(
                Target.year == current("year"),
                Target.indicator == indicator,
                Target.district_id.is_(None)
                if district_id is None
                else Target.district_id == district_id,
                Target.unit_id.is_(None) if unit_id is None else Target.unit_id == unit_id,
                Target.id != (target.id if target else 0),
            )
        )
        if taken is not None:
            raise ValidationError(
                {"indicator": [_("该年度的这项目标已设定")]}, {"indicator": taken}
            )
    if errors:
        raise ValidationError(errors)
    return values


def create_target(session: Session, data: Mapping, actor) -> Target:
    records.require(actor, WRITE, refusal())
    target = Target(created_by_id=records.actor_id(actor), **_checked(session, data))
    session.add(target)
    session.flush()
    audit.record_create(session, target, records.actor_id(actor))
    return target


def update_target(
    session: Session, target: Target, data: Mapping, expected_version: int, actor
) -> Target:
    records.require(actor, WRITE, refusal())
    TARGETS.check_names(data)
    records.check_version(target, expected_version)
    values = _checked(session, data, target)
    with records.stale_as_conflict():
        for key, value in values.items():
            setattr(target, key, value)
        audit.record_update(session, target, records.actor_id(actor))
        session.flush()
    return target


def delete_target(session: Session, target: Target, actor) -> None:
    """Gone for good (the audit trail keeps it): a year without the target."""
    records.require(actor, WRITE, refusal())
    audit.record_event(session, "delete", Target.__tablename__, target.id, records.actor_id(actor))
    session.delete(target)
    session.flush()


def get_target(session: Session, target_id: int, actor) -> Target:
    return records.get_live(session, Target, target_id, actor, READ)


def owner_name(target: Target) -> str:
    return target.district.name if target.district_id else target.unit.name


def target_values(_session: Session | None, target: Target) -> dict:
    return {
        "id": target.id,
        "version": target.version,
        "district_id": target.district_id,
        "unit_id": target.unit_id,
        "year": target.year,
        "indicator": target.indicator,
        "value": Decimal(target.value),
        "owner_name": owner_name(target),
        "created_at": target.created_at,
        "updated_at": target.updated_at,
    }


def summary_values(target: Target) -> dict:
    return target_values(None, target)


def list_targets(
    session: Session, filters: TargetFilters, actor, page: int = 1, per_page: int = 20
):
    records.require(actor, READ)
    statement = select(Target)
    if filters.year:
        statement = statement.where(Target.year == filters.year)
    if filters.district:
        statement = statement.where(Target.district_id == filters.district)
    if filters.unit:
        statement = statement.where(Target.unit_id == filters.unit)
    if filters.indicator:
        statement = statement.where(Target.indicator == filters.indicator)
    rows, has_next = records.numbered_page(
        session, statement.order_by(Target.year, Target.id), page, per_page
    )
    return [row.Target for row in rows], has_next


# ---- the grid: one year, a row per district or department, a column per indicator ----


@dataclass(frozen=True)
class Owner:
    kind: str  # DISTRICT or UNIT
    id: int
    name: str
    code: str | None = None  # a district's administrative code

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.id}"


def owners(session: Session, kind: str) -> list[Owner]:
    """The grid's rows: every district and zone by code, or every unit (the city bureau
    first, standing for the city's own targets)."""
    if kind == DISTRICT:
        return [
            Owner(DISTRICT, district.id, district.name, district.code)
            for district in session.scalars(select(District).order_by(District.code))
        ]
    units = session.scalars(select(Unit).order_by(Unit.kind != CITY_UNIT_KIND, Unit.name))
    return [Owner(UNIT, unit.id, unit.name) for unit in units]


def cell_name(owner: Owner, indicator: str) -> str:
    return f"{owner.key}-{indicator}"


def grid(session: Session, year: int, kind: str) -> dict[str, Target]:
    """The year's targets of one kind of owner, by cell name."""
    column = Target.district_id if kind == DISTRICT else Target.unit_id
    other = Target.unit_id if kind == DISTRICT else Target.district_id
    statement = select(Target).where(Target.year == year, column.is_not(None), other.is_(None))
    return {f"{kind}-{getattr(t, column.key)}-{t.indicator}": t for t in session.scalars(statement)}


def save_grid(
    session: Session, year: int, kind: str, cells: Mapping[str, str], versions: Mapping, actor
) -> int:
    """Write the grid as submitted: a filled cell sets the target, an emptied one removes it.
    `versions` holds the version each existing target had when the page was read; a target
    changed since is a conflict at its cell. ValidationError names every bad cell, and then
    nothing is written. Returns how many targets changed."""
    records.require(actor, WRITE, refusal())
    _check_year(year)
    existing = grid(session, year, kind)
    rows = {owner.key: owner for owner in owners(session, kind)}
    errors: dict[str, list[str]] = {}
    changes: list[tuple[str, Owner, str, Decimal | None]] = []
    for name, raw in cells.items():
        owner_key, _sep, indicator = name.rpartition("-")
        owner = rows.get(owner_key)
        if owner is None or indicator not in TARGET_INDICATOR:
            continue
        try:
            value = clean_value(indicator, raw)
        except FieldProblem as problem:
            errors[name] = [str(problem)]
            continue
        target = existing.get(name)
        seen = versions.get(name)
        if target is not None and str(target.version) != str(seen or ""):
            errors[name] = [
                _(
                    "他人已将此项改为 %(value)s，请核对后重新保存",
                    value=format(Decimal(target.value).normalize(), "f"),
                )
            ]
            continue
        if target is None and seen:
            errors[name] = [_("他人已删除此项目标，请核对后重新保存")]
            continue
        old = None if target is None else Decimal(target.value)
        if value != old:
            changes.append((name, owner, indicator, value))
    if errors:
        raise ValidationError(errors)
    who = records.actor_id(actor)
    with records.stale_as_conflict():
        for name, owner, indicator, value in changes:
            target = existing.get(name)
            if value is None:
                delete_target(session, target, actor)
            elif target is None:
                target = Target(
                    year=year,
                    indicator=indicator,
                    value=value,
                    created_by_id=who,
                    **{f"{owner.kind}_id": owner.id},
                )
                session.add(target)
                session.flush()
                audit.record_create(session, target, who)
            else:
                target.value = value
                audit.record_update(session, target, who)
        session.flush()
    return len(changes)


def get_owner(session: Session, kind: str, owner_id: int) -> Owner:
    model = District if kind == DISTRICT else Unit
    found = session.get(model, owner_id)
    if found is None:
        raise NotFound
    return Owner(kind, found.id, found.name, getattr(found, "code", None))
