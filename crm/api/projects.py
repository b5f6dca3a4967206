"""Projects over JSON: the five routes of the resource layer for projects and for each kind of
their items (milestones, problems, progress entries, funds arrivals: listed and created under
/projects/{project_id}/…, read, changed and deleted at /milestones/{id} …), the stage log, the
milestone template, and a signed lead converted into a project."""

from functools import partial

from flask_babel import gettext as _

from crm.api import blueprint, resource
from crm.api.auth import api_user, require_right
from crm.api.body import json_object
from crm.api.errors import UNKNOWN_FIELDS, ApiError, not_found, service_errors
from crm.api.openapi import describe, json_content, ref, responses
from crm.extensions import db
from crm.models import Lead
from crm.schemas.fields import MAX_ID
from crm.schemas.formats import datetime_text
from crm.schemas.projects import PROJECTS, StageChangeRecord
from crm.services import projects
from crm.services.errors import ValidationError

PROJECT_RESOURCE = resource.Resource(
    path="projects",
    singular="project",
    title="Project",
    read_right=projects.READ,
    write_right=projects.WRITE,
    declaration=PROJECTS,
    search=projects.list_projects,
    get=projects.get_project,
    create=projects.create_project,
    update=projects.update_project,
    delete=projects.delete_project,
    record_values=projects.project_values,
    summary_values=projects.summary_values,
)
resource.register(blueprint, PROJECT_RESOURCE)


def _item_resource(kind: projects.ItemKind, path: str, singular: str, title: str):
    return resource.Resource(
        path=path,
        singular=singular,
        title=title,
        read_right=projects.READ,
        write_right=projects.WRITE,
        declaration=kind.declaration,
        search=partial(projects.list_items, kind),
        get=partial(projects.get_item, kind),
        create=partial(projects.create_item, kind),
        update=partial(projects.update_item, kind),
        delete=partial(projects.delete_item, kind),
        record_values=lambda _session, item: kind.values(item),
        summary_values=lambda row: kind.values(row[0]),
        parent=resource.Parent("projects", "project"),
    )


MILESTONE_RESOURCE = _item_resource(projects.MILESTONE_KIND, "milestones", "milestone", "Milestone")
for item_resource in (
    MILESTONE_RESOURCE,
    _item_resource(projects.PROBLEM_KIND, "problems", "problem", "Problem"),
    _item_resource(projects.PROGRESS_KIND, "progress-entries", "progress_entry", "ProgressEntry"),
    _item_resource(projects.FUNDS_KIND, "funds-arrivals", "funds_arrival", "FundsArrival"),
):
    resource.register(blueprint, item_resource)


@blueprint.get("/projects/<int:project_id>/stage-changes")
def project_stage_changes(project_id: int):
    """The project's stage log, after its lead's (subject "lead") when it came from one."""
    with service_errors():
        project = projects.get_project(db.session, project_id, api_user())
    log = projects.stage_log(db.session, project)
    return {"items": [projects.stage_change_json(entry) for entry in log]}


@blueprint.post("/projects/<int:project_id>/milestones/template")
def project_milestone_template(project_id: int):
    """Add the standard preparatory milestones the project does not have yet."""
    with service_errors():
        project = projects.get_project(db.session, project_id, api_user())
    user = require_right(projects.WRITE)
    with service_errors():
        added = projects.apply_milestone_template(db.session, project, user)
    db.session.commit()
    items = [MILESTONE_RESOURCE.record_json(milestone) for milestone in added]
    return {"items": items}, 201 if added else 200


@blueprint.post("/leads/<int:lead_id>/project")
def lead_convert(lead_id: int):
    """Convert a signed lead into a project; the body gives the leader and any project fields."""
    user = require_right(projects.WRITE)
    lead = db.session.get(Lead, lead_id) if 0 < lead_id <= MAX_ID else None
    if lead is None:
        raise not_found()
    data = json_object()
    try:
        with service_errors():
            project = projects.convert_lead(db.session, lead, data, user)
    except ApiError as error:
        held = _converted_already(error)
        if held is None:
            raise
        raise ApiError(
            409, "already_converted", error.fields["lead"][0], extra={"project_id": held}
        ) from None
    db.session.commit()
    location = f"/api/v1/projects/{project.id}"
    return PROJECT_RESOURCE.record_json(project), 201, {"Location": location}


def _converted_already(error: ApiError) -> int | None:
    cause = error.__cause__
    if isinstance(cause, ValidationError) and "lead" in cause.holders:
        return cause.holders["lead"]
    return None


STAGE_LOG = {
    "type": "object",
    "required": ["items"],
    "properties": {
        "items": {
            "type": "array",
            "items": StageChangeRecord.model_json_schema(mode="serialization"),
        }
    },
}
describe(
    "/projects/{project_id}/stage-changes",
    "get",
    {
        "operationId": "listProjectStageChanges",
        "summary": "The project's stage log (who, when, from, to), oldest first; a project "
        "converted from a lead shows the lead's log first (subject lead).",
        "parameters": [{"name": "project_id", "in": "path", "required": True,
                        "schema": {"type": "integer"}}],
        "responses": responses({"200": json_content("The log.", STAGE_LOG)}, "401 404"),
    },
)  # fmt: skip
describe(
    "/projects/{project_id}/milestones/template",
    "post",
    {
        "operationId": "applyMilestoneTemplate",
        "summary": "Add the standard preparatory milestones (立项, 用地, 环评, 能评, 规划许可, "
        "施工许可) the project lacks, a month apart; only in 正在谋划 or 准备开工.",
        "parameters": [{"name": "project_id", "in": "path", "required": True,
                        "schema": {"type": "integer"}}],
        "responses": responses(
            {"201": json_content("The milestones added.", {"type": "object", "properties": {
                "items": {"type": "array", "items": ref("Milestone")}}}),
             "200": json_content("Nothing to add: the project has them all.", {
                 "type": "object", "properties": {"items": {"type": "array", "maxItems": 0}}})},
            "401 403 404 422",
        ),
    },
)  # fmt: skip
describe(
    "/leads/{lead_id}/project",
    "post",
    {
        "operationId": "convertLead",
        "summary": "Convert a signed lead into a project (once).",
        "description": "The project keeps the lead (lead_id), its enterprise, signed amount, "
        "signing date and owner unit; the body must give leader_id and may give any project "
        "field. A lead converted before answers 409 already_converted with its project_id.",
        "parameters": [{"name": "lead_id", "in": "path", "required": True,
                        "schema": {"type": "integer"}}],
        "requestBody": {"required": True,
                        "content": {"application/json": {"schema": {
                            "type": "object", "required": ["leader_id"],
                            "description": "Fields of ProjectInput; the lead gives the rest."}}}},
        "responses": responses(
            {"201": json_content("The new project.", ref("Project")),
             "409": json_content("Converted before; project_id names the project.", {
                 "type": "object", "required": ["error", "project_id"],
                 "properties": {"error": {"type": "object"}, "project_id": {"type": "integer"}}})},
            "400 401 403 404 413 415 422",
        ),
    },
)  # fmt: skip


# ---- notes: the leader's (or the team's) instructions and dispatch notes ----


def _note_json(activity, author) -> dict:
    return {
        "id": activity.id,
        "kind": activity.kind,
        "occurred_on": activity.occurred_on.isoformat(),
        "notes": activity.notes,
        "author": author,
        "created_at": datetime_text(activity.created_at),
    }


@blueprint.get("/projects/<int:project_id>/notes")
def project_notes(project_id: int):
    with service_errors():
        project = projects.get_project(db.session, project_id, api_user())
    return {"items": [_note_json(*row) for row in projects.notes_of(db.session, project)]}


@blueprint.post("/projects/<int:project_id>/notes")
def project_note_add(project_id: int):
    """Officials note on the projects they lead; staff where they may change the project."""
    actor = api_user()
    with service_errors():
        project = projects.get_project(db.session, project_id, actor)
    data = json_object()
    unknown = set(data) - {"notes", "kind"}
    if unknown:
        raise ApiError(400, "unknown_fields", UNKNOWN_FIELDS,
                       {key: [_("未知字段")] for key in sorted(unknown)})  # fmt: skip
    text = data.get("notes")
    with service_errors():
        note = projects.add_note(
            db.session,
            project,
            text if isinstance(text, str) else "",
            actor,
            kind=data.get("kind", "meeting"),
        )
    db.session.commit()
    return _note_json(note, actor.label), 201


NOTE_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "kind": {"type": "string", "description": "An activity kind: meeting, visit, call …"},
        "occurred_on": {"type": "string", "format": "date"},
        "notes": {"type": "string"},
        "author": {"type": ["string", "null"]},
        "created_at": {"type": "string", "format": "date-time"},
    },
}
PROJECT_ID = {"name": "project_id", "in": "path", "required": True, "schema": {"type": "integer"}}
describe(
    "/projects/{project_id}/notes",
    "get",
    {
        "operationId": "listProjectNotes",
        "summary": "A project's notes (批示与调度), newest first.",
        "parameters": [PROJECT_ID],
        "responses": responses(
            {"200": json_content("The notes.", {
                "type": "object", "properties": {"items": {"type": "array", "items": NOTE_SCHEMA}}})},
            "401 404",
        ),
    },
)  # fmt: skip
describe(
    "/projects/{project_id}/notes",
    "post",
    {
        "operationId": "addProjectNote",
        "summary": "Write a note on a project: its leader (an official), or staff who may "
        "change it.",
        "parameters": [PROJECT_ID],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["notes"],
            "properties": {"notes": {"type": "string", "maxLength": 5000},
                           "kind": {"type": "string", "default": "meeting"}}}}}},
        "responses": responses(
            {"201": json_content("The note.", NOTE_SCHEMA)}, "400 401 403 404 413 415 422"
        ),
    },
)  # fmt: skip
