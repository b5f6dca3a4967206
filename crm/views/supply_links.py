"""Supply links (供应关系) as a file: the export the import reads back (the import itself is the
import pages' kind "supply_links", crm.views.imports)."""

from flask import flash, redirect, request, send_file, url_for
from flask_login import current_user

from crm.extensions import db
from crm.permissions import require
from crm.schemas.supply_links import SUPPLY_LINKS
from crm.services.enterprise_export import XLSX
from crm.services.errors import ValidationError
from crm.services.supply_link_export import export_file, export_name
from crm.views import blueprint


@blueprint.get("/supply-links/export.xlsx")
@require("export.run")
def supply_link_export():
    """Every supply link, or those the API list's filters find (?enterprise=, ?segment= …)."""
    try:
        filters = SUPPLY_LINKS.parse_filters(request.args)
    except ValidationError as error:
        flash(
            " ".join(message for messages in error.fields.values() for message in messages), "error"
        )
        return redirect(url_for("crm.enterprise_list"))
    file = export_file(db.session, filters, current_user)
    return send_file(file, mimetype=XLSX, as_attachment=True, download_name=export_name())
