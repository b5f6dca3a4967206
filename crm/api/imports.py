"""Importing a spreadsheet over the API, for every kind the import serves
(crm.services.import_kinds): a multipart `file`, all rows or none."""

from flask import request
from flask_babel import gettext as _

from crm.api.auth import require_right
from crm.api.errors import ApiError, invalid, service_errors
from crm.api.openapi import describe, json_content, responses
from crm.extensions import db
from crm.services.import_kinds import KINDS
from crm.spreadsheets import SpreadsheetError, read_table


def import_answer(kind: str) -> dict:
    """A spreadsheet as multipart `file`; ?dry_run=true checks without writing."""
    user = require_right("import.run")
    upload = request.files.get("file")
    if upload is None:
        raise invalid({"file": [_("请上传文件（multipart/form-data 的 file 字段）")]})
    try:
        table = read_table(upload.stream, upload.filename or "upload")
    except SpreadsheetError as error:
        raise invalid({"file": [str(error.message)]}) from error
    importer = KINDS[kind]
    mapping = importer.map_columns(table)
    problems = importer.mapping_problems(mapping)
    if problems:
        raise invalid({"file": problems})
    dry_run = request.args.get("dry_run", "").lower() == "true"
    with service_errors():
        outcome = importer.run(db.session, table, mapping, user, dry_run=dry_run)
    db.session.commit()
    summary = {
        "batch": outcome.batch_id,
        "rows": outcome.row_count,
        "created": outcome.created,
        "updated": outcome.updated,
        "dry_run": dry_run,
    }
    if outcome.refused:
        raise ApiError(
            422,
            "invalid_rows",
            _("文件中有 %(count)d 处错误，未导入任何数据。", count=len(outcome.errors)),
            extra=summary | {"rows_with_errors": [vars(error) for error in outcome.errors]},
        )
    return summary


def describe_import(path: str, operation_id: str, summary: str, description: str) -> None:
    describe(
        path,
        "post",
        {
            "operationId": operation_id,
            "summary": summary,
            "description": description + " A file with any bad row is refused whole: 422 "
            "`invalid_rows`, each in `rows_with_errors` (row, column, message).",
            "parameters": [
                {"name": "dry_run", "in": "query", "required": False,
                 "schema": {"type": "boolean"}, "description": "Check only; write nothing."},
            ],
            "requestBody": {
                "required": True,
                "content": {"multipart/form-data": {"schema": {
                    "type": "object", "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}}}}},
            },
            "responses": responses(
                {"200": json_content("Imported (or checked).", {"type": "object", "properties": {
                    "batch": {"type": ["integer", "null"]}, "rows": {"type": "integer"},
                    "created": {"type": "integer"}, "updated": {"type": "integer"},
                    "dry_run": {"type": "boolean"}}})},
                "400 401 403 413 422",
            ),
        },
    )  # fmt: skip
