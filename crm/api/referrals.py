"""Referrals over JSON, on the resource layer: an ambassador's token creates referrals and
lists and reads only its own (another's id answers 404); the bureau's readers read them all.
No update or delete: staff and administrators accept a new referral (into a lead, or as a
co-referral of a lead that has one), decline it with a reason or as already known, and record
how a lead's reward is split between its co-referrers, as in the inbox and on the lead page.
Submissions are limited per ambassador (REFERRAL_LIMITS, shared with the portal)."""

from flask_babel import gettext as _

from crm import referral_limits
from crm.api import blueprint, resource
from crm.api.auth import api_user, require_right
from crm.api.body import json_object
from crm.api.errors import ApiError, invalid, service_errors
from crm.api.openapi import describe, json_content, ref, responses
from crm.extensions import db
from crm.schemas.referrals import REFERRALS, TALENT_REFERRALS
from crm.security import takes_attachments
from crm.services import attachments, leads, referrals
from crm.services.errors import UnknownFields, ValidationError
from crm.views import referral_attachments


def _limited(create):
    """`create`, refused with 429 once the ambassador has submitted REFERRAL_LIMITS' worth;
    only a recorded submission counts."""

    def limited_create(session, data, actor):
        ambassador = getattr(actor, "ambassador", None)
        wait = referral_limits.wait_seconds(ambassador.id) if ambassador is not None else None
        if wait is not None:
            # Who may not submit at all is told so first (403), not to wait.
            referrals.submitter(actor, referrals.INVESTOR_KINDS + referrals.TALENT_KINDS)
            raise ApiError(
                429,
                "too_many_requests",
                referral_limits.message(wait),
                extra={"retry_after": wait},
            )
        record = create(session, data, actor)
        referral_limits.counted(record.ambassador_id)
        return record

    return limited_create


REFERRAL_RESOURCE = resource.Resource(
    path="referrals",
    singular="referral",
    title="Referral",
    read_right=referrals.READ,
    write_right=referrals.SUBMIT,
    declaration=REFERRALS,
    search=referrals.list_referrals,
    get=referrals.get_referral,
    create=_limited(referrals.create_referral),
    update=None,
    delete=None,
    record_values=lambda session, referral: referrals.record_values(session, referral, api_user()),
    summary_values=lambda row: referrals.referral_values(*row, api_user()),
    create_errors="429",
)
resource.register(blueprint, REFERRAL_RESOURCE)

TALENT_REFERRAL_RESOURCE = resource.Resource(
    path="talent-referrals",
    singular="talent_referral",
    title="TalentReferral",
    read_right=referrals.READ,
    write_right=referrals.SUBMIT,
    declaration=TALENT_REFERRALS,
    search=referrals.list_talent_referrals,
    get=referrals.get_talent_referral,
    create=_limited(referrals.create_talent_referral),
    update=None,
    delete=None,
    record_values=referrals.talent_referral_values,
    summary_values=lambda referral: referrals.talent_referral_values(None, referral),
    create_errors="429",
)
resource.register(blueprint, TALENT_REFERRAL_RESOURCE)


def _handled(referral_id: int, allowed: set[str]):
    """The referral and the body, for a caller who may handle referrals."""
    actor = api_user()
    with service_errors():
        referral = referrals.get_referral(db.session, referral_id, actor)
    require_right(referrals.HANDLE)
    body = json_object()
    unknown = sorted(set(body) - allowed)
    if unknown:
        with service_errors():
            raise UnknownFields({key: [_("未知字段")] for key in unknown})
    return referral, body, actor


@blueprint.post("/referrals/<int:referral_id>/accept")
def referral_accept(referral_id: int):
    """Accept a new referral: a lead of source 大使推荐, or the enterprise's open lead."""
    referral, _body, actor = _handled(referral_id, set())
    with service_errors():
        referrals.accept_referral(db.session, referral, actor)
    db.session.commit()
    return REFERRAL_RESOURCE.record_json(referral)


@blueprint.post("/referrals/<int:referral_id>/decline")
def referral_decline(referral_id: int):
    """Decline a new referral with the reason its ambassador reads, or as already known."""
    referral, body, actor = _handled(referral_id, {"reason", "known"})
    reason, known = body.get("reason"), body.get("known", False)
    with service_errors():
        if not isinstance(known, bool):
            raise ValidationError({"known": [_("应为 true 或 false")]})
        referrals.decline_referral(
            db.session, referral, reason if isinstance(reason, str) else None, actor, known=known
        )
    db.session.commit()
    return REFERRAL_RESOURCE.record_json(referral)


@blueprint.put("/leads/<int:lead_id>/credit-split")
def referral_credit_split(lead_id: int):
    """Record how a lead's reward is split between the referrals linked to it."""
    actor = api_user()
    with service_errors():
        lead = leads.get_lead(db.session, lead_id, actor)
    require_right(referrals.HANDLE)
    body = json_object()
    unknown = sorted(set(body) - {"shares"})
    with service_errors():
        if unknown:
            raise UnknownFields({key: [_("未知字段")] for key in unknown})
        linked = referrals.record_split(db.session, lead, body.get("shares"), actor)
    db.session.commit()
    return {"lead_id": lead.id, "shares": _shares(linked)}


@blueprint.get("/leads/<int:lead_id>/credit-split")
def referral_credit_split_read(lead_id: int):
    """The split of a lead's reward as it stands."""
    actor = api_user()
    with service_errors():
        lead = leads.get_lead(db.session, lead_id, actor)
    require_right(referrals.READ_ALL)
    return {"lead_id": lead.id, "shares": _shares(referrals.lead_referrals(db.session, lead.id))}


def _shares(linked) -> list[dict]:
    return [
        {
            "referral_id": referral.id,
            "ambassador_id": referral.ambassador_id,
            "credit_share": format(referral.credit_share.normalize(), "f"),
        }
        for referral in linked
    ]


@blueprint.post("/referrals/<int:referral_id>/attachments")
@takes_attachments
def referral_attachments_add(referral_id: int):
    """The referral's own ambassador adds files (multipart `attachments`), checked by content."""
    actor = api_user()
    with service_errors():
        referral = referrals.get_referral(db.session, referral_id, actor)
        referrals.require_attacher(referral, actor)
    already = referrals.attachment_count(db.session, referral)
    uploads, problems = referral_attachments.checked_files(already)
    if not uploads and not problems:
        problems = [_("请上传文件（multipart/form-data 的 attachments 字段）")]
    if problems:
        raise invalid({referral_attachments.FIELD: problems})
    folder = referral_attachments.upload_folder()
    saved = []
    try:
        with service_errors():
            saved = referrals.attach_files(db.session, referral, uploads, actor, folder)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        attachments.discard(folder, saved)
        raise
    return REFERRAL_RESOURCE.record_json(referral), 201


@blueprint.get("/referrals/<int:referral_id>/attachments/<int:attachment_id>")
def referral_attachment_download(referral_id: int, attachment_id: int):
    """A referral's file, as a download, for whoever may read the referral."""
    actor = api_user()
    with service_errors():
        attachment = referrals.get_attachment(db.session, referral_id, attachment_id, actor)
    return referral_attachments.served(attachment)


_REFERRAL_ID = {
    "name": "referral_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer"},
}

describe(
    "/referrals/{referral_id}/accept",
    "post",
    {
        "operationId": "acceptReferral",
        "summary": "Accept a new referral (staff and administrators).",
        "description": "Links the open lead of the referred enterprise (found by credit code, "
        "else by normalised name), or creates a lead of source `ambassador` (大使推荐) with the "
        "enterprise linked or created by the registry's rules, the referral's `segment_code` as "
        "its segment and the intended project, how the ambassador knows the investor and the "
        "description as its `basis`. When the open lead carries an earlier referral, this one "
        "joins it as a co-referral: the first referral keeps the whole credit (`credit_share` "
        "1, the others 0) until a split is recorded (PUT /leads/{lead_id}/credit-split). The "
        "lead's scope rules apply (403 saying why). 422 when the referral was handled already. "
        "The body is an empty JSON object.",
        "parameters": [_REFERRAL_ID],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "properties": {}, "additionalProperties": False}}}},
        "responses": responses(
            {"200": json_content("The referral, accepted.", ref("Referral"))},
            "400 401 403 404 413 415 422",
        ),
    },
)  # fmt: skip

describe(
    "/referrals/{referral_id}/decline",
    "post",
    {
        "operationId": "declineReferral",
        "summary": "Decline a new referral with a reason (staff and administrators).",
        "description": "The `reason` is required; the ambassador reads it with the status "
        "未受理 (`rejected`). With `known: true` the referral is declined as already known "
        "(`known`, 已知): it must be a duplicate (its enterprise has an active lead or an "
        "earlier referral), no reason is taken, and the ambassador reads a neutral one that "
        "never names who referred first. 422 when the referral was handled already.",
        "parameters": [_REFERRAL_ID],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object",
            "properties": {"reason": {"type": "string", "maxLength": 500},
                           "known": {"type": "boolean", "default": False}},
            "additionalProperties": False}}}},
        "responses": responses(
            {"200": json_content("The referral, declined.", ref("Referral"))},
            "400 401 403 404 413 415 422",
        ),
    },
)  # fmt: skip

describe(
    "/referrals/{referral_id}/attachments",
    "post",
    {
        "operationId": "addReferralAttachments",
        "summary": "Attach files to a referral (its own ambassador's token).",
        "description": "Business-card photos or brochures as multipart `attachments` (one or "
        "more parts). The type is told by the file's content, never by its name: JPEG, PNG, "
        "WebP, HEIC/HEIF or PDF. Each file at most REFERRAL_ATTACHMENT_MAX_BYTES (10 MB by "
        "default), a referral at most REFERRAL_ATTACHMENT_MAX_COUNT files (3); an empty file, "
        "another type, or one too many is refused whole with 422 at `attachments`. Another "
        "ambassador's referral answers 404; staff tokens 403 (they read files, not add them).",
        "parameters": [_REFERRAL_ID],
        "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": ["attachments"],
            "properties": {"attachments": {"type": "array",
                                           "items": {"type": "string", "format": "binary"}}}}}}},
        "responses": responses(
            {"201": json_content("The referral, with its attachments.", ref("Referral"))},
            "401 403 404 413 422",
        ),
    },
)  # fmt: skip

describe(
    "/referrals/{referral_id}/attachments/{attachment_id}",
    "get",
    {
        "operationId": "getReferralAttachment",
        "summary": "Download a referral's file.",
        "description": "For the referral's ambassador and the bureau's readers; 404 for "
        "everyone else. Always `Content-Disposition: attachment`, the type the file was "
        "checked as, and `X-Content-Type-Options: nosniff`.",
        "parameters": [_REFERRAL_ID, {"name": "attachment_id", "in": "path", "required": True,
                                      "schema": {"type": "integer"}}],
        "responses": responses(
            {"200": {"description": "The file.", "content": {
                mime: {"schema": {"type": "string", "format": "binary"}}
                for mime in ("image/jpeg", "image/png", "image/webp", "image/heic",
                             "image/heif", "application/pdf")}}},
            "401 404",
        ),
    },
)  # fmt: skip

_LEAD_ID = {"name": "lead_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_SPLIT = {
    "type": "object",
    "properties": {
        "lead_id": {"type": "integer"},
        "shares": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "referral_id": {"type": "integer"},
                    "ambassador_id": {"type": "integer"},
                    "credit_share": {"type": "string", "pattern": r"^\d+(\.\d+)?$"},
                },
            },
        },
    },
}

describe(
    "/leads/{lead_id}/credit-split",
    "put",
    {
        "operationId": "splitReferralCredit",
        "summary": "Record how a lead's reward is split between its co-referrers (staff and "
        "administrators whose scope holds the lead).",
        "description": "`shares` maps the id of every referral linked to the lead to its share, "
        "a decimal from 0 to 1 with at most 4 decimals (as a string or a number); the shares "
        "must sum to exactly 1. 422 names the field (`share_<id>`, or `shares` for the sum and "
        "unknown referrals).",
        "parameters": [_LEAD_ID],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["shares"],
            "properties": {"shares": {"type": "object", "additionalProperties": {
                "type": ["string", "number"]}}},
            "additionalProperties": False}}}},
        "responses": responses(
            {"200": json_content("The split as recorded.", _SPLIT)},
            "400 401 403 404 413 415 422",
        ),
    },
)  # fmt: skip

describe(
    "/leads/{lead_id}/credit-split",
    "get",
    {
        "operationId": "readReferralCredit",
        "summary": "The split of a lead's reward between its referrals (the bureau's readers).",
        "parameters": [_LEAD_ID],
        "responses": responses(
            {"200": json_content("The split.", _SPLIT)}, "401 403 404"
        ),
    },
)  # fmt: skip
