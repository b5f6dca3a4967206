"""The talent desk (人才对接): where staff follow the talent a 招才大使 refers.

A talent referral is its own record, apart from the lead pipeline: staff contact the person
(已联系), match them with an employer or park (已对接) and see them hired (已引进), or decline
with a reason the ambassador reads (未采纳). Each step moves one way only, so the ambassador's
portal and the leaderboard read one honest path."""

from flask_babel import gettext as _
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from crm.models import TalentReferral
from crm.services import audit, records
from crm.services.errors import Forbidden, ValidationError
from crm.services.referrals import HANDLE, READ_ALL
from crm.services.scope import NONE, scope_kind

# From each status, the steps staff may take next.
NEXT_STEPS: dict[str, tuple[str, ...]] = {
    "submitted": ("contacted", "rejected"),
    "contacted": ("matched", "rejected"),
    "matched": ("hired", "rejected"),
    "hired": (),
    "rejected": (),
}
OPEN_STATUSES = ("submitted", "contacted", "matched")


def desk(
    session: Session, actor, status: str | None = None, page: int = 1, per_page: int = 30
) -> tuple[list[TalentReferral], bool]:
    """Talent referrals for the desk, the open ones first (oldest first: they waited longest),
    then the settled ones, newest first; or those of one status."""
    records.require(actor, READ_ALL)
    statement = select(TalentReferral).where(TalentReferral.deleted_at.is_(None))
    if status:
        statement = statement.where(TalentReferral.status == status)
    waiting = TalentReferral.status.in_(OPEN_STATUSES)
    statement = statement.order_by(
        case((waiting, 0), else_=1), case((waiting, TalentReferral.id), else_=-TalentReferral.id)
    )
    rows, has_next = records.numbered_page(session, statement, page, per_page)
    return [row.TalentReferral for row in rows], has_next


def open_count(session: Session) -> int:
    return session.scalar(
        select(func.count()).where(
            TalentReferral.deleted_at.is_(None), TalentReferral.status.in_(OPEN_STATUSES)
        )
    )


def move(
    session: Session,
    referral: TalentReferral,
    status: str,
    reason: str | None,
    expected_version: int,
    actor,
) -> None:
    """Take the next step on a talent referral; declining needs the reason its ambassador
    reads. A staff account without a unit (no scope) may not, as for investor referrals."""
    records.require(actor, HANDLE)
    if actor is not None and scope_kind(actor) == NONE:
        raise Forbidden(_("您的账号未设所属单位，不能处理推荐；请联系管理员设置单位。"))
    records.check_version(referral, expected_version)
    if status not in NEXT_STEPS.get(referral.status, ()):
        raise ValidationError({"status": [_("这条人才推荐不能从当前状态转到所选状态。")]})
    reason = (reason or "").strip()
    if status == "rejected":
        limit = TalentReferral.__table__.c.rejected_reason.type.length
        if not reason:
            raise ValidationError({"rejected_reason": [_("请填写未采纳的原因，大使会看到它。")]})
        if len(reason) > limit:
            raise ValidationError(
                {"rejected_reason": [_("原因最多 %(limit)d 个字。", limit=limit)]}
            )
    with records.stale_as_conflict():
        referral.status = status
        referral.rejected_reason = reason if status == "rejected" else None
        audit.record_update(session, referral, records.actor_id(actor))
        session.flush()
