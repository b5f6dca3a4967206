"""The bureau's pages: the dashboard, the portal, and sections still being built."""

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from crm.clock import city_today
from crm.extensions import db
from crm.permissions import has_right, require
from crm.services.dashboard import build_dashboard

blueprint = Blueprint("crm", __name__)


@blueprint.get("/")
@login_required
def home():
    # Ambassadors have a portal of their own; everyone else lands on the dashboard.
    if current_user.role == "ambassador":
        return redirect(url_for("crm.portal"))
    if not has_right(current_user, "dashboard.view"):
        abort(403)
    as_of = city_today()
    if request.args.get("as_of"):
        try:
            as_of = date.fromisoformat(request.args["as_of"])
        except ValueError:
            flash(_("日期格式应为 YYYY-MM-DD，已显示今天的数据。"), "error")
    board = build_dashboard(db.session, current_user, as_of)
    return render_template("crm/home.html", board=board)


@blueprint.get("/portal")
@require("portal.use")
def portal():
    return render_template("crm/portal.html", ambassador=current_user.ambassador)


def not_built(title, right: str, endpoint: str, path: str):
    """A section whose page says plainly that it is not built yet."""

    @require(right)
    def view():
        return render_template("not_built.html", title=title)

    view.__name__ = endpoint
    blueprint.add_url_rule(path, endpoint, view)


not_built(_l("企业"), "enterprise.read", "enterprise_list", "/enterprises")
not_built(_l("线索"), "lead.read", "lead_list", "/leads")
not_built(_l("项目"), "project.read", "project_list", "/projects")
not_built(_l("大使"), "ambassador.read", "ambassador_list", "/ambassadors")
not_built(_l("报表"), "report.read", "reports", "/reports")
