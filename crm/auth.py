"""Log-in and log-out: Flask-Login sessions, throttled against password guessing."""

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
from flask_login import current_user, login_required, login_user, logout_user

from crm.errors import json_error
from crm.extensions import db, limiter
from crm.forms.auth import LoginForm
from crm.models import User
from crm.security import same_site_path
from crm.services.users import authenticate

blueprint = Blueprint("auth", __name__)


def configure_login(login_manager) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("请先登录。")
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(user_id: str):
        user = db.session.get(User, int(user_id))
        return user if user is not None and user.active else None

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


def _account_key() -> str:
    return "login-account:" + (request.form.get("name") or "").strip().lower()


@blueprint.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMITS"], methods=["POST"], deduct_when=_failed)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMITS"],
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_failed,
)
def login():
    if current_user.is_authenticated:
        return redirect(landing_page(current_user))
    form = LoginForm(next=request.args.get("next"))
    if form.validate_on_submit():
        user = authenticate(db.session, form.name.data, form.password.data)
        if user is not None:
            login_user(user, remember=form.remember.data)
            db.session.commit()
            target = same_site_path(form.next.data) if user.role != "ambassador" else None
            return redirect(target or landing_page(user))
        form.password.errors.append(_("用户名或密码不正确。"))
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form)


@blueprint.post("/logout")
@login_required
def logout():
    logout_user()
    flash(_("您已退出登录。"), "info")
    return redirect(url_for("auth.login"))
