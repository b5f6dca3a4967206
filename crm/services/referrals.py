"""Referrals: investors an ambassador (招商大使, 荣誉市民) refers and talent a 招才大使 refers.

Ambassadors submit them while their appointment is active, and read only their own: another
ambassador's referral is not found. Readers of the registry (staff, officials, administrators)
read them all. The progress an ambassador sees is derived from the linked lead and its projects
as they move (progress_of), and never shows the lead's notes or any other record's data."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.models import Lead, Park, Project, Referral, TalentReferral
from crm.permissions import has_right
from crm.schemas.referrals import (
    REFERRALS,
    TALENT_REFERRALS,
    ReferralFilters,
    TalentReferralFilters,
)
from crm.services import audit, records
from crm.services.ambassadors import shown_status
from crm.services.errors import Forbidden, NotFound, ValidationError
from crm.vocabulary import PROJECT_STAGE

READ = "referral.read"
SUBMIT = "portal.use"
# Who reads every ambassador's referrals: the registry's readers.
READ_ALL = "ambassador.read"
INVESTOR_KINDS = ("investment_ambassador", "honorary_citizen")
TALENT_KINDS = ("talent_ambassador",)
LANDED_POOLS = ("construction", "in_effect")


# ---- who may submit ----


def submitter(actor, kinds: Sequence[str]):
    """The actor's own ambassador record, when it is active and of one of `kinds`;
    Forbidden, saying why, otherwise."""
    ambassador = getattr(actor, "ambassador", None)
    if ambassador is None:
        raise Forbidden(_("只有大使可以提交推荐。"))
    # Said first: a revoked ambassador's account has lost its rights with the appointment.
    status = shown_status(ambassador)
    if status == "revoked":
        raise Forbidden(_("您的大使资格已被撤销，不能再提交推荐。"))
    if status == "expired":
        raise Forbidden(_("您的大使任期已届满，不能再提交推荐；如需续聘请联系招商局。"))
    records.require(actor, SUBMIT)
    if ambassador.kind not in kinds:
        if kinds == TALENT_KINDS:
            raise Forbidden(_("人才推荐由招才大使提交。"))
        raise Forbidden(_("招才大使请推荐人才；投资人由招商大使和荣誉市民推荐。"))
    return ambassador


def may_refer_investors(ambassador) -> bool:
    return ambassador is not None and ambassador.kind in INVESTOR_KINDS


def may_refer_talent(ambassador) -> bool:
    return ambassador is not None and ambassador.kind in TALENT_KINDS


# ---- writes ----


def create_referral(session: Session, data: Mapping, actor) -> Referral:
    """A referral of the actor's, status submitted."""
    ambassador = submitter(actor, INVESTOR_KINDS)
    values, errors = REFERRALS.clean(data)
    if errors:
        raise ValidationError(errors)
    referral = Referral(
        ambassador_id=ambassador.id,
        status="submitted",
        created_by_id=records.actor_id(actor),
        **values,
    )
    session.add(referral)
    audit.record_create(session, referral, records.actor_id(actor))
    session.flush()
    return referral


def create_talent_referral(session: Session, data: Mapping, actor) -> TalentReferral:
    """A talent referral of the actor's (a 招才大使), status submitted."""
    ambassador = submitter(actor, TALENT_KINDS)
    values, errors = TALENT_REFERRALS.clean(data)
    park_id = values.get("suggested_park_id")
    if park_id is not None and session.get(Park, park_id) is None:
        errors.setdefault("suggested_park_id", [_("未知园区：%(id)s", id=park_id)])
    if errors:
        raise ValidationError(errors)
    referral = TalentReferral(
        ambassador_id=ambassador.id,
        status="submitted",
        created_by_id=records.actor_id(actor),
        **values,
    )
    session.add(referral)
    audit.record_create(session, referral, records.actor_id(actor))
    session.flush()
    return referral


# ---- reads ----


def _own_only(actor) -> int | None:
    """The ambassador id an actor's reading is limited to; None: reads them all. An actor
    without an ambassador record, who may not read all, is limited to none (0)."""
    if actor is None or has_right(actor, READ_ALL):
        return None
    ambassador = getattr(actor, "ambassador", None)
    return ambassador.id if ambassador is not None else 0


def _get(session: Session, model, record_id: int, actor):
    record = records.get_live(session, model, record_id, actor, READ)
    own = _own_only(actor)
    if own is not None and record.ambassador_id != own:
        raise NotFound
    return record


def _listed(model, filters, actor):
    statement = select(model).where(model.deleted_at.is_(None))
    own = _own_only(actor)
    if own is not None:
        statement = statement.where(model.ambassador_id == own)
    if filters.ambassador:
        statement = statement.where(model.ambassador_id == filters.ambassador)
    if filters.status:
        statement = statement.where(model.status == filters.status)
    return statement


@dataclass(frozen=True)
class Progress:
    """How far a referral has come, as its ambassador sees it."""

    status: str  # a REFERRAL_STATUS key
    funds_in_place_wan: Decimal | None = None


def progress_of(session: Session, referrals: Sequence[Referral]) -> dict[int, Progress]:
    """Each referral's progress: staff's decision until a lead is linked; then the lead's
    stage (negotiation: in talks; signed: signed) and its live projects (one under
    construction or beyond: landed, with the funds in place of those projects). Two queries
    for any number of referrals."""
    lead_ids = {referral.lead_id for referral in referrals if referral.lead_id is not None}
    stages: dict[int, str] = {}
    projects: dict[int, list[tuple[str, Decimal]]] = {}
    if lead_ids:
        stages = dict(
            session.execute(
                select(Lead.id, Lead.stage).where(Lead.id.in_(lead_ids), Lead.deleted_at.is_(None))
            ).all()
        )
        for lead_id, stage, funds in session.execute(
            select(Project.lead_id, Project.stage, Project.funds_in_place_wan).where(
                Project.lead_id.in_(lead_ids), Project.deleted_at.is_(None)
            )
        ):
            projects.setdefault(lead_id, []).append((stage, funds))
    return {referral.id: _progress(referral, stages, projects) for referral in referrals}


def _progress(referral: Referral, stages: dict, projects: dict) -> Progress:
    if referral.status == "rejected" or referral.lead_id not in stages:
        return Progress(referral.status)
    own = projects.get(referral.lead_id, [])
    landed = [funds for stage, funds in own if PROJECT_STAGE[stage].pool in LANDED_POOLS]
    if landed:
        return Progress("landed", sum(landed, Decimal(0)))
    stage = stages[referral.lead_id]
    if stage == "signed" or own:
        return Progress("signed")
    if stage == "negotiation":
        return Progress("in_talks")
    return Progress("accepted")


def get_referral(session: Session, referral_id: int, actor) -> Referral:
    return _get(session, Referral, referral_id, actor)


def list_referrals(session: Session, filters: ReferralFilters, actor, page=1, per_page=50):
    """The referrals the actor may read, newest first, each with its progress:
    ([(referral, progress)], has_next)."""
    records.require(actor, READ)
    statement = _listed(Referral, filters, actor).order_by(
        Referral.submitted_at.desc(), Referral.id.desc()
    )
    rows, has_next = records.numbered_page(session, statement, page, per_page)
    found = [row.Referral for row in rows]
    progress = progress_of(session, found)
    return [(referral, progress[referral.id]) for referral in found], has_next


def referral_values(referral: Referral, progress: Progress) -> dict:
    values = {name: getattr(referral, name) for name in REFERRALS.writable}
    return values | {
        "id": referral.id,
        "version": referral.version,
        "ambassador_id": referral.ambassador_id,
        "status": progress.status,
        "rejected_reason": referral.rejected_reason if progress.status == "rejected" else None,
        "funds_in_place_wan": progress.funds_in_place_wan,
        "submitted_at": referral.submitted_at,
    }


def record_values(session: Session, referral: Referral) -> dict:
    return referral_values(referral, progress_of(session, [referral])[referral.id])


def get_talent_referral(session: Session, referral_id: int, actor) -> TalentReferral:
    return _get(session, TalentReferral, referral_id, actor)


def list_talent_referrals(
    session: Session, filters: TalentReferralFilters, actor, page=1, per_page=50
):
    """The talent referrals the actor may read, newest first."""
    records.require(actor, READ)
    statement = _listed(TalentReferral, filters, actor).order_by(
        TalentReferral.created_at.desc(), TalentReferral.id.desc()
    )
    rows, has_next = records.numbered_page(session, statement, page, per_page)
    return [row.TalentReferral for row in rows], has_next


def talent_referral_values(_session, referral: TalentReferral) -> dict:
    values = {name: getattr(referral, name) for name in TALENT_REFERRALS.writable}
    return values | {
        "id": referral.id,
        "version": referral.version,
        "ambassador_id": referral.ambassador_id,
        "status": referral.status,
        "rejected_reason": referral.rejected_reason if referral.status == "rejected" else None,
        "created_at": referral.created_at,
    }
