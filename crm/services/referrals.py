"""Referrals: investors an ambassador (招商大使, 荣誉市民) refers and talent a 招才大使 refers.

Ambassadors submit them while their appointment is active, and read only their own: another
ambassador's referral is not found. Readers of the registry (staff, officials, administrators)
read them all. The progress an ambassador sees is derived from the linked lead and its projects
as they move (progress_of), and never shows the lead's notes or any other record's data."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, joinedload

from crm.models import (
    Ambassador,
    ChainSegment,
    Enterprise,
    Lead,
    Park,
    Project,
    Referral,
    TalentReferral,
)
from crm.permissions import has_right
from crm.schemas.fields import FieldProblem, parse_decimal
from crm.schemas.leads import MAX_BASIS
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
from crm.services.scope import NONE, scope_kind, scope_of
from crm.vocabulary import PROJECT_STAGE

READ = "referral.read"
SUBMIT = "portal.use"
# Who reads every ambassador's referrals: the registry's readers.
READ_ALL = "ambassador.read"
# Who accepts and declines referrals in the inbox: staff and administrators.
HANDLE = "referral.handle"
UNMASK = "personal_data.unmask"
# The inbox a page at a time: each row carries its forms and its duplicate check.
INBOX_PER_PAGE = 20
INVESTOR_KINDS = ("investment_ambassador", "honorary_citizen")
# Attachments of a referral (a business card's photo, a brochure): crm.services.attachments.
ATTACHMENT_OWNER = "referral"
TALENT_KINDS = ("talent_ambassador",)
LANDED_POOLS = ("construction", "in_effect")
# What the ambassador of a referral declined as known reads: neutral, never naming who
# referred the enterprise first nor what the bureau does with it.
KNOWN_REASON = "该企业此前已有推荐或已在跟进中。"
# A lead's status after which its referrals show ended, unless something landed.
ENDED_LEAD_STATUSES = ("lost",)


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
    values, errors = _checked(session, data)
    if errors:
        raise ValidationError(errors)
    values["enterprise_name_normalised"] = normalise_name(values["enterprise_name"])
    return _submitted(session, Referral, ambassador, values, actor)


def _checked(session: Session, data: Mapping) -> tuple[dict, dict]:
    values, errors = REFERRALS.clean(data)
    code = values.get("segment_code")
    if code is not None and not segment_exists(session, code):
        errors.setdefault("segment_code", [_("未知的产业链环节代码：%(codes)s", codes=code)])
    return values, errors


def referral_problems(session: Session, data: Mapping) -> dict[str, list[str]]:
    """What is wrong with a referral's fields, without making it: a form with another problem
    (a file) names every one at once."""
    return _checked(session, data)[1]


def segment_exists(session: Session, code: str) -> bool:
    """Whether `code` names a chain segment (the level a referral or a lead points at)."""
    found = select(ChainSegment.id).where(
        ChainSegment.code == code, ChainSegment.level == "segment"
    )
    return session.scalar(found.limit(1)) is not None


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
    construction or beyond: landed, with the funds in place of those projects). A lead lost
    or removed after acceptance, with nothing landed, shows ended rather than its last stage.
    Two queries for any number of referrals."""
    lead_ids = {referral.lead_id for referral in referrals if referral.lead_id is not None}
    stages: dict[int, tuple[str, bool]] = {}
    projects: dict[int, list[tuple[str, Decimal]]] = {}
    if lead_ids:
        stages = {
            lead_id: (stage, status not in ENDED_LEAD_STATUSES and deleted_at is None)
            for lead_id, stage, status, deleted_at in session.execute(
                select(Lead.id, Lead.stage, Lead.status, Lead.deleted_at).where(
                    Lead.id.in_(lead_ids)
                )
            )
        }
        for lead_id, stage, funds in session.execute(
            select(Project.lead_id, Project.stage, Project.funds_in_place_wan).where(
                Project.lead_id.in_(lead_ids), Project.deleted_at.is_(None)
            )
        ):
            projects.setdefault(lead_id, []).append((stage, funds))
    return {referral.id: _progress(referral, stages, projects) for referral in referrals}


def _progress(referral: Referral, stages: dict, projects: dict) -> Progress:
    # Staff's decision until a lead is linked; from then on the lead and its projects say.
    if referral.status in ("submitted", "rejected", "known") or referral.lead_id is None:
        return Progress(referral.status)
    if referral.lead_id not in stages:  # the lead is gone altogether
        return Progress("ended")
    own = projects.get(referral.lead_id, [])
    landed = [funds for stage, funds in own if PROJECT_STAGE[stage].pool in LANDED_POOLS]
    if landed:
        return Progress("landed", sum((funds or Decimal(0) for funds in landed), Decimal(0)))
    stage, going = stages[referral.lead_id]
    if not going:
        return Progress("ended")
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


def shown_reason(referral: Referral, status: str) -> str | None:
    """The reason an ambassador reads: staff's for a declined referral; the neutral one, in
    the reader's language, for a known one."""
    if status == "known":
        return _(KNOWN_REASON)
    return referral.rejected_reason if status == "rejected" else None


def referral_values(referral: Referral, progress: Progress, actor=None) -> dict:
    """A referral as its reader may see it: the lead and the credit share only for the
    bureau's readers (an ambassador's view names no other record)."""
    values = {name: getattr(referral, name) for name in REFERRALS.writable}
    bureau = actor is not None and _own_only(actor) is None
    return values | {
        "id": referral.id,
        "version": referral.version,
        "ambassador_id": referral.ambassador_id,
        "status": progress.status,
        "rejected_reason": shown_reason(referral, progress.status),
        "funds_in_place_wan": progress.funds_in_place_wan,
        "submitted_at": referral.submitted_at,
        "lead_id": referral.lead_id if bureau else None,
        "credit_share": referral.credit_share if bureau else None,
    }


def record_values(session: Session, referral: Referral, actor=None) -> dict:
    """One referral as read, with its attachments (a list row goes without them)."""
    values = referral_values(referral, progress_of(session, [referral])[referral.id], actor)
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
    co_referral: bool = False  # linked to a lead that carries an earlier referral


def inbox(
    session: Session, actor, page: int = 1, per_page: int = INBOX_PER_PAGE
) -> tuple[list[Referral], bool]:
    """A page of new (submitted) referrals, oldest first, with their ambassadors, and whether
    more follow: the registry's readers see them."""
    records.require(actor, READ_ALL)
    found = list(
        session.scalars(
            select(Referral)
            .options(joinedload(Referral.ambassador).joinedload(Ambassador.user))
            .where(Referral.deleted_at.is_(None), Referral.status == "submitted")
            .order_by(Referral.submitted_at, Referral.id)
            .offset((page - 1) * per_page)
            .limit(per_page + 1)
        )
    )
    return found[:per_page], len(found) > per_page


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
        "intended_project": referral.intended_project,
        "how_known": referral.how_known,
        "segment_code": referral.segment_code,
        "description": referral.description,
        "submitted_at": referral.submitted_at,
    }


def _normalised(referral: Referral) -> str:
    return referral.enterprise_name_normalised or normalise_name(referral.enterprise_name)


def _enterprises_named(session: Session, found: Sequence[Referral]) -> dict[int, Enterprise]:
    """The live enterprise each referral names, in two queries (each served by its index): by
    credit code; else by normalised name among enterprises without a code (one with another
    code is another enterprise), the oldest first."""
    codes = {referral.enterprise_uscc for referral in found if referral.enterprise_uscc}
    names = {_normalised(referral) for referral in found}
    # Sorted here, not in SQL: ordering by id would lead SQLite to walk the table in id order.
    live = select(Enterprise).where(Enterprise.deleted_at.is_(None))
    by_code: dict[str, Enterprise] = {}
    by_name: dict[str, Enterprise] = {}
    if codes:
        for enterprise in sorted(
            session.scalars(live.where(Enterprise.uscc.in_(codes))), key=lambda one: one.id
        ):
            by_code.setdefault(enterprise.uscc, enterprise)
    for enterprise in sorted(
        session.scalars(
            live.where(Enterprise.name_normalised.in_(names), Enterprise.uscc.is_(None))
        ),
        key=lambda one: one.id,
    ):
        by_name.setdefault(enterprise.name_normalised, enterprise)
    named = {}
    for referral in found:
        enterprise = by_code.get(referral.enterprise_uscc) if referral.enterprise_uscc else None
        enterprise = enterprise or by_name.get(_normalised(referral))
        if enterprise is not None:
            named[referral.id] = enterprise
    return named


def _open_leads(session: Session, enterprise_ids: set[int]) -> dict[int, Lead]:
    """Each enterprise's oldest live lead that is not lost, in one query."""
    leads_of: dict[int, Lead] = {}
    if enterprise_ids:
        for lead in session.scalars(
            select(Lead)
            .where(
                Lead.enterprise_id.in_(enterprise_ids),
                Lead.deleted_at.is_(None),
                Lead.status != "lost",
            )
            .order_by(Lead.id)
        ):
            leads_of.setdefault(lead.enterprise_id, lead)
    return leads_of


def find_enterprise(session: Session, referral: Referral) -> Enterprise | None:
    """The live enterprise a referral names (see _enterprises_named)."""
    return _enterprises_named(session, [referral]).get(referral.id)


def open_lead_of(session: Session, enterprise_id: int) -> Lead | None:
    """The enterprise's oldest live lead that is not lost."""
    return _open_leads(session, {enterprise_id}).get(enterprise_id)


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
    return _normalised(one) == _normalised(other)


def known_before(session: Session, found: Sequence[Referral]) -> dict[int, Known]:
    """The duplicates among `found`: each one whose enterprise has an active lead or an earlier
    referral that was not declined. Four queries for any number of referrals: the earlier
    referrals of the same codes or names, the enterprises named (two), their open leads."""
    if not found:
        return {}
    codes = {referral.enterprise_uscc for referral in found if referral.enterprise_uscc}
    names = {_normalised(referral) for referral in found}
    latest = max(referral.submitted_at for referral in found)
    candidates = list(
        session.scalars(
            select(Referral)
            .options(joinedload(Referral.ambassador).joinedload(Ambassador.user))
            .where(
                Referral.deleted_at.is_(None),
                Referral.status.not_in(("rejected", "known")),
                Referral.submitted_at <= latest,
                or_(
                    Referral.enterprise_uscc.in_(codes),
                    Referral.enterprise_name_normalised.in_(names),
                ),
            )
            .order_by(Referral.submitted_at, Referral.id)
        )
    )
    enterprises = _enterprises_named(session, found)
    open_leads = _open_leads(session, {enterprise.id for enterprise in enterprises.values()})
    # The candidates by credit code and by normalised name, oldest first in each.
    by_key: dict[str, list[Referral]] = {}
    for other in candidates:
        if other.enterprise_uscc:
            by_key.setdefault(f"code:{other.enterprise_uscc}", []).append(other)
        by_key.setdefault(f"name:{_normalised(other)}", []).append(other)
    known = {}
    for referral in found:
        keys = [f"name:{_normalised(referral)}"]
        if referral.enterprise_uscc:
            keys.append(f"code:{referral.enterprise_uscc}")
        earlier = min(
            (
                other
                for key in keys
                for other in by_key.get(key, ())
                if (other.submitted_at, other.id) < (referral.submitted_at, referral.id)
                and _same_enterprise(referral, other)
            ),
            key=lambda other: (other.submitted_at, other.id),
            default=None,
        )
        enterprise = enterprises.get(referral.id)
        lead = open_leads.get(enterprise.id) if enterprise is not None else None
        if lead is not None and lead.status != "active":
            lead = None
        if lead is not None or earlier is not None:
            known[referral.id] = Known(lead, earlier)
    return known


def visible_lead_ids(session: Session, lead_list: Sequence[Lead], actor) -> set[int]:
    """The leads among `lead_list` the actor may open (the rest are named, not linked)."""
    if not has_right(actor, leads.READ):
        return set()
    scope = scope_of(session, actor)
    return {lead.id for lead in lead_list if scope.sees_unit(lead.owner_unit_id)}


def _lead_name(referral: Referral) -> str:
    limit = Lead.__table__.c.name.type.length
    project = referral.intended_project
    name = f"{referral.enterprise_name} {project}" if project else referral.enterprise_name
    return name[:limit]


def _lead_basis(referral: Referral) -> str | None:
    """What staff read on the lead of where it came from: the project, how the ambassador
    knows the investor, and the rest the ambassador wrote."""
    lines = []
    if referral.intended_project:
        lines.append(_("意向项目：%(text)s", text=referral.intended_project))
    if referral.how_known:
        lines.append(_("大使如何认识对方：%(text)s", text=referral.how_known))
    if referral.description:
        lines.append(referral.description)
    return "\n".join(lines)[:MAX_BASIS] or None


def _require_submitted(referral: Referral) -> None:
    if referral.status != "submitted":
        raise ValidationError({"status": [_("该推荐已经处理过，不能再次处理。")]})


def lead_referrals(session: Session, lead_id: int) -> list[Referral]:
    """The live referrals linked to a lead, first submitted first."""
    return list(
        session.scalars(
            select(Referral)
            .options(joinedload(Referral.ambassador).joinedload(Ambassador.user))
            .where(Referral.lead_id == lead_id, Referral.deleted_at.is_(None))
            .order_by(Referral.submitted_at, Referral.id)
        )
    )


def _credit_on_joining(linked: Sequence[Referral], joining: Referral) -> list[Referral]:
    """The lead's referrals once `joining` is linked, first submitted first, with their
    shares: unless staff recorded a split among the linked ones (more than one share above
    0; it stays, the newcomer at 0), the first referral keeps the whole credit, also when it
    is accepted after a later one."""
    together = sorted([*linked, joining], key=lambda one: (one.submitted_at, one.id))
    if sum(1 for referral in linked if referral.credit_share > 0) > 1:
        joining.credit_share = Decimal(0)
        return together
    for index, referral in enumerate(together):
        referral.credit_share = Decimal(1) if index == 0 else Decimal(0)
    return together


def accept_referral(session: Session, referral: Referral, actor) -> Acceptance:
    """Accept a new referral: link the open lead of its enterprise, or create a lead (source
    大使推荐, the enterprise linked or created by the registry's rules, the chain segment, and
    the project and the ambassador's words as the lead's basis) under create_lead's scope
    rules. A lead that already carries another referral takes this one as a co-referral: the
    first referral keeps the whole credit until staff record a split. The caller commits; on
    an error nothing of it stays."""
    records.require(actor, HANDLE)
    _require_submitted(referral)
    enterprise = find_enterprise(session, referral)
    lead = open_lead_of(session, enterprise.id) if enterprise is not None else None
    created = lead is None
    linked: list[Referral] = []
    if lead is not None:
        if not leads.may_change(session, lead, actor):
            raise Forbidden(_("该企业已有线索“%(lead)s”，但不在您的范围内。", lead=lead.name))
        linked = lead_referrals(session, lead.id)
    else:
        data = {
            "name": _lead_name(referral),
            "source": "ambassador",
            "intended_investment_wan": referral.estimated_investment_wan,
            "sector": referral.sector,
            "basis": _lead_basis(referral),
        }
        if referral.segment_code and segment_exists(session, referral.segment_code):
            data["segments"] = [referral.segment_code]
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
        for one in _credit_on_joining(linked, referral):
            audit.record_update(session, one, records.actor_id(actor))
        session.flush()
    return Acceptance(lead, created, co_referral=bool(linked))


def decline_referral(
    session: Session, referral: Referral, reason: str | None, actor, known: bool = False
) -> None:
    """Decline a new referral with the reason its ambassador reads on the portal; or, `known`,
    as already known (已知), which it must be, with the neutral reason (KNOWN_REASON). As for
    accepting, a staff account without a unit (no scope) may not."""
    records.require(actor, HANDLE)
    if actor is not None and scope_kind(actor) == NONE:
        raise Forbidden(_("您的账号未设所属单位，不能处理推荐；请联系管理员设置单位。"))
    _require_submitted(referral)
    if known:
        if referral.id not in known_before(session, [referral]):
            raise ValidationError(
                {"known": [_("该企业此前没有推荐或推进中的线索，不能以“已知”为由不予受理。")]}
            )
        status, reason = "known", KNOWN_REASON
    else:
        status, reason = "rejected", (reason or "").strip()
    limit = Referral.__table__.c.rejected_reason.type.length
    if not reason:
        raise ValidationError({"rejected_reason": [_("请填写不予受理的原因，大使会看到它。")]})
    if len(reason) > limit:
        raise ValidationError(
            {"rejected_reason": [_("原因不能超过 %(count)d 个字符。", count=limit)]}
        )
    with records.stale_as_conflict():
        referral.status = status
        referral.rejected_reason = reason
        audit.record_update(session, referral, records.actor_id(actor))
        session.flush()


# ---- split credit between co-referrers ----

SHARE_PLACES = Referral.__table__.c.credit_share.type.scale


def record_split(session: Session, lead: Lead, shares: Mapping, actor) -> list[Referral]:
    """Record how a lead's reward is split between its referrals: `shares` maps each linked
    referral's id to its share (a decimal from 0 to 1, as text or a number); every referral
    linked to the lead is named once and the shares sum to exactly 1. Staff and
    administrators whose scope holds the lead."""
    records.require(actor, HANDLE)
    if not leads.may_change(session, lead, actor):
        raise Forbidden(_("该线索不在您的范围内。"))
    linked = lead_referrals(session, lead.id)
    if not linked:
        raise ValidationError({"shares": [_("该线索没有关联的大使推荐。")]})
    if not isinstance(shares, Mapping):
        raise ValidationError({"shares": [_("应为对象：推荐编号 → 份额")]})
    by_id = {str(referral.id): referral for referral in linked}
    errors: dict[str, list[str]] = {}
    unknown = sorted(str(key) for key in shares if str(key) not in by_id)
    if unknown:
        errors["shares"] = [
            _("推荐 %(ids)s 未关联到该线索。", ids=", ".join(f"#{key}" for key in unknown))
        ]
    given = {str(key): value for key, value in shares.items()}
    values: dict[str, Decimal] = {}
    for key in by_id:
        field = f"share_{key}"
        if key not in given:
            errors[field] = [_("请填写推荐 #%(id)s 的份额（可为 0）。", id=key)]
            continue
        try:
            number = parse_decimal(given[key])
        except FieldProblem as problem:
            errors[field] = [str(problem)]
            continue
        if number is None:
            errors[field] = [_("请填写推荐 #%(id)s 的份额（可为 0）。", id=key)]
        elif not Decimal(0) <= number <= Decimal(1):
            errors[field] = [_("份额应在 0 到 1 之间，如 0.5")]
        elif number != number.quantize(Decimal(1).scaleb(-SHARE_PLACES)):
            errors[field] = [_("份额最多保留 %(places)d 位小数", places=SHARE_PLACES)]
        else:
            values[key] = number
    if not errors and sum(values.values(), Decimal(0)) != Decimal(1):
        errors["shares"] = [
            _(
                "各推荐的份额之和应恰好为 1，现在是 %(total)s。",
                total=format(sum(values.values(), Decimal(0)).normalize(), "f"),
            )
        ]
    if errors:
        raise ValidationError(errors)
    with records.stale_as_conflict():
        for key, referral in by_id.items():
            referral.credit_share = values[key]
            audit.record_update(session, referral, records.actor_id(actor))
        session.flush()
    return linked
