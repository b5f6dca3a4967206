"""Supply links (供应关系) over JSON: the five routes of the resource layer, import and export."""

from flask import request, send_file

from crm.api import blueprint, resource
from crm.api.auth import require_right
from crm.api.errors import service_errors
from crm.api.imports import describe_import, import_answer
from crm.api.openapi import describe, filter_parameters, responses
from crm.extensions import db
from crm.schemas.supply_links import SUPPLY_LINKS
from crm.security import takes_upload
from crm.services import supply_links
from crm.services.enterprise_export import XLSX
from crm.services.supply_link_export import export_file, export_name

SUPPLY_LINK_RESOURCE = resource.Resource(
    path="supply-links",
    singular="supply_link",
    title="SupplyLink",
    read_right=supply_links.READ,
    write_right=supply_links.WRITE,
    declaration=SUPPLY_LINKS,
    search=supply_links.list_supply_links,
    get=supply_links.get_supply_link,
    create=supply_links.create_supply_link,
    update=supply_links.update_supply_link,
    delete=supply_links.delete_supply_link,
    record_values=supply_links.supply_link_values,
    summary_values=supply_links.summary_values,
)
resource.register(blueprint, SUPPLY_LINK_RESOURCE)


# ---- beyond the five routes: import and export ----


@blueprint.post("/supply-links/import")
@takes_upload
def supply_link_import():
    """A spreadsheet as multipart `file`; ?dry_run=true checks without writing."""
    return import_answer("supply_links")


@blueprint.get("/supply-links/export.xlsx")
def supply_link_export():
    user = require_right("export.run")
    with service_errors():
        filters = SUPPLY_LINKS.parse_filters(request.args)
        file = export_file(db.session, filters, user)
    return send_file(file, mimetype=XLSX, as_attachment=True, download_name=export_name())


describe_import(
    "/supply-links/import",
    "importSupplyLinks",
    "Import supply links from .xlsx or .csv (UTF-8 or GB18030), all rows or none.",
    "Headers as the export writes them (or common variants). Each row names the supplier and "
    "the customer by credit code or exact name (both must be in the registry), the segment by "
    "code, and the share (0 to 1, or a percentage). A link with the same supplier, customer "
    "and segment takes the row's share; the others are created.",
)
describe(
    "/supply-links/export.xlsx",
    "get",
    {
        "operationId": "exportSupplyLinks",
        "summary": "The supply links the list's filters find, as an .xlsx workbook.",
        "parameters": filter_parameters(SUPPLY_LINKS),
        "responses": responses(
            {"200": {"description": "The workbook.",
                     "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}},
            "401 403 422",
        ),
    },
)  # fmt: skip
