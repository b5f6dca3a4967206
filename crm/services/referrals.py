"""Referrals: investors an ambassador (招商大使, 荣誉市民) refers and talent a 招才大使 refers.

Ambassadors submit them while their appointment is active, and read only their own: another
ambassador's referral is not found. Readers of the registry (staff, officials, administrators)
read them all. The progress an ambassador sees is derived from the linked lead and its projects
as they move (progress_of), and never shows the lead's notes or any other record's data."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.models import Enterprise, Lead, Park, Project, Referral, TalentReferral
from crm.permissions import has_right
from crm.schemas.referrals import (
    REFERRALS,
    TALENT_REFERRALS,
    ReferralFilters,
    TalentReferralFilters,
)
from crm.services import attachments, audit, leads, records
from crm.services.ambassadors import shown_status
from crm.services.enterprise_profile import mask
from crm.services.errors import Forbidden, NotFound, ValidationError
from crm.services.names import normalise_name
from crm.vocabulary import PROJECT_STAGE

READ = "referral.read"
SUBMIT = "portal.use"
# Who reads every ambassador's referrals: the registry's readers.
READ_ALL = "ambassador.read"
# Who accepts and declines referrals in the inbox: staff and administrators.
HANDLE = "referral.handle"
UNMASK = "personal_data.unmask"
MAX_INBOX = 200
INVESTOR_KINDS = ("investment_ambassador", "honorary_citizen")
# Attachments of a referral (a business card's photo, a brochure): crm.services.attachments.
ATTACHMENT_OWNER = "referral"
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
    return _submitted(session, Referral, ambassador, values, actor)


def create_talent_referral(session: Session, data: Mapping, actor) -> TalentReferral:
    """A talent referral of the actor's (a 招才大使), status submitted."""
    ambassador = submitter(actor, TALENT_KINDS)
    values, errors = TALENT_REFERRALS.clean(data)
    park_id = values.get("suggested_park_id")
    if park_id is not None and session.get(Park, park_id) is None:
        errors.setdefault("suggested_park_id", [_("未知园区：%(id)s", id=park_id)])
    if errors:
        raise ValidationError(errors)
    return _submitted(session, TalentReferral, ambassador, values, actor)


def _submitted(session: Session, model, ambassador, values: dict, actor):
    """A new referral of either kind, status submitted, recorded in the audit log."""
    referral = model(
        ambassador_id=ambassador.id,
        status="submitted",
        created_by_id=records.actor_id(actor),
        **values,
    )
    session.add(referral)
    audit.record_create(session, referral, records.actor_id(actor))
    session.flush()
    return referral


# ---- attachments ----


def attachment_limits(config: Mapping) -> attachments.Limits:
    """Each file's size and a referral's number of files, from the app's configuration."""
    return attachments.Limits(
        max_bytes=int(config["REFERRAL_ATTACHMENT_MAX_BYTES"]),
        max_count=int(config["REFERRAL_ATTACHMENT_MAX_COUNT"]),
    )


def require_attacher(referral: Referral, actor) -> None:
    """Only the referral's own ambassador adds files to it: another ambassador's referral is
    not found; staff read the files but do not add them."""
    ambassador = submitter(actor, INVESTOR_KINDS)
    if referral.ambassador_id != ambassador.id:
        raise NotFound


def attach_files(
    session: Session, referral: Referral, uploads: Sequence[attachments.Upload], actor, folder
) -> list:
    """Store checked files with the referral (require_attacher's rule)."""
    require_attacher(referral, actor)
    return attachments.save(
        session, folder, ATTACHMENT_OWNER, referral.id, uploads, records.actor_id(actor)
    )


def attachment_count(session: Session, referral: Referral) -> int:
    return attachments.count_of(session, ATTACHMENT_OWNER, referral.id)


def attachments_of(session: Session, found: Sequence[Referral]) -> dict[int, list]:
    return attachments.of(session, ATTACHMENT_OWNER, [referral.id for referral in found])


def attachments_by_id(session: Session, referral_id: int | None) -> list:
    if referral_id is None:
        return []
    return attachments.of(session, ATTACHMENT_OWNER, [referral_id]).get(referral_id, [])


def get_attachment(session: Session, referral_id: int, attachment_id: int, actor):
    """A referral's file, for whoever may read the referral (its ambassador, the registry's
    readers); NotFound for everyone else, and for a file of another record."""
    referral = get_referral(session, referral_id, actor)
    attachment = attachments.one_of(session, ATTACHMENT_OWNER, referral.id, attachment_id)
    if attachment is None:
        raise NotFound
    return attachment


def attachment_values(attachment) -> dict:
    return {
        "id": attachment.id,
        "file_name": attachment.file_name,
        "content_type": attachment.content_type,
        "size_bytes": attachment.size_bytes,
        "created_at": attachment.created_at,
    }


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


# The path an investor referral takes once accepted, as its ambassador sees it.
PATH = ("submitted", "accepted", "in_talks", "signed", "landed")


@dataclass(frozen=True)
class Step:
    status: str  # a REFERRAL_STATUS key
    reached: bool
    current: bool


def steps_of(progress: Progress) -> list[Step]:
    """The referral's history as derived from its progress: the steps of the path up to where
    it is and those still ahead; a status off the path (未受理) ends it after 已提交."""
    if progress.status not in PATH:
        return [Step("submitted", True, False), Step(progress.status, True, True)]
    at = PATH.index(progress.status)
    return [Step(status, index <= at, index == at) for index, status in enumerate(PATH)]


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
    """One referral as read, with its attachments (a list row goes without them)."""
    values = referral_values(referral, progress_of(session, [referral])[referral.id])
    files = attachments_of(session, [referral]).get(referral.id, [])
    return values | {"attachments": [attachment_values(file) for file in files]}


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


# ---- the staff inbox: accepting into a lead, declining with a reason ----


@dataclass(frozen=True)
class Acceptance:
    lead: Lead
    created: bool  # False: an open lead of the enterprise was linked instead


def inbox(session: Session, actor, limit: int = MAX_INBOX) -> list[Referral]:
    """New (submitted) referrals, oldest first: the registry's readers see them."""
    records.require(actor, READ_ALL)
    return list(
        session.scalars(
            select(Referral)
            .where(Referral.deleted_at.is_(None), Referral.status == "submitted")
            .order_by(Referral.submitted_at, Referral.id)
            .limit(limit)
        )
    )


def inbox_count(session: Session) -> int:
    return session.scalar(
        select(func.count())
        .select_from(Referral)
        .where(Referral.deleted_at.is_(None), Referral.status == "submitted")
    )


def inbox_values(referral: Referral, actor) -> dict:
    """An inbox row; the contact's phone masked for readers without personal_data.unmask."""
    full = has_right(actor, UNMASK)
    return {
        "id": referral.id,
        "ambassador": referral.ambassador.user.label,
        "ambassador_id": referral.ambassador_id,
        "enterprise_name": referral.enterprise_name,
        "enterprise_uscc": referral.enterprise_uscc,
        "contact_name": referral.contact_name,
        "contact_phone": referral.contact_phone if full else mask("phone", referral.contact_phone),
        "estimated_investment_wan": referral.estimated_investment_wan,
        "description": referral.description,
        "submitted_at": referral.submitted_at,
    }


def find_enterprise(session: Session, referral: Referral) -> Enterprise | None:
    """The live enterprise a referral names: by credit code; else by normalised name, among
    enterprises without a code (one with another code is another enterprise)."""
    live = select(Enterprise).where(Enterprise.deleted_at.is_(None))
    if referral.enterprise_uscc:
        found = session.scalar(live.where(Enterprise.uscc == referral.enterprise_uscc))
        if found is not None:
            return found
    return session.scalar(
        live.where(
            Enterprise.name_normalised == normalise_name(referral.enterprise_name),
            Enterprise.uscc.is_(None),
        ).order_by(Enterprise.id)
    )


def open_lead_of(session: Session, enterprise_id: int) -> Lead | None:
    """The enterprise's oldest live lead that is not lost."""
    return session.scalar(
        select(Lead)
        .where(
            Lead.enterprise_id == enterprise_id,
            Lead.deleted_at.is_(None),
            Lead.status != "lost",
        )
        .order_by(Lead.id)
    )


@dataclass(frozen=True)
class Known:
    """Why a new referral is a duplicate: the enterprise's active lead, or an earlier valid
    referral of it (which keeps the credit)."""

    lead: Lead | None = None
    earlier: Referral | None = None


def _same_enterprise(one: Referral, other: Referral) -> bool:
    """By credit code when both have one, else by normalised name."""
    if one.enterprise_uscc and other.enterprise_uscc:
        return one.enterprise_uscc == other.enterprise_uscc
    return normalise_name(one.enterprise_name) == normalise_name(other.enterprise_name)


def known_before(session: Session, found: Sequence[Referral]) -> dict[int, Known]:
    """The duplicates among `found`: each one whose enterprise has an active lead or an earlier
    referral that was not declined."""
    if not found:
        return {}
    latest = max(referral.submitted_at for referral in found)
    candidates = list(
        session.scalars(
            select(Referral)
            .where(
                Referral.deleted_at.is_(None),
                Referral.status != "rejected",
                Referral.submitted_at <= latest,
            )
            .order_by(Referral.submitted_at, Referral.id)
        )
    )
    known = {}
    for referral in found:
        earlier = next(
            (
                other
                for other in candidates
                if (other.submitted_at, other.id) < (referral.submitted_at, referral.id)
                and _same_enterprise(referral, other)
            ),
            None,
        )
        enterprise = find_enterprise(session, referral)
        lead = None
        if enterprise is not None:
            lead = open_lead_of(session, enterprise.id)
            if lead is not None and lead.status != "active":
                lead = None
        if lead is not None or earlier is not None:
            known[referral.id] = Known(lead, earlier)
    return known


def _project_of(referral: Referral) -> str | None:
    """The intended project the portal wrote into the description (意向项目：…)."""
    for line in (referral.description or "").splitlines():
        if line.startswith("意向项目："):
            return line.removeprefix("意向项目：").strip() or None
    return None


def _lead_name(referral: Referral) -> str:
    limit = Lead.__table__.c.name.type.length
    project = _project_of(referral)
    name = f"{referral.enterprise_name} {project}" if project else referral.enterprise_name
    return name[:limit]


def _require_submitted(referral: Referral) -> None:
    if referral.status != "submitted":
        raise ValidationError({"status": [_("该推荐已经处理过，不能再次处理。")]})


def accept_referral(session: Session, referral: Referral, actor) -> Acceptance:
    """Accept a new referral: link the open lead of its enterprise, or create a lead (source
    大使推荐, the enterprise linked or created by the registry's rules, the description as the
    lead's basis) under create_lead's scope rules. The caller commits; on an error nothing of
    it stays. An open lead that already carries another referral is not linked twice: the
    earlier referral keeps the credit, and staff are told so."""
    records.require(actor, HANDLE)
    _require_submitted(referral)
    enterprise = find_enterprise(session, referral)
    lead = open_lead_of(session, enterprise.id) if enterprise is not None else None
    created = lead is None
    if lead is not None:
        other = session.scalar(select(Referral).where(Referral.lead_id == lead.id))
        if other is not None:
            raise ValidationError(
                {
                    "lead": [
                        _(
                            "该企业已有大使推荐的线索“%(lead)s”（推荐 #%(id)s，先推荐者保留功劳）；"
                            "本推荐属于重复推荐，请以“已知”为由不予受理。",
                            lead=lead.name,
                            id=other.id,
                        )
                    ]
                }
            )
        if not leads.may_change(session, lead, actor):
            raise Forbidden(_("该企业已有线索“%(lead)s”，但不在您的范围内。", lead=lead.name))
    else:
        data = {
            "name": _lead_name(referral),
            "source": "ambassador",
            "intended_investment_wan": referral.estimated_investment_wan,
            "sector": referral.sector,
            "basis": referral.description,
        }
        if enterprise is not None:
            data["enterprise"] = enterprise.id
        else:
            new = {"name": referral.enterprise_name}
            if referral.enterprise_uscc:
                new["uscc"] = referral.enterprise_uscc
            data["new_enterprise"] = new
        lead = leads.create_lead(session, data, actor)
    with records.stale_as_conflict():
        referral.lead_id = lead.id
        referral.status = "accepted"
        audit.record_update(session, referral, records.actor_id(actor))
        session.flush()
    return Acceptance(lead, created)


def decline_referral(session: Session, referral: Referral, reason: str | None, actor) -> None:
    """Decline a new referral with the reason its ambassador reads on the portal."""
    records.require(actor, HANDLE)
    _require_submitted(referral)
    reason = (reason or "").strip()
    limit = Referral.__table__.c.rejected_reason.type.length
    if not reason:
        raise ValidationError({"rejected_reason": [_("请填写不予受理的原因，大使会看到它。")]})
    if len(reason) > limit:
        raise ValidationError(
            {"rejected_reason": [_("原因不能超过 %(count)d 个字符。", count=limit)]}
        )
    with records.stale_as_conflict():
        referral.status = "rejected"
        referral.rejected_reason = reason
        audit.record_update(session, referral, records.actor_id(actor))
        session.flush()
