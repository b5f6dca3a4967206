"""The ambassadors' registry: appointing (the account and a one-time invitation link), editing
their terms and networks, revoking and reinstating, and reading them with contact data masked
for readers without personal_data.unmask.

The words of a network are the chain analyses' words (chainmap.networks): regions named in
data/regions.toml, industries of a loaded chain's [industries] table (read here from the
definition stored in `chains`, so crm does not import chainmap) and chain segment codes."""

import re
import tomllib
from collections.abc import Mapping
from datetime import date, timedelta
from functools import cache
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from crm.clock import city_today
from crm.models import Ambassador, Chain, ChainSegment, User
from crm.models.base import utcnow
from crm.permissions import has_right
from crm.schemas.ambassadors import AMBASSADORS, AmbassadorFilters
from crm.services import audit, records, users
from crm.services.enterprise_profile import mask
from crm.services.errors import Forbidden, ValidationError
from crm.services.scope import NONE, scope_kind

READ = "ambassador.read"
WRITE = "ambassador.write"
UNMASK = "personal_data.unmask"
# Renewal reminders start this many days before the term ends.
RENEWAL_DAYS = 60
REGIONS_FILE = Path(__file__).resolve().parents[2] / "data" / "regions.toml"
PERSONAL_FIELDS = ("phone", "email")
PHONE = re.compile(r"\+?[0-9][0-9 ()-]{4,38}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
PROFILE_FIELDS = (
    "phone",
    "email",
    "kind",
    "organisation",
    "title",
    "appointed_on",
    "term_ends_on",
    "regions",
    "industries",
    "segments",
)


# ---- the words a network may name ----


@cache
def _regions_in(path: Path) -> tuple[str, ...]:
    with path.open("rb") as file:
        return tuple(tomllib.load(file).get("regions", {}))


def region_names() -> list[str]:
    return list(_regions_in(REGIONS_FILE))


def industry_words(session: Session) -> list[str]:
    """The [industries] words of every loaded chain, in the order the chains give them."""
    words: dict[str, None] = {}
    for definition in session.scalars(select(Chain.definition).order_by(Chain.key)):
        try:
            industries = tomllib.loads(definition).get("industries", {})
        except tomllib.TOMLDecodeError:
            continue
        words.update(dict.fromkeys(industries))
    return list(words)


def _segment_codes(session: Session, codes: list[str]) -> set[str]:
    if not codes:
        return set()
    return set(
        session.scalars(
            select(ChainSegment.code).where(
                ChainSegment.level == "segment", ChainSegment.code.in_(codes)
            )
        )
    )


# ---- status ----


def shown_status(ambassador: Ambassador, today: date | None = None) -> str:
    """active, expired (the term's end has passed) or revoked."""
    if ambassador.status == "revoked":
        return "revoked"
    today = today or city_today()
    if ambassador.status == "expired" or (
        ambassador.term_ends_on is not None and ambassador.term_ends_on < today
    ):
        return "expired"
    return "active"


def term_ends_soon(ambassador: Ambassador, today: date | None = None) -> bool:
    today = today or city_today()
    return (
        shown_status(ambassador, today) == "active"
        and ambassador.term_ends_on is not None
        and ambassador.term_ends_on <= today + timedelta(days=RENEWAL_DAYS)
    )


def _status_is(status: str, today: date):
    ended = Ambassador.term_ends_on < today
    if status == "revoked":
        return Ambassador.status == "revoked"
    if status == "expired":
        return or_(Ambassador.status == "expired", and_(Ambassador.status == "active", ended))
    return and_(
        Ambassador.status == "active",
        or_(Ambassador.term_ends_on.is_(None), Ambassador.term_ends_on >= today),
    )


# ---- checking what is written ----


def _checked(session: Session, data: Mapping, ambassador: Ambassador | None = None) -> dict:
    """The cleaned values of `data` for a new ambassador or a change; ValidationError naming
    every wrong field otherwise."""
    new = ambassador is None
    values, errors = AMBASSADORS.clean(data, partial=not new)
    if new:
        for field in ("name", "display_name"):
            if not values.get(field) and field not in errors:
                errors[field] = [_("必填")]
        if values.get("status") == "revoked":
            errors["status"] = [_("新任命的大使应为在任状态")]
    elif "name" in data:
        errors["name"] = [_("用户名在创建时设定")]
    if values.get("phone") and not PHONE.fullmatch(values["phone"]):
        errors.setdefault("phone", [_("电话号码只能由数字、空格和 + - ( ) 组成")])
    if values.get("email") and not EMAIL.fullmatch(values["email"]):
        errors.setdefault("email", [_("邮箱格式不正确")])

    def after(field: str):
        if field in values:
            return values[field]
        return getattr(ambassador, field) if ambassador is not None else None

    appointed, ends = after("appointed_on"), after("term_ends_on")
    if (
        appointed
        and ends
        and ends < appointed
        and not {"appointed_on", "term_ends_on"} & set(errors)
    ):
        errors["term_ends_on"] = [_("任期届满日期不能早于聘任日期")]
    _check_words(session, values, errors)
    if values.get("status") == "revoked" and not after("revocation_reason"):
        errors.setdefault("revocation_reason", [_("撤销须写明原因")])
    if errors:
        raise ValidationError(errors)
    return values


def _check_words(session: Session, values: dict, errors: dict) -> None:
    known = {
        "regions": (region_names(), _("未知地区：%(unknown)s；可选：%(known)s")),
        "industries": (industry_words(session), _("未知行业：%(unknown)s；可选：%(known)s")),
    }
    for field, (words, message) in known.items():
        unknown = [word for word in values.get(field) or () if word not in words]
        if unknown and field not in errors:
            errors[field] = [message % {"unknown": "、".join(unknown), "known": "、".join(words)}]
    codes = values.get("segments") or []
    unknown = [code for code in codes if code not in _segment_codes(session, codes)]
    if unknown and "segments" not in errors:
        errors["segments"] = [_("未知的产业链环节代码：%(codes)s", codes="、".join(unknown))]


# ---- appointing, changing, revoking ----


def _require_writer(actor) -> None:
    """The right to keep the registry, held by an account with a scope: staff without a unit
    are a mistake to be fixed, not a way to appoint or revoke anyone."""
    records.require(actor, WRITE)
    if actor is not None and scope_kind(actor) == NONE:
        raise Forbidden(_("您的账号未设所属单位，不能任免大使；请联系管理员设置单位。"))


def create_ambassador(session: Session, data: Mapping, actor) -> Ambassador:
    """A new ambassador and their account (no password), with a one-time invitation link in
    `ambassador.invitation` (shown once: only its hash is stored)."""
    _require_writer(actor)
    values = _checked(session, data)
    actor_id = records.actor_id(actor)
    user = users.create_user(
        session,
        values["name"],
        "ambassador",
        display_name=values["display_name"],
        ambassador_kind=values["kind"],
        actor_id=actor_id,
    )
    ambassador = user.ambassador
    for field in PROFILE_FIELDS:
        setattr(ambassador, field, values[field])
    audit.record_update(session, ambassador, actor_id)
    session.flush()
    ambassador.invitation = users.issue_password_link(session, user, actor_id)
    return ambassador


def update_ambassador(
    session: Session, ambassador: Ambassador, data: Mapping, expected_version: int, actor
) -> Ambassador:
    """A change of the record; status revoked (with a reason) or active again is a revocation
    or a reinstatement."""
    _require_writer(actor)
    records.check_version(ambassador, expected_version)
    values = _checked(session, data, ambassador)
    actor_id = records.actor_id(actor)
    status = values.pop("status", None)
    reason = values.pop("revocation_reason", None)
    display_name = values.pop("display_name", None)
    with records.stale_as_conflict():
        for field, value in values.items():
            setattr(ambassador, field, value)
        if display_name and display_name != ambassador.user.display_name:
            ambassador.user.display_name = display_name
            audit.record_update(session, ambassador.user, actor_id)
        if status == "revoked" and ambassador.status != "revoked":
            _revoke(session, ambassador, reason or ambassador.revocation_reason, actor_id)
        elif status == "revoked" and reason:
            ambassador.revocation_reason = reason
        elif status == "active" and ambassador.status == "revoked":
            _reinstate(session, ambassador, actor_id)
        audit.record_update(session, ambassador, actor_id)
        session.flush()
    return ambassador


def revoke_ambassador(session: Session, ambassador: Ambassador, reason: str, actor) -> None:
    """Revoked: the account's sessions end at once, its API tokens and links die, and it
    cannot log in; the record and its referrals stay."""
    update_ambassador(
        session,
        ambassador,
        {"status": "revoked", "revocation_reason": reason},
        ambassador.version,
        actor,
    )


def reinstate_ambassador(session: Session, ambassador: Ambassador, actor) -> users.IssuedLink:
    """Active again, with a new invitation link (the old password was made unusable)."""
    update_ambassador(session, ambassador, {"status": "active"}, ambassador.version, actor)
    return invite(session, ambassador, actor)


def _revoke(session: Session, ambassador: Ambassador, reason: str, actor_id: int | None) -> None:
    ambassador.status = "revoked"
    ambassador.revoked_at = utcnow()
    ambassador.revocation_reason = reason
    users.lock_out(session, ambassador.user, actor_id)


def _reinstate(session: Session, ambassador: Ambassador, actor_id: int | None) -> None:
    ambassador.status = "active"
    ambassador.revoked_at = None
    ambassador.revocation_reason = None
    ambassador.user.active = True
    audit.record_update(session, ambassador.user, actor_id)


def invite(session: Session, ambassador: Ambassador, actor) -> users.IssuedLink:
    """A new one-time link for the ambassador to set a password; older links stop working."""
    _require_writer(actor)
    if ambassador.status == "revoked":
        raise ValidationError({"status": [_("大使已被撤销，请先恢复")]})
    ambassador.invitation = users.issue_password_link(
        session, ambassador.user, records.actor_id(actor)
    )
    return ambassador.invitation


def take_invitation(ambassador: Ambassador) -> users.IssuedLink | None:
    """The link made for the ambassador in this request, handed out once: later reads of the
    same object no longer carry it."""
    return vars(ambassador).pop("invitation", None)


# ---- reading ----


def get_ambassador(session: Session, ambassador_id: int, actor) -> Ambassador:
    return records.get_live(session, Ambassador, ambassador_id, actor, READ)


def _listed(filters: AmbassadorFilters, today: date):
    statement = select(Ambassador, User).join(User, User.id == Ambassador.user_id)
    if filters.q:
        pattern = f"%{filters.q.lower()}%"
        statement = statement.where(
            or_(
                func.lower(User.display_name).like(pattern),
                func.lower(User.name).like(pattern),
                func.lower(Ambassador.organisation).like(pattern),
            )
        )
    if filters.kind:
        statement = statement.where(Ambassador.kind == filters.kind)
    if filters.status:
        statement = statement.where(_status_is(filters.status, today))
    if filters.expiring:
        statement = statement.where(
            _status_is("active", today),
            Ambassador.term_ends_on <= today + timedelta(days=RENEWAL_DAYS),
        )
    return statement


def list_ambassadors(
    session: Session, filters: AmbassadorFilters, actor, page: int = 1, per_page: int = 50
):
    records.require(actor, READ)
    statement = _listed(filters, city_today()).order_by(Ambassador.id.desc())
    rows, has_next = records.numbered_page(session, statement, page, per_page)
    return [row.Ambassador for row in rows], has_next


def summary_values(ambassador: Ambassador, actor) -> dict:
    """A list row as the declaration names it; contact data masked unless the actor may see it."""
    today = city_today()
    user = ambassador.user
    full = actor is None or has_right(actor, UNMASK)
    return {
        "id": ambassador.id,
        "version": ambassador.version,
        "name": user.name,
        "display_name": user.display_name,
        **{
            field: getattr(ambassador, field) if full else mask(field, getattr(ambassador, field))
            for field in PERSONAL_FIELDS
        },
        "kind": ambassador.kind,
        "organisation": ambassador.organisation,
        "title": ambassador.title,
        "appointed_on": ambassador.appointed_on,
        "term_ends_on": ambassador.term_ends_on,
        "regions": list(ambassador.regions or []),
        "industries": list(ambassador.industries or []),
        "segments": list(ambassador.segments or []),
        "status": shown_status(ambassador, today),
        "term_ends_soon": term_ends_soon(ambassador, today),
    }


def ambassador_values(ambassador: Ambassador, actor) -> dict:
    """The record as the declaration names it (the invitation link is the caller's to add)."""
    return summary_values(ambassador, actor) | {
        "user_id": ambassador.user_id,
        "revocation_reason": ambassador.revocation_reason,
        "revoked_at": ambassador.revoked_at,
        "last_login_at": ambassador.user.last_login_at,
        "invitation_link": None,
        "invitation_expires_at": None,
        "created_at": ambassador.created_at,
        "updated_at": ambassador.updated_at,
    }
