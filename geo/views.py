"""Map pages: the industry map of enterprises, projects and parks."""

from flask import Blueprint, render_template
from flask_babel import gettext as _

from crm.permissions import require

blueprint = Blueprint("geo", __name__)


@blueprint.get("/map")
@require("map.read")
def industry_map():
    return render_template("not_built.html", title=_("产业地图"))
