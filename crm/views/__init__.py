"""The bureau's pages, one module per section, on one blueprint."""

from flask import Blueprint, current_app, render_template
from flask_babel import lazy_gettext as _l

from crm.permissions import require

blueprint = Blueprint("crm", __name__)


def not_built(title, right: str, endpoint: str, path: str):
    """A section whose page says plainly that it is not built yet."""

    @require(right)
    def view():
        return render_template("not_built.html", title=title)

    view.__name__ = endpoint
    blueprint.add_url_rule(path, endpoint, view)


@blueprint.get("/favicon.ico")
def favicon():
    """Browsers ask for it at the root whatever the page says; it needs no log-in."""
    return current_app.send_static_file("favicon.ico")


not_built(_l("大使"), "ambassador.read", "ambassador_list", "/ambassadors")
not_built(_l("报表"), "report.read", "reports", "/reports")

from crm.views import (  # noqa: E402, F401  (their routes join the blueprint)
    account,
    admin,
    enterprises,
    home,
    imports,
    leads,
    projects,
    service_requests,
)
