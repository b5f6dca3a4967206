"""The dashboard and the ambassadors' portal."""

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from crm.clock import city_today
from crm.extensions import db
from crm.permissions import has_right, require
from crm.services.dashboard import build_dashboard
from crm.services.projects import led_by
from crm.services.scope import scope_label
from crm.views import blueprint

EARLIEST_AS_OF = date(2000, 1, 1)


@blueprint.get("/")
@login_required
def home():
    # Ambassadors have a portal of their own; everyone else lands on the dashboard.
    if current_user.role == "ambassador":
        return redirect(url_for("crm.portal"))
    if not has_right(current_user, "dashboard.view"):
        abort(403)
    today = city_today()
    as_of = _as_of(request.args.get("as_of"), today)
    board = build_dashboard(db.session, current_user, as_of, today=today)
    # 我牵头的项目: an official's own projects, first thing on the page.
    led = led_by(db.session, current_user, today) if current_user.role == "official" else None
    return render_template(
        "crm/home.html",
        board=board,
        is_today=as_of == today,
        scope=scope_label(db.session, current_user),
        led=led,
    )


def _as_of(text: str | None, today: date) -> date:
    """The day asked for in ?as_of=, or today with a message when it is not a usable date."""
    if not text:
        return today
    try:
        day = date.fromisoformat(text)
    except ValueError:
        flash(_("日期格式应为 YYYY-MM-DD，已显示今天的数据。"), "error")
        return today
    if not EARLIEST_AS_OF <= day <= today:
        flash(_("日期应在 2000-01-01 到今天之间，已显示今天的数据。"), "error")
        return today
    return day


@blueprint.get("/portal")
@require("portal.use")
def portal():
    return render_template("crm/portal.html", ambassador=current_user.ambassador)
