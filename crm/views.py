"""The bureau's pages: home, and the sections whose capabilities are still being built."""

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from crm.permissions import has_right, require

blueprint = Blueprint("crm", __name__)


@blueprint.get("/")
@login_required
def home():
    # Ambassadors have a portal of their own; everyone else lands on the dashboard.
    if current_user.role == "ambassador":
        return redirect(url_for("crm.portal"))
    if not has_right(current_user, "dashboard.view"):
        abort(403)
    return render_template("crm/home.html")


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
