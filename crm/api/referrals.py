"""Referrals over JSON, on the resource layer: an ambassador's token creates referrals and
lists and reads only its own (another's id answers 404); the bureau's readers read them all.
No update or delete: staff and administrators accept a new referral (into a lead) or decline
it with a reason, as in the inbox."""

from flask_babel import gettext as _

from crm.api import blueprint, resource
from crm.api.auth import api_user, require_right
from crm.api.body import json_object
from crm.api.errors import invalid, service_errors
from crm.api.openapi import describe, json_content, ref, responses
from crm.extensions import db
from crm.schemas.referrals import REFERRALS, TALENT_REFERRALS
from crm.security import takes_attachments
from crm.services import attachments, referrals
from crm.services.errors import UnknownFields
from crm.views import referral_attachments

REFERRAL_RESOURCE = resource.Resource(
    path="referrals",
    singular="referral",
    title="Referral",
    read_right=referrals.READ,
    write_right=referrals.SUBMIT,
    declaration=REFERRALS,
    search=referrals.list_referrals,
    get=referrals.get_referral,
    create=referrals.create_referral,
    update=None,
    delete=None,
    record_values=referrals.record_values,
    summary_values=lambda row: referrals.referral_values(*row),
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
    create=referrals.create_talent_referral,
    update=None,
    delete=None,
    record_values=referrals.talent_referral_values,
    summary_values=lambda referral: referrals.talent_referral_values(None, referral),
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
    """Decline a new referral with the reason its ambassador reads."""
    referral, body, actor = _handled(referral_id, {"reason"})
    reason = body.get("reason")
    with service_errors():
        referrals.decline_referral(
            db.session, referral, reason if isinstance(reason, str) else None, actor
        )
    db.session.commit()
    return REFERRAL_RESOURCE.record_json(referral)


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
        "enterprise linked or created by the registry's rules and the referral's description "
        "as its `basis`. The lead's scope rules apply (403 saying why). 422 when the referral "
        "was handled already, or when the enterprise's open lead carries an earlier referral "
        "(which keeps the credit). The body is an empty JSON object.",
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
        "未受理 (`rejected`). 422 when the referral was handled already.",
        "parameters": [_REFERRAL_ID],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["reason"],
            "properties": {"reason": {"type": "string", "maxLength": 500}},
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
