"""Map pages: the industry map of enterprises (projects and parks to come)."""

from flask import Blueprint, Response, render_template, request, url_for
from flask_babel import gettext as _

from crm.extensions import db
from crm.i18n import is_english
from crm.permissions import require
from crm.services.references import park_choices, segment_groups
from crm.views import shown_districts
from geo.filters import GRADES
from geo.presets import current_presets

blueprint = Blueprint("geo", __name__)


@blueprint.get("/map")
@require("map.read")
def industry_map():
    from geo.shell import current_shell, tile_url  # folium and shapely: only for the map

    english = is_english()
    return render_template(
        "geo/map.html",
        title=_("产业地图"),
        shell=current_shell(),
        tiles_on=tile_url() is not None,
        points_url=url_for("api.map_enterprises"),
        districts=shown_districts(),
        parks=park_choices(db.session),
        segment_groups=segment_groups(db.session, english),
        grades=GRADES,
        presets=current_presets(),
        english=english,
        arguments=request.args,
    )


@blueprint.get("/map/shell.js")
@require("map.read")
def map_shell():
    """folium's script for the page: served as a file, since the page runs no inline script."""
    from geo.shell import current_shell

    return Response(current_shell().script, mimetype="text/javascript")
