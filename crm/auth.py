"""Log-in and log-out: Flask-Login over revocable sessions (crm.services.sessions), throttled
against password guessing."""

import math
import time

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from crm.errors import json_error
from crm.extensions import db, limiter
from crm.forms.auth import LoginForm
from crm.models import User
from crm.security import same_site_path
from crm.services.sessions import (
    current_session_id,
    end_session,
    remember_limit,
    resume_session,
    start_session,
)
from crm.services.users import authenticate

blueprint = Blueprint("auth", __name__)


def configure_login(login_manager) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("请先登录。")
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(login_id: str):
        # The session cookie and the remember cookie both name a session row, which is checked
        # on every request: ended, expired or a deactivated user all read as "not logged in".
        return resume_session(db.session, login_id)

    @login_manager.unauthorized_handler
    def unauthorized():
        if request.path.startswith("/api/"):
            return json_error(401, "unauthorized", _("请先登录。"))
        flash(login_manager.login_message, "info")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def landing_page(user: User) -> str:
    return url_for("crm.portal") if user.role == "ambassador" else url_for("crm.home")


def _failed(response) -> bool:
    """Only failed attempts count against the limits; a successful log-in redirects."""
    return response.status_code != 302


def _account_and_address() -> str:
    # Per account and address: a guesser elsewhere cannot lock the account's owner out, and
    # one person's typos do not lock out the office behind the same NAT address.
    name = (request.form.get("name") or "").strip().lower()
    return f"login:{name}|{get_remote_address()}"


@blueprint.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMITS"],
    key_func=_account_and_address,
    methods=["POST"],
    deduct_when=_failed,
)
# A much higher ceiling per address, against one address trying many accounts.
@limiter.limit(
    lambda: current_app.config["LOGIN_ADDRESS_LIMITS"], methods=["POST"], deduct_when=_failed
)
def login():
    if current_user.is_authenticated:
        return redirect(landing_page(current_user))
    form = LoginForm(next=request.args.get("next"))
    if form.validate_on_submit():
        user = authenticate(db.session, form.name.data, form.password.data)
        if user is not None:
            start_session(
                db.session,
                user,
                remember=form.remember.data,
                user_agent=request.user_agent.string,
                remote_addr=request.remote_addr,
            )
            login_user(user, remember=form.remember.data, duration=remember_limit())
            db.session.commit()
            target = same_site_path(form.next.data) if user.role != "ambassador" else None
            return redirect(target or landing_page(user))
        form.password.errors.append(_("用户名或密码不正确。"))
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form)


@blueprint.errorhandler(429)
def too_many_attempts(_error):
    """The form again, with how long to wait: the user is not left at a bare error page."""
    limit = limiter.current_limit
    wait = max(1, limit.reset_at - int(time.time())) if limit is not None else 60
    # reset_at is rounded up a second: a one-minute window says "1 minute", not 2.
    minutes = max(1, math.ceil((wait - 2) / 60))
    form = LoginForm(formdata=None, name=request.form.get("name"), next=request.form.get("next"))
    form.remember.data = request.form.get("remember") == "y"
    message = _(
        "尝试次数过多。请在 %(minutes)d 分钟后再试；忘记密码请联系管理员。", minutes=minutes
    )
    page = render_template("auth/login.html", form=form, throttled=message)
    return page, 429, {"Retry-After": str(wait)}


@blueprint.post("/logout")
@login_required
def logout():
    end_session(db.session, current_user, current_session_id(current_user), current_user.id)
    db.session.commit()
    logout_user()
    flash(_("您已退出登录。"), "info")
    return redirect(url_for("auth.login"))
