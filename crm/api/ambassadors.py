"""Ambassadors over JSON, for the bureau: list, read, create and update of the resource layer
(no DELETE: an ambassador is revoked with `status` and `revocation_reason`, which can be undone),
and a new one-time invitation link. Contact data is masked for callers without
personal_data.unmask; ambassadors' own tokens are refused (403 on the list, 404 on a record)."""

from flask import url_for

from crm.api import blueprint, resource
from crm.api.auth import api_user, require_right
from crm.api.errors import service_errors
from crm.api.openapi import describe, json_content, ref, responses
from crm.extensions import db
from crm.models import Ambassador
from crm.schemas.ambassadors import AMBASSADORS
from crm.services import ambassadors


def invitation_values(ambassador: Ambassador) -> dict:
    """The invitation made in this request, if any: shown in this answer only."""
    issued = ambassadors.take_invitation(ambassador)
    if issued is None:
        return {}
    return {
        "invitation_link": url_for("crm.password_link", token=issued.token, _external=True),
        "invitation_expires_at": issued.expires_at,
    }


def record_values(_session, ambassador: Ambassador) -> dict:
    return ambassadors.ambassador_values(ambassador, api_user()) | invitation_values(ambassador)


AMBASSADOR_RESOURCE = resource.Resource(
    path="ambassadors",
    singular="ambassador",
    title="Ambassador",
    read_right=ambassadors.READ,
    write_right=ambassadors.WRITE,
    declaration=AMBASSADORS,
    search=ambassadors.list_ambassadors,
    get=ambassadors.get_ambassador,
    create=ambassadors.create_ambassador,
    update=ambassadors.update_ambassador,
    delete=None,
    record_values=record_values,
    summary_values=lambda ambassador: ambassadors.summary_values(ambassador, api_user()),
)
resource.register(blueprint, AMBASSADOR_RESOURCE)


@blueprint.post("/ambassadors/<int:ambassador_id>/invitation")
def ambassador_invitation(ambassador_id: int):
    """A new one-time invitation link; older links stop working."""
    actor = api_user()
    with service_errors():
        ambassador = ambassadors.get_ambassador(db.session, ambassador_id, actor)
    require_right(ambassadors.WRITE)
    with service_errors():
        ambassadors.invite(db.session, ambassador, actor)
    db.session.commit()
    return AMBASSADOR_RESOURCE.record_json(ambassador), 201


describe(
    "/ambassadors/{ambassador_id}/invitation",
    "post",
    {
        "operationId": "inviteAmbassador",
        "summary": "A new one-time invitation link for the ambassador to set a password.",
        "description": "The record, with `invitation_link` and `invitation_expires_at` in this "
        "answer only; the server keeps the link's hash. It works once, until it expires, and "
        "making another one cancels it. A revoked ambassador is reinstated first (422).",
        "parameters": [
            {"name": "ambassador_id", "in": "path", "required": True, "schema": {"type": "integer"}}
        ],
        "responses": responses(
            {"201": json_content("The record with its new link.", ref("Ambassador"))},
            "401 403 404 422",
        ),
    },
)
