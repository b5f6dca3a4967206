"""A user's own account: password, log-in sessions, API tokens; and the one-time link that sets
a password without logging in."""

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from crm.extensions import db, limiter
from crm.forms.accounts import PasswordChangeForm, PasswordSetForm, TokenForm
from crm.services import sessions, users
from crm.services.users import LinkProblem, UserError
from crm.views import blueprint


def _account_page(password_form=None, token_form=None, new_token=None, status=200):
    user = current_user._get_current_object()
    page = render_template(
        "crm/account.html",
        password_form=password_form or PasswordChangeForm(),
        token_form=token_form or TokenForm(),
        new_token=new_token,
        live_sessions=sessions.live_sessions(db.session, user),
        this_session=sessions.current_session_id(user),
        tokens=users.tokens_of(db.session, user),
    )
    return page, status


@blueprint.get("/account")
@login_required
def account():
    return _account_page()


def _password_failed(response) -> bool:
    return response.status_code != 302


@blueprint.post("/account/password")
@login_required
# Someone at an unattended, logged-in browser must not be able to guess the current password.
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMITS"],
    key_func=lambda: f"password-change:{getattr(current_user, 'id', None)}",
    deduct_when=_password_failed,
)
def account_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            users.change_own_password(
                db.session,
                current_user,
                form.current.data,
                form.password.data,
                form.confirm.data,
            )
            db.session.commit()
            flash(_("密码已修改。其他设备上的登录已全部结束。"), "info")
            return redirect(url_for("crm.account"))
        except UserError as error:
            db.session.rollback()
            form.show_errors(error.fields)
    return _account_page(password_form=form, status=422)


@blueprint.post("/account/sessions/<int:session_id>/end")
@login_required
def account_session_end(session_id: int):
    ending_this_one = session_id == sessions.current_session_id(current_user)
    sessions.end_session(db.session, current_user, session_id, current_user.id)
    db.session.commit()
    if ending_this_one:
        logout_user()
        return redirect(url_for("auth.login"))
    flash(_("已结束该设备上的登录。"), "info")
    return redirect(url_for("crm.account"))


@blueprint.post("/account/sign-out-everywhere")
@login_required
def account_sign_out_everywhere():
    sessions.end_sessions(db.session, current_user, current_user.id)
    db.session.commit()
    logout_user()
    flash(_("已在所有设备上退出登录。"), "info")
    return redirect(url_for("auth.login"))


@blueprint.post("/account/tokens")
@login_required
def account_token_new():
    form = TokenForm()
    if form.validate_on_submit():
        try:
            token = users.create_token(
                db.session,
                current_user,
                form.name.data,
                expires_days=form.expires_days.data,
                actor_id=current_user.id,
            )
            db.session.commit()
            # Shown on this answer only: the server keeps just its hash.
            return _account_page(new_token=token, status=201)
        except UserError as error:
            db.session.rollback()
            form.show_errors(error.fields)
    return _account_page(token_form=form, status=422)


@blueprint.post("/account/tokens/<int:token_id>/revoke")
@login_required
def account_token_revoke(token_id: int):
    if users.revoke_token(db.session, current_user, token_id, current_user.id):
        db.session.commit()
        flash(_("令牌已撤销，使用它的程序将收到 401。"), "info")
    return redirect(url_for("crm.account"))


@blueprint.errorhandler(429)
def too_many_password_attempts(_error):
    """Only the password change is limited on these pages: say so at its form."""
    form = PasswordChangeForm(formdata=None)
    form.current.errors = [_("当前密码错误次数过多，请稍后再试。")]
    return _account_page(password_form=form, status=429)


# ---- the one-time link ----


@blueprint.route("/password/<token>", methods=["GET", "POST"])
def password_link(token: str):
    """Set a password through the link an administrator handed over; no log-in needed."""
    try:
        link = users.password_link(db.session, token)
    except LinkProblem as problem:
        return render_template("crm/password_link.html", problem=str(problem)), 410
    form = PasswordSetForm()
    if form.validate_on_submit():
        try:
            user = users.redeem_password_link(
                db.session, token, form.password.data, form.confirm.data
            )
            db.session.commit()
            if current_user.is_authenticated:
                logout_user()
            flash(_("密码已设置，请用新密码登录：%(name)s", name=user.name), "info")
            return redirect(url_for("auth.login"))
        except UserError as error:
            db.session.rollback()
            form.show_errors(error.fields)
    status = 422 if form.errors else 200
    return render_template("crm/password_link.html", form=form, user=link.user), status
