"""Enterprises over JSON: the five routes of the resource layer, import, export and merge."""

from flask import current_app, request, send_file
from flask_babel import gettext as _

from crm.api import blueprint, resource
from crm.api.auth import api_user, require_right
from crm.api.body import json_object
from crm.api.errors import CONFLICT, ApiError, invalid, service_errors
from crm.api.imports import describe_import, import_answer
from crm.api.openapi import describe, filter_parameters, json_content, ref, responses
from crm.extensions import db
from crm.schemas.enterprises import ENTERPRISES
from crm.security import takes_upload
from crm.services import enterprises
from crm.services.enterprise_export import XLSX, export_file, export_name
from crm.services.enterprise_merge import merge_enterprises, require_merge
from crm.services.errors import StaleVersion

ENTERPRISE_RESOURCE = resource.Resource(
    path="enterprises",
    singular="enterprise",
    title="Enterprise",
    read_right=enterprises.READ,
    write_right=enterprises.WRITE,
    declaration=ENTERPRISES,
    search=enterprises.list_enterprises,
    get=enterprises.get_enterprise,
    create=enterprises.create_enterprise,
    update=enterprises.update_enterprise,
    delete=enterprises.delete_enterprise,
    record_values=enterprises.enterprise_values,
    summary_values=enterprises.summary_values,
)
resource.register(blueprint, ENTERPRISE_RESOURCE)


# ---- beyond the five routes: import, export and merge ----


@blueprint.post("/enterprises/import")
@takes_upload
def enterprise_import():
    """A spreadsheet as multipart `file`; ?dry_run=true checks without writing."""
    return import_answer("enterprises")


@blueprint.get("/enterprises/export.xlsx")
def enterprise_export():
    user = require_right("export.run")
    with service_errors():
        filters = ENTERPRISES.parse_filters(request.args)
        file = export_file(db.session, filters, user, current_app.config["TIMEZONE"])
    return send_file(file, mimetype=XLSX, as_attachment=True, download_name=export_name())


@blueprint.post("/enterprises/<int:enterprise_id>/merge")
def enterprise_merge(enterprise_id: int):
    """Merge another record into this one: {"other": id, "version": n, "other_version": n}."""
    user = api_user()
    with service_errors():
        keep = enterprises.get_enterprise(db.session, enterprise_id, user)
        require_merge(user)  # before the body: a 403 that says why, whatever was sent
    data = json_object()
    fields = {}
    for key in ("other", "version", "other_version"):
        if isinstance(data.get(key), bool) or not isinstance(data.get(key), int):
            fields[key] = [_("必填，应为整数")]
    if fields:
        raise invalid(fields)
    try:
        with service_errors():
            other = enterprises.get_enterprise(db.session, data["other"], user)
            merge_enterprises(
                db.session, keep, other, (data["version"], data["other_version"]), user
            )
    except StaleVersion:
        db.session.rollback()
        raise ApiError(409, "conflict", CONFLICT, extra={
            "current": ENTERPRISE_RESOURCE.record_json(
                enterprises.get_enterprise(db.session, enterprise_id, user))}) from None  # fmt: skip
    db.session.commit()
    return ENTERPRISE_RESOURCE.record_json(keep)


describe_import(
    "/enterprises/import",
    "importEnterprises",
    "Import enterprises from .xlsx or .csv (UTF-8 or GB18030), all rows or none.",
    "Headers as the export writes them (or common variants). Rows with 编号 update that record, "
    "the others create records.",
)
describe(
    "/enterprises/export.xlsx",
    "get",
    {
        "operationId": "exportEnterprises",
        "summary": "The enterprises the list's filters find, as an .xlsx workbook.",
        "parameters": filter_parameters(ENTERPRISES),
        "responses": responses(
            {"200": {"description": "The workbook.",
                     "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}},
            "401 403 422",
        ),
    },
)  # fmt: skip
describe(
    "/enterprises/{enterprise_id}/merge",
    "post",
    {
        "operationId": "mergeEnterprise",
        "summary": "Merge another enterprise into this one (admins and city-level staff).",
        "description": "The rules the merge page shows apply; the other record is kept, "
        "marked merged. Both versions must be current.",
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["other", "version", "other_version"],
            "properties": {"other": {"type": "integer"}, "version": {"type": "integer"},
                           "other_version": {"type": "integer"}}}}}},
        "responses": responses(
            {"200": json_content("The record that stays, merged.", ref("Enterprise")),
             "409": json_content("Either record changed since it was read.",
                                 ref("EnterpriseConflict"))},
            "400 401 403 404 413 415 422",
        ),
    },
)  # fmt: skip
