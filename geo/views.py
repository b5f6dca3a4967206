"""Map pages: the industry map, its export and the 亩均效益 ranking."""

from collections import Counter

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from crm.extensions import db
from crm.i18n import is_english
from crm.models import Enterprise
from crm.permissions import require
from crm.services.enterprise_export import XLSX, export_file, export_name
from crm.services.errors import ValidationError
from crm.services.references import park_choices, segment_groups
from crm.views import shown_districts
from crm.vocabulary import PROJECT_POOL, PROJECT_STAGE
from geo.evaluated import evaluate_enterprises, ranked
from geo.evaluation import CLASSES, current_scheme
from geo.filters import GRADES, parse_map_filters
from geo.points import on_map
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
        list_url=url_for("api.map_enterprise_list"),
        projects_url=url_for("api.map_projects"),
        parks_url=url_for("api.map_parks"),
        stages=PROJECT_STAGE,
        pools=PROJECT_POOL,
        export_url=url_for("geo.map_export"),
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


@blueprint.get("/map/export.xlsx")
@require("export.run")
def map_export():
    """The enterprises the map's filters pass, with the enterprise list's exporter."""
    try:
        filters = parse_map_filters(request.args)
        # Unknown districts and segments are found while narrowing: before the file is made.
        on_map(db.session, select(Enterprise.id), filters)
    except ValidationError as error:
        flash(" ".join(m for messages in error.fields.values() for m in messages), "error")
        return redirect(url_for("geo.industry_map"))
    file = export_file(
        db.session,
        lambda statement: on_map(db.session, statement, filters),
        current_user,
        current_app.config["TIMEZONE"],
    )
    return send_file(file, mimetype=XLSX, as_attachment=True, download_name=export_name())


RANKED_SHOWN = 200  # rows of each table: the page stays light at 100,000 enterprises


@blueprint.get("/map/evaluation")
@require("map.read")
@require("enterprise.read")
def mu_evaluation():
    """亩均效益: the enterprises the map's filters pass, ranked by score with each score's
    working, and those not rated with what they lack."""
    try:
        filters = parse_map_filters(request.args)
        scheme = current_scheme()
        rated, unrated = ranked(
            evaluate_enterprises(
                db.session, scheme, lambda statement: on_map(db.session, statement, filters)
            )
        )
    except ValidationError as error:
        flash(" ".join(m for messages in error.fields.values() for m in messages), "error")
        return redirect(url_for("geo.mu_evaluation"))
    return render_template(
        "geo/evaluation.html",
        title=_("亩均效益评价"),
        scheme=scheme,
        rated=rated,
        unrated=unrated,
        shown=RANKED_SHOWN,
        classes=Counter(e.evaluation.grade for e in rated),
        grades=CLASSES,
        map_url=url_for("geo.industry_map", **request.args),
    )
