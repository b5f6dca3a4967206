"""Leads (招商线索): the rules a lead keeps beyond its declaration, its stage log, the list
queries, and every write with its audit trail. Callers give values and the acting user.

Stages run 线索 → 初步接洽 → 实地考察 → 深度洽谈 → 签约. A bureau's leads do not walk every
step: a forward move may skip stages (a walk-in investor may come straight to talks), and a
move back is allowed (talks fall back to contact) but, like every change, is written to the
stage log (StageChange: who, when, from, to; the creation too, from None). 签约 is a fact the
city reports: moving to it, out of it, or changing a signed lead's amount or date needs the
`verify` right, and a signed lead has its amount and date. Status sits beside the stage:
推进中, 暂缓, or 流失, which needs the reason and who won the investment instead; a lost lead's
stage stays where it was lost until it is active again."""

from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, exists, func, not_, or_, select
from sqlalchemy.orm import Session, aliased

from crm.clock import city_today
from crm.models import ChainSegment, District, Enterprise, Lead, Referral, StageChange, Unit, User
from crm.models.base import utcnow
from crm.models.lead import lead_segments
from crm.permissions import has_right
from crm.schemas.leads import LEADS, LeadFilters
from crm.services import audit, records
from crm.services.enterprises import create_enterprise
from crm.services.errors import Forbidden, NotFound, ValidationError
from crm.services.scope import NONE, Scope, scope_of, scoped
from crm.vocabulary import LEAD_STAGE

READ, WRITE, DELETE = "lead.read", "lead.write", "lead.write"
VERIFY = "verify"
SIGNED, LOST = "signed", "lost"
STAGES = LEAD_STAGE.keys
SIGNED_FIELDS = ("signed_amount_wan", "signed_on")
# Columns whose values the record takes as they are; the rest are resolved.
PLAIN_COLUMNS = (
    "name",
    "source",
    "stage",
    "status",
    "lost_reason",
    "lost_to",
    "intended_investment_wan",
    "sector",
    "likelihood",
    "next_step",
    "next_step_on",
    "basis",
    "signed_amount_wan",
    "signed_on",
)

VERIFY_NEEDED = _l(
    "签约须经核实：只有有核实权限的领导或管理员可以将线索标为签约、撤回签约或修改签约金额和日期。"
)
NO_UNIT = _l("您的账号未设所属单位，不能新建或修改线索；请联系管理员设置单位。")


def stage_index(stage: str | None) -> int:
    return STAGES.index(stage) if stage in STAGES else -1


# ---- scope ----


def actor_scope(session: Session, actor) -> Scope | None:
    return scope_of(session, actor) if actor is not None else None


def _require_unit_in_scope(session: Session, scope: Scope | None, unit_id: int | None) -> None:
    if scope is None or scope.sees_unit(unit_id):
        return
    if scope.kind == NONE:
        raise Forbidden(str(NO_UNIT))
    unit = session.get(Unit, unit_id) if unit_id else None
    raise Forbidden(
        _(
            "线索的责任单位“%(unit)s”不在您的范围内：只能为本单位及下级单位建立或修改线索。",
            unit=unit.name if unit else _("（未设）"),
        )
    )


def may_create(session: Session, actor) -> bool:
    if actor is None:
        return True
    return has_right(actor, WRITE) and scope_of(session, actor).kind != NONE


def may_change(session: Session, lead: Lead, actor) -> bool:
    if actor is None:
        return True
    return has_right(actor, WRITE) and scope_of(session, actor).sees_unit(lead.owner_unit_id)


# ---- rules ----


def _resolve(session: Session, values: dict, errors: dict) -> dict:
    """Ids and codes become rows; unknown ones are named at their field."""
    resolved = {}
    if values.get("enterprise") is not None:
        enterprise = session.get(Enterprise, values["enterprise"])
        if enterprise is None or enterprise.deleted_at is not None:
            errors["enterprise"] = [_("编号为 %(id)s 的企业不存在", id=values["enterprise"])]
        else:
            resolved["enterprise_id"] = enterprise.id
    elif "enterprise" in values:
        resolved["enterprise_id"] = None
    if "district" in values:
        code = values["district"]
        district = session.scalar(select(District).where(District.code == code)) if code else None
        if code and district is None:
            errors["district"] = [_("未知区县代码：%(code)s", code=code)]
        resolved["district_id"] = district.id if district else None
    if "owner" in values:
        owner = session.get(User, values["owner"]) if values["owner"] else None
        if values["owner"] and (owner is None or not owner.active or owner.role == "ambassador"):
            errors["owner"] = [_("编号为 %(id)s 的用户不存在或不能负责线索", id=values["owner"])]
        resolved["owner_id"] = owner.id if owner else None
    if "owner_unit" in values:
        unit = session.get(Unit, values["owner_unit"]) if values["owner_unit"] else None
        if values["owner_unit"] and unit is None:
            errors["owner_unit"] = [_("编号为 %(id)s 的单位不存在", id=values["owner_unit"])]
        resolved["owner_unit_id"] = unit.id if unit else None
    if "segments" in values:
        codes = values["segments"]
        found = {
            segment.code: segment
            for segment in session.scalars(
                select(ChainSegment).where(
                    ChainSegment.level == "segment", ChainSegment.code.in_(codes)
                )
            )
        }
        missing = [code for code in codes if code not in found]
        if missing:
            errors["segments"] = [_("未知产业链环节代码：%(codes)s", codes=", ".join(missing))]
        resolved["segments"] = [found[code] for code in codes if code in found]
    return resolved


def _check_stage_and_status(lead_before: dict, after: dict, actor, errors: dict) -> None:
    """The rules between stage, status and the fields each needs. `lead_before` is the record's
    values before the change ({} for a new one), `after` the values it would have."""
    old_stage, new_stage = lead_before.get("stage"), after["stage"]
    stage_moves = old_stage != new_stage
    touches_signed = (
        (new_stage == SIGNED and stage_moves)
        or (old_stage == SIGNED and stage_moves)
        or (
            old_stage == SIGNED and any(after[key] != lead_before.get(key) for key in SIGNED_FIELDS)
        )
    )
    if touches_signed and actor is not None and not has_right(actor, VERIFY):
        raise Forbidden(str(VERIFY_NEEDED), field="stage")
    if new_stage == SIGNED:
        for key in SIGNED_FIELDS:
            if after[key] is None:
                errors.setdefault(key, []).append(_("签约须填写签约金额和签约日期"))
    if after["status"] == LOST:
        if not after["lost_reason"]:
            errors.setdefault("lost_reason", []).append(_("标为流失须填写流失原因"))
        if not after["lost_to"]:
            errors.setdefault("lost_to", []).append(_("标为流失须填写流失去向（被谁引走）"))
        if stage_moves and lead_before:
            errors.setdefault("stage", []).append(
                _("已流失的线索不能改变阶段；请先将状态改回推进中")
            )
    if after["status"] == LOST and new_stage == SIGNED:
        errors.setdefault("status", []).append(_("已签约的线索不能标为流失"))


def _log_stage(session: Session, lead: Lead, from_stage: str | None, actor) -> None:
    session.add(
        StageChange(
            subject="lead",
            lead_id=lead.id,
            from_stage=from_stage,
            to_stage=lead.stage,
            changed_at=utcnow(),
            changed_by_id=records.actor_id(actor),
            created_by_id=records.actor_id(actor),
        )
    )


def _segment_code(segment: ChainSegment) -> str:
    return segment.code


# ---- writes ----


def create_lead(session: Session, data: Mapping, actor) -> Lead:
    """A new lead, of an existing enterprise or one created inline by the registry's rules.
    Its owner defaults to the actor and its owner unit to the actor's unit."""
    records.require(actor, WRITE)
    scope = actor_scope(session, actor)
    if scope is not None and scope.kind == NONE:
        raise Forbidden(str(NO_UNIT))
    given = dict(data)
    if actor is not None:
        given.setdefault("owner", actor.id)
        given.setdefault("owner_unit", actor.unit_id)
    values, errors = LEADS.clean(given)
    new_enterprise = values.pop("new_enterprise", None)
    if new_enterprise is not None and values.get("enterprise") is not None:
        errors.setdefault("enterprise", []).append(_("企业与新企业只能填写一项"))
    if new_enterprise is None and values.get("enterprise") is None and "enterprise" not in errors:
        errors.setdefault("enterprise", []).append(_("请选择企业，或填写新企业"))
    resolved = _resolve(session, values, errors)
    if "stage" in values and "status" in values:
        _check_stage_and_status({}, values, actor, errors)
    if errors:
        raise ValidationError(errors)
    _require_unit_in_scope(session, scope, resolved.get("owner_unit_id"))
    if new_enterprise is not None:
        try:
            with session.begin_nested():
                enterprise = create_enterprise(session, new_enterprise, actor)
        except ValidationError as error:
            raise ValidationError(
                {f"new_enterprise.{key}": messages for key, messages in error.fields.items()},
                {f"new_enterprise.{key}": holder for key, holder in error.holders.items()},
            ) from None
        except Forbidden as error:
            raise Forbidden(error.message) from None
        resolved["enterprise_id"] = enterprise.id
    lead = Lead(created_by_id=records.actor_id(actor))
    for key in PLAIN_COLUMNS:
        setattr(lead, key, values[key])
    segments = resolved.pop("segments", [])
    for key, value in resolved.items():
        setattr(lead, key, value)
    session.add(lead)
    audit.record_create(session, lead, records.actor_id(actor))
    records.replace_collection(session, lead, "segments", segments, _segment_code, actor, "create")
    _log_stage(session, lead, None, actor)
    session.flush()
    return lead


def is_signing(data: Mapping) -> bool:
    """A change that only signs the lead: 签约 with its amount and date."""
    return data.get("stage") == SIGNED and set(data) <= {"stage", *SIGNED_FIELDS}


def may_sign(lead: Lead, actor) -> bool:
    return lead.stage != SIGNED and lead.status != LOST and has_right(actor, VERIFY)


def update_lead(session: Session, lead: Lead, data: Mapping, expected_version: int, actor) -> Lead:
    """Apply the fields given; StageChange written when the stage moves; StaleVersion when the
    record moved on since `expected_version`; Forbidden (saying why) outside the actor's scope
    or, for 签约, without the verify right. Signing alone (the stage, the amount and the date)
    is a verifier's act, so an official with the verify right may do it without the write
    right."""
    if not (is_signing(data) and has_right(actor, VERIFY)):
        records.require(actor, WRITE)
    scope = actor_scope(session, actor)
    _require_unit_in_scope(session, scope, lead.owner_unit_id)
    LEADS.check_names(data)
    if "new_enterprise" in data:
        raise ValidationError({"new_enterprise": [_("只能在新建线索时填写")]})
    records.check_version(lead, expected_version)
    values, errors = LEADS.clean(data, partial=True)
    for key in ("source", "stage", "status", "name"):
        if key in values and values[key] is None:
            errors.setdefault(key, [_("不能为空")])
    resolved = _resolve(session, values, errors)
    before = {key: getattr(lead, key) for key in PLAIN_COLUMNS}
    after = before | {key: values[key] for key in PLAIN_COLUMNS if key in values}
    _check_stage_and_status(before, after, actor, errors)
    if errors:
        raise ValidationError(errors)
    if "owner_unit_id" in resolved:
        _require_unit_in_scope(session, scope, resolved["owner_unit_id"])
    lead.segments  # noqa: B018  (loaded before any column changes, so the load flushes nothing)
    with records.stale_as_conflict():
        for key in PLAIN_COLUMNS:
            if key in values:
                setattr(lead, key, values[key])
        segments = resolved.pop("segments", None)
        for key, value in resolved.items():
            setattr(lead, key, value)
        changed = audit.record_update(session, lead, records.actor_id(actor))
        if segments is not None and records.replace_collection(
            session, lead, "segments", segments, _segment_code, actor
        ):
            changed.append("segments")
        if changed:
            records.touch(lead)
        if before["stage"] != lead.stage:
            _log_stage(session, lead, before["stage"], actor)
        session.flush()
    return lead


def delete_lead(session: Session, lead: Lead, actor) -> None:
    records.require(actor, DELETE)
    _require_unit_in_scope(session, actor_scope(session, actor), lead.owner_unit_id)
    records.soft_delete(session, lead, actor)


# ---- reads ----


def get_lead(session: Session, lead_id: int, actor) -> Lead:
    """A live lead in the actor's scope; NotFound otherwise, as for an absent one."""
    lead = records.get_live(session, Lead, lead_id, actor, READ)
    if actor is not None and not scope_of(session, actor).sees_unit(lead.owner_unit_id):
        raise NotFound
    return lead


def lead_values(session: Session, lead: Lead) -> dict:
    district = session.get(District, lead.district_id) if lead.district_id else None
    referrals = session.scalars(
        select(Referral.id)
        .where(Referral.lead_id == lead.id, Referral.deleted_at.is_(None))
        .order_by(Referral.submitted_at, Referral.id)
    ).all()
    return {
        **{key: getattr(lead, key) for key in PLAIN_COLUMNS},
        "id": lead.id,
        "version": lead.version,
        "enterprise": lead.enterprise_id,
        "enterprise_name": lead.enterprise.name if lead.enterprise else None,
        "district": district.code if district else None,
        "segments": sorted(segment.code for segment in lead.segments),
        "owner": lead.owner_id,
        "owner_name": lead.owner.label if lead.owner else None,
        "owner_unit": lead.owner_unit_id,
        "owner_unit_name": lead.owner_unit.name if lead.owner_unit else None,
        "referrals": list(referrals),
        "created_at": lead.created_at,
        "updated_at": lead.updated_at,
    }


@dataclass(frozen=True)
class StageEntry:
    id: int
    from_stage: str | None
    to_stage: str
    changed_at: object
    changed_by: int | None
    changed_by_name: str | None

    @property
    def backwards(self) -> bool:
        return self.from_stage is not None and stage_index(self.to_stage) < stage_index(
            self.from_stage
        )


def stage_log(session: Session, lead: Lead) -> list[StageEntry]:
    """The lead's stage changes, oldest first."""
    rows = session.execute(
        select(
            StageChange.id,
            StageChange.from_stage,
            StageChange.to_stage,
            StageChange.changed_at,
            StageChange.changed_by_id,
            User.display_name,
            User.name,
        )
        .outerjoin(User, User.id == StageChange.changed_by_id)
        .where(StageChange.subject == "lead", StageChange.lead_id == lead.id)
        .order_by(StageChange.changed_at, StageChange.id)
    ).all()
    return [
        StageEntry(row.id, row.from_stage, row.to_stage, row.changed_at, row.changed_by_id,
                   row.display_name or row.name)
        for row in rows
    ]  # fmt: skip


OwnerUser = aliased(User)
LIST_COLUMNS = (
    Lead.id,
    Lead.version,
    Lead.name,
    Lead.enterprise_id.label("enterprise"),
    Enterprise.name.label("enterprise_name"),
    Lead.source,
    Lead.stage,
    Lead.status,
    Lead.intended_investment_wan,
    Lead.sector,
    District.code.label("district"),
    Lead.owner_id.label("owner"),
    OwnerUser.display_name.label("owner_display_name"),
    OwnerUser.name.label("owner_login"),
    Lead.owner_unit_id.label("owner_unit"),
    Unit.name.label("owner_unit_name"),
    Lead.likelihood,
    Lead.next_step,
    Lead.next_step_on,
    Lead.updated_at,
)


def summary_values(row) -> dict:
    values = row._asdict()
    values["owner_name"] = values.pop("owner_display_name") or values.pop("owner_login")
    values.pop("owner_login", None)
    return values


def listed(session: Session, filters: LeadFilters, actor) -> Select:
    records.require(actor, READ)
    statement = (
        select(*LIST_COLUMNS)
        .outerjoin(Enterprise, Enterprise.id == Lead.enterprise_id)
        .outerjoin(District, District.id == Lead.district_id)
        .outerjoin(OwnerUser, OwnerUser.id == Lead.owner_id)
        .outerjoin(Unit, Unit.id == Lead.owner_unit_id)
        .where(Lead.deleted_at.is_(None))
    )
    if actor is not None:
        statement = scoped(statement, Lead, actor, session)
    return filtered(session, statement, filters)


def _overdue_condition():
    return and_(Lead.next_step_on < city_today(), Lead.stage != SIGNED, Lead.status != LOST)


def filtered(session: Session, statement: Select, filters: LeadFilters) -> Select:
    if filters.q:
        pattern = (
            "%" + filters.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        )
        statement = statement.where(
            or_(Lead.name.ilike(pattern, escape="\\"), Enterprise.name.ilike(pattern, escape="\\"))
        )
    for key in ("stage", "status", "source", "sector"):
        value = getattr(filters, key)
        if value is not None:
            statement = statement.where(getattr(Lead, key) == value)
    if filters.owner:
        statement = statement.where(Lead.owner_id == filters.owner)
    if filters.owner_unit:
        statement = statement.where(Lead.owner_unit_id == filters.owner_unit)
    if filters.signed_from is not None:
        statement = statement.where(Lead.signed_on >= filters.signed_from)
    if filters.signed_to is not None:
        statement = statement.where(Lead.signed_on <= filters.signed_to)
    if filters.overdue is True:
        statement = statement.where(_overdue_condition())
    elif filters.overdue is False:
        statement = statement.where(or_(Lead.next_step_on.is_(None), not_(_overdue_condition())))
    errors = {}
    if filters.district:
        district_id = session.scalar(select(District.id).where(District.code == filters.district))
        if district_id is None:
            errors["district"] = [_("未知区县代码：%(code)s", code=filters.district)]
        statement = statement.where(Lead.district_id == district_id)
    if filters.segment:
        segment_ids = session.scalars(
            select(ChainSegment.id).where(
                ChainSegment.code == filters.segment, ChainSegment.level == "segment"
            )
        ).all()
        if not segment_ids:
            errors["segment"] = [_("未知产业链环节代码：%(codes)s", codes=filters.segment)]
        statement = statement.where(
            exists().where(
                lead_segments.c.lead_id == Lead.id, lead_segments.c.segment_id.in_(segment_ids)
            )
        )
    if errors:
        raise ValidationError(errors)
    return statement


def list_leads(session: Session, filters: LeadFilters, actor, page: int = 1, per_page: int = 20):
    """One page of live leads in the actor's scope, by id, and whether another follows."""
    statement = listed(session, filters, actor).order_by(Lead.id)
    return records.numbered_page(session, statement, page, per_page)


SORTS = {
    "updated": records.SortKey(Lead.updated_at, descending=True),
    "name": records.SortKey(Lead.name),
    "investment": records.SortKey(Lead.intended_investment_wan, descending=True, nullable=True),
    "next_step": records.SortKey(Lead.next_step_on, nullable=True),
    "likelihood": records.SortKey(Lead.likelihood, descending=True, nullable=True),
}
COUNT_CAP = 10_000


@dataclass(frozen=True)
class Browse:
    rows: list
    has_next: bool
    count: int

    @property
    def count_capped(self) -> bool:
        return self.count > COUNT_CAP


def browse_leads(
    session: Session,
    filters: LeadFilters,
    actor,
    sort: str = "updated",
    after: tuple | None = None,
    per_page: int = 50,
) -> Browse:
    statement = listed(session, filters, actor)
    rows, has_next = records.keyset_page(session, statement, SORTS[sort], Lead.id, after, per_page)
    count = records.capped_count(session, statement, Lead.id, COUNT_CAP)
    return Browse(rows, has_next, count)


@dataclass(frozen=True)
class BoardColumn:
    rows: list  # the most recently changed first, at most `per_stage`
    count: int  # all of the stage's active and on-hold leads the filters find


def board(session: Session, filters: LeadFilters, actor, per_stage: int = 100) -> dict:
    """The active and on-hold leads of each stage (lost ones leave the board), most recently
    changed first: {stage: BoardColumn}."""
    statement = listed(session, filters, actor).where(Lead.status != LOST)
    counted = statement.with_only_columns(Lead.stage, func.count()).group_by(Lead.stage)
    counts = dict(session.execute(counted).all())
    return {
        stage: BoardColumn(
            session.execute(
                statement.where(Lead.stage == stage)
                .order_by(Lead.updated_at.desc(), Lead.id.desc())
                .limit(per_stage)
            ).all(),
            counts.get(stage, 0),
        )
        for stage in STAGES
    }


def my_leads(session: Session, actor, days_ahead: int = 14) -> dict:
    """The actor's own live leads that are neither signed nor lost: overdue next steps, those
    due within `days_ahead` days (in the city's time zone), and the rest."""
    from datetime import timedelta

    today = city_today()
    statement = listed(session, LeadFilters(owner=actor.id), actor).where(
        Lead.stage != SIGNED, Lead.status != LOST
    )
    rows = session.execute(statement.order_by(Lead.next_step_on, Lead.id)).all()
    horizon = today + timedelta(days=days_ahead)
    return {
        "today": today,
        "overdue": [row for row in rows if row.next_step_on and row.next_step_on < today],
        "due": [row for row in rows if row.next_step_on and today <= row.next_step_on <= horizon],
        "later": [row for row in rows if not row.next_step_on or row.next_step_on > horizon],
    }
