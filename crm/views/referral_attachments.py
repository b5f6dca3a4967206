"""Referral attachments on the pages: the files a form sent, checked by content, and a file
served to those who may read its referral (its ambassador; staff, officials and
administrators), always as a download."""

from flask import abort, current_app, request, send_file
from flask_login import current_user

from crm.extensions import db
from crm.permissions import require
from crm.services import attachments, referrals
from crm.services.errors import Forbidden, NotFound
from crm.views import blueprint

FIELD = "attachments"


def upload_folder() -> str:
    return current_app.config["UPLOAD_FOLDER"]


def limits() -> attachments.Limits:
    return referrals.attachment_limits(current_app.config)


def chosen_files() -> bool:
    """Whether the request carried a chosen file: a page that fails must ask for it again,
    since a browser never fills a file input back in."""
    return any(file.filename for file in request.files.getlist(FIELD))


def checked_files(already: int = 0) -> tuple[list[attachments.Upload], list[str]]:
    """The request's files that pass, and a message for each that does not."""
    files = [(file.filename, file.stream) for file in request.files.getlist(FIELD)]
    return attachments.check_uploads(files, limits(), already)


def served(attachment):
    """The file as a download of the type it was checked as; never shown inline, never
    sniffed into another type by the browser."""
    response = send_file(
        attachments.path_of(upload_folder(), attachment),
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.file_name,
        conditional=False,
        etag=False,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@blueprint.get("/referrals/<int:referral_id>/attachments/<int:attachment_id>")
@require("referral.read")
def referral_attachment(referral_id: int, attachment_id: int):
    try:
        attachment = referrals.get_attachment(db.session, referral_id, attachment_id, current_user)
    except (NotFound, Forbidden):
        abort(404)
    return served(attachment)
