"""The rhythm's reports over the API: GET /reports lists the kinds, GET /reports/<key>?as_of=
&scope= answers one as JSON (the kind's to_dict), or with format=xlsx as the workbook."""

from io import BytesIO

from flask import request, send_file

from crm.api import blueprint
from crm.api.auth import api_user
from crm.api.errors import invalid, not_found, service_errors
from crm.api.openapi import describe, json_content, responses
from crm.clock import city_today
from crm.extensions import db
from crm.reports import READ, REPORTS
from crm.reports.params import file_name, parse_params
from crm.services import records
from crm.services.enterprise_export import XLSX


@blueprint.get("/reports")
def report_kinds():
    with service_errors():
        records.require(api_user(), READ)
    return {"items": [{"key": key, "title": str(kind.title)} for key, kind in REPORTS.items()]}


@blueprint.get("/reports/<key>")
def report(key: str):
    kind = REPORTS.get(key)
    if kind is None:
        raise not_found()
    answer_format = request.args.get("format", "json")
    if answer_format not in ("json", "xlsx"):
        raise invalid({"format": ["json | xlsx"]})
    user = api_user()
    with service_errors():
        records.require(user, READ)
        params = parse_params(
            db.session, request.args.get("as_of"), request.args.get("scope"), city_today()
        )
        built = kind.build(db.session, user, params)
    if answer_format == "xlsx":
        return send_file(
            BytesIO(kind.to_xlsx(built)),
            mimetype=XLSX,
            as_attachment=True,
            download_name=file_name(key, params),
        )
    return kind.to_dict(built)


_PARAMETERS = [
    {"name": "key", "in": "path", "required": True,
     "schema": {"type": "string", "enum": ["weekly", "monthly", "quarterly", "annual"]},
     "description": "The kind: 周调度 weekly, 月督办 monthly, 季通报 quarterly, 年考核 annual."},
    {"name": "as_of", "in": "query", "required": False,
     "schema": {"type": "string", "format": "date"},
     "description": "Read the data as it stood at the end of this day (default today; a future "
     "day is refused)."},
    {"name": "scope", "in": "query", "required": False, "schema": {"type": "string"},
     "description": "city (default), district:<code>, unit:<id or name> or leader:<id or "
     "user name>; staff of a unit only within their unit and district."},
    {"name": "format", "in": "query", "required": False,
     "schema": {"type": "string", "enum": ["json", "xlsx"]},
     "description": "xlsx answers the workbook (as an attachment) instead of JSON."},
]  # fmt: skip
describe(
    "/reports",
    "get",
    {
        "operationId": "listReportKinds",
        "summary": "The report kinds this server has.",
        "responses": responses(
            {"200": json_content("The kinds.", {"type": "object", "properties": {
                "items": {"type": "array", "items": {"type": "object", "properties": {
                    "key": {"type": "string"}, "title": {"type": "string"}}}}}})},
            "401 403",
        ),
    },
)  # fmt: skip
describe(
    "/reports/{key}",
    "get",
    {
        "operationId": "getReport",
        "summary": "A report of the working rhythm, as of a day and for a scope.",
        "description": "Every figure is read as of `as_of` from dated history, so a past day "
        "gives the same answer whenever it is asked. An issued weekly sheet (周调度) is answered "
        "as it was issued (`issued`: true).",
        "parameters": _PARAMETERS,
        "responses": responses(
            {"200": {"description": "The report.", "content": {
                "application/json": {"schema": {"type": "object"}},
                XLSX: {"schema": {"type": "string", "format": "binary"}}}}},
            "401 403 404 422",
        ),
    },
)  # fmt: skip
