"""Leads and their activities over JSON: two resources of the resource layer (a lead's
activities are listed and created under it), and a lead's stage log."""

from flask_babel import gettext as _

from crm.api import blueprint, resource
from crm.api.auth import api_user
from crm.api.body import json_object
from crm.api.errors import CONFLICT, ApiError, invalid, service_errors
from crm.api.openapi import describe, json_content, ref, responses
from crm.extensions import db
from crm.schemas.activities import ACTIVITIES
from crm.schemas.leads import LEADS, StageChangeRecord
from crm.services import activities, leads
from crm.services.errors import StaleVersion

LEAD_RESOURCE = resource.Resource(
    path="leads",
    singular="lead",
    title="Lead",
    read_right=leads.READ,
    write_right=leads.WRITE,
    declaration=LEADS,
    search=leads.list_leads,
    get=leads.get_lead,
    create=leads.create_lead,
    update=leads.update_lead,
    delete=leads.delete_lead,
    record_values=leads.lead_values,
    summary_values=leads.summary_values,
)
resource.register(blueprint, LEAD_RESOURCE)

ACTIVITY_RESOURCE = resource.Resource(
    path="activities",
    singular="activity",
    title="Activity",
    read_right=activities.READ,
    write_right=activities.WRITE,
    declaration=ACTIVITIES,
    search=activities.list_activities,
    get=activities.get_activity,
    create=activities.create_activity,
    update=activities.update_activity,
    delete=activities.delete_activity,
    record_values=activities.activity_values,
    summary_values=activities.summary_values,
    parent=resource.Parent(path="leads", singular="lead"),
)
resource.register(blueprint, ACTIVITY_RESOURCE)


@blueprint.get("/leads/<int:lead_id>/stage-changes")
def lead_stage_changes(lead_id: int):
    """The lead's stage log, oldest first: its creation (from null) and every change."""
    with service_errors():
        lead = leads.get_lead(db.session, lead_id, api_user())
    return {
        "items": [
            StageChangeRecord.model_construct(**vars(entry)).model_dump(mode="json")
            for entry in leads.stage_log(db.session, lead)
        ]
    }


STAGE_CHANGE_SCHEMA = StageChangeRecord.model_json_schema(mode="serialization")
describe(
    "/leads/{lead_id}/stage-changes",
    "get",
    {
        "operationId": "listLeadStageChanges",
        "summary": "A lead's stage log, oldest first: who moved it, when, from which stage to which.",
        "description": "The creation is the first entry (from_stage null). Forward moves may "
        "skip stages; moves back are allowed and appear here like any other.",
        "parameters": [{"name": "lead_id", "in": "path", "required": True,
                        "schema": {"type": "integer"}}],
        "responses": responses(
            {"200": json_content("The log.", {
                "type": "object", "required": ["items"],
                "properties": {"items": {"type": "array", "items": STAGE_CHANGE_SCHEMA}}})},
            "401 404",
        ),
    },
)  # fmt: skip


@blueprint.post("/leads/<int:lead_id>/sign")
def lead_sign(lead_id: int):
    """签约 verified: for users with the verify right (officials with can_verify, admins), who
    may sign a lead without the right to change leads otherwise."""
    actor = api_user()
    with service_errors():
        lead = leads.get_lead(db.session, lead_id, actor)
    data = json_object()
    version = data.pop("version", None)
    if isinstance(version, bool) or not isinstance(version, int):
        raise invalid({"version": [_("必填：请附上读取记录时的 version")]})
    try:
        with service_errors():
            leads.update_lead(db.session, lead, {"stage": leads.SIGNED, **data}, version, actor)
    except StaleVersion:
        db.session.rollback()
        raise ApiError(409, "conflict", CONFLICT) from None
    db.session.commit()
    return LEAD_RESOURCE.record_json(lead)


describe(
    "/leads/{lead_id}/sign",
    "post",
    {
        "operationId": "signLead",
        "summary": "Verify the signing (签约): the lead moves to signed with its amount and date.",
        "description": "Needs the verify right only (an official with can_verify, or an "
        "administrator). The body holds `signed_amount_wan`, `signed_on` and the lead's "
        "`version`; nothing else may change this way.",
        "parameters": [{"name": "lead_id", "in": "path", "required": True,
                        "schema": {"type": "integer"}}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["signed_amount_wan", "signed_on", "version"],
            "properties": {"signed_amount_wan": {"type": ["string", "number"]},
                           "signed_on": {"type": "string", "format": "date"},
                           "version": {"type": "integer"}}}}}},
        "responses": responses(
            {"200": json_content("The lead, signed.", ref("Lead")),
             "409": json_content("The lead changed since `version` was read.", ref("Error"))},
            "400 401 403 404 413 415 422",
        ),
    },
)  # fmt: skip
