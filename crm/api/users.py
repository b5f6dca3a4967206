"""Users over JSON, for administrators: the five routes of the resource layer (DELETE
deactivates: a user's history stays), and a one-time password link."""

from flask import url_for

from crm.api import blueprint, resource
from crm.api.auth import require_right
from crm.api.errors import service_errors
from crm.api.openapi import describe, json_content, responses
from crm.extensions import db
from crm.schemas.users import USERS
from crm.services import users

USER_RESOURCE = resource.Resource(
    path="users",
    singular="user",
    title="User",
    read_right=users.MANAGE,
    write_right=users.MANAGE,
    declaration=USERS,
    search=users.list_users,
    get=users.get_user,
    create=users.create_user_from,
    update=users.update_user,
    delete=users.deactivate_user,
    record_values=users.user_values,
    summary_values=users.summary_values,
)
resource.register(blueprint, USER_RESOURCE)


@blueprint.post("/users/<int:user_id>/password-link")
def user_password_link(user_id: int):
    """A one-time link for the user to set their own password; older links stop working."""
    actor = require_right(users.MANAGE)
    with service_errors():
        user = users.get_user(db.session, user_id, actor)
        issued = users.create_password_link(db.session, user, actor)
    db.session.commit()
    link = url_for("crm.password_link", token=issued.token, _external=True)
    return {"link": link, "expires_at": issued.expires_at.isoformat() + "Z"}, 201


describe(
    "/users/{user_id}/password-link",
    "post",
    {
        "operationId": "makePasswordLink",
        "summary": "A one-time link for the user to set their own password (administrators).",
        "description": "The link is shown in this answer only; the server keeps its hash. It "
        "works once, until `expires_at`, and making another one cancels it.",
        "parameters": [
            {"name": "user_id", "in": "path", "required": True, "schema": {"type": "integer"}}
        ],
        "responses": responses(
            {
                "201": json_content(
                    "The link.",
                    {
                        "type": "object",
                        "properties": {
                            "link": {"type": "string", "format": "uri"},
                            "expires_at": {"type": "string", "format": "date-time"},
                        },
                    },
                )
            },
            "401 403 404 422",
        ),
    },
)
