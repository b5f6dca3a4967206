"""Annual targets over JSON: the five routes of the resource layer, and the grid's import and
export (the spreadsheet /targets reads and writes)."""

import io

from flask import request, send_file
from flask_babel import gettext as _

from crm.api import blueprint, resource
from crm.api.auth import require_right
from crm.api.errors import invalid
from crm.api.imports import describe_import, import_answer
from crm.api.openapi import describe, responses
from crm.extensions import db
from crm.schemas.targets import FIRST_YEAR, LAST_YEAR, TARGETS
from crm.security import takes_upload
from crm.services import target_sheet, targets
from crm.services.enterprise_export import XLSX

TARGET_RESOURCE = resource.Resource(
    path="targets",
    singular="target",
    title="Target",
    read_right=targets.READ,
    write_right=targets.WRITE,
    declaration=TARGETS,
    search=targets.list_targets,
    get=targets.get_target,
    create=targets.create_target,
    update=targets.update_target,
    delete=targets.delete_target,
    record_values=targets.target_values,
    summary_values=targets.summary_values,
)
resource.register(blueprint, TARGET_RESOURCE)


@blueprint.post("/targets/import")
@takes_upload
def target_import():
    """A spreadsheet as multipart `file`; ?dry_run=true checks without writing."""
    return import_answer("targets")


@blueprint.get("/targets/export.xlsx")
def target_export():
    user = require_right(targets.READ)
    year = request.args.get("year", "")
    if not year.isdigit() or not FIRST_YEAR <= int(year) <= LAST_YEAR:
        raise invalid(
            {"year": [_("年度应在 %(first)d 到 %(last)d 之间", first=FIRST_YEAR, last=LAST_YEAR)]}
        )
    data = target_sheet.export_workbook(db.session, int(year), user)
    return send_file(
        io.BytesIO(data),
        mimetype=XLSX,
        as_attachment=True,
        download_name=f"targets-{year}.xlsx",
    )


describe_import(
    "/targets/import",
    "importTargets",
    "Import annual targets from .xlsx or .csv (UTF-8 or GB18030), all rows or none.",
    "Headers as the export writes them: 年度, 区县或部门 (a district's name or code, or a "
    "unit's name), then one column per indicator. A filled cell sets the target, an empty one "
    "leaves it unchanged.",
)
describe(
    "/targets/export.xlsx",
    "get",
    {
        "operationId": "exportTargets",
        "summary": "A year's targets as the grid workbook: a row per district and department.",
        "parameters": [{"name": "year", "in": "query", "required": True,
                        "schema": {"type": "integer", "minimum": FIRST_YEAR, "maximum": LAST_YEAR}}],
        "responses": responses(
            {"200": {"description": "The workbook.",
                     "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}},
            "401 403 422",
        ),
    },
)  # fmt: skip
