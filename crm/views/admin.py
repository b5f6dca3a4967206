"""Administration (/admin, administrators only): users, their sessions, tokens and password
links, and the unit tree with the scope each unit gives."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from crm.extensions import db
from crm.forms.accounts import UserForm
from crm.models import Unit, User
from crm.permissions import require
from crm.schemas.users import USERS
from crm.services import sessions, users
from crm.services.errors import NotFound, StaleVersion, ValidationError
from crm.services.scope import scope_description
from crm.views import blueprint, form_version, page_number
from crm.vocabulary import ROLE, UNIT_KIND

MANAGE = users.MANAGE


def _user_or_404(user_id: int) -> User:
    try:
        return users.get_user(db.session, user_id, current_user)
    except NotFound:
        abort(404)


def _unit_choices() -> list[tuple[int, str]]:
    return [(unit.id, unit.name) for unit in db.session.query(Unit).order_by(Unit.name)]


def _form() -> UserForm:
    form = UserForm()
    form.set_choices(_unit_choices())
    return form


def _link_page(user: User, issued: users.IssuedLink, status: int):
    link = url_for("crm.password_link", token=issued.token, _external=True)
    return render_template("admin/link.html", user=user, link=link, issued=issued), status


@blueprint.get("/admin")
@require(MANAGE)
def admin():
    return redirect(url_for("crm.admin_users"))


@blueprint.get("/admin/users")
@require(MANAGE)
def admin_users():
    try:
        filters = USERS.parse_filters(request.args)
    except ValidationError:
        filters = USERS.filters()
        flash(_("筛选条件有误，已显示全部用户。"), "error")
    page = page_number()
    rows, has_next = users.list_users(db.session, filters, current_user, page)
    return render_template(
        "admin/users.html",
        rows=rows,
        has_next=has_next,
        page=page,
        filters=filters,
        roles=ROLE.keys,
    )


@blueprint.route("/admin/users/new", methods=["GET", "POST"])
@require(MANAGE)
def admin_user_new():
    form = _form()
    if request.method == "GET":
        form.role.data = "staff"
    if form.validate_on_submit():
        try:
            user = users.create_user_from(db.session, form.values(new=True), current_user)
            issued = users.create_password_link(db.session, user, current_user)
            db.session.commit()
            return _link_page(user, issued, 201)
        except ValidationError as error:
            db.session.rollback()
            form.show_errors(error.fields)
    status = 422 if form.errors else 200
    return render_template("admin/user_new.html", form=form), status


@blueprint.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@require(MANAGE)
def admin_user(user_id: int):
    user = _user_or_404(user_id)
    form = _form()
    if request.method == "GET":
        form.fill(users.user_values(db.session, user))
    status = 200
    if form.validate_on_submit():
        try:
            users.update_user(
                db.session,
                user,
                form.values(new=False),
                form_version(form.version.data),
                current_user,
            )
            db.session.commit()
            flash(_("已保存。"), "info")
            return redirect(url_for("crm.admin_user", user_id=user.id))
        except ValidationError as error:
            db.session.rollback()
            form.show_errors(error.fields)
            status = 422
        except StaleVersion:
            db.session.rollback()
            user = _user_or_404(user_id)
            form.fill(users.user_values(db.session, user))
            flash(_("该用户刚被他人修改，下面是最新的内容，请重新修改后保存。"), "error")
            status = 409
    return _user_page(user, form, status)


def _user_page(user: User, form: UserForm, status: int):
    page = render_template(
        "admin/user.html",
        user=user,
        form=form,
        scope=scope_description(db.session, user.unit) if user.role == "staff" else None,
        values=users.user_values(db.session, user),
        live_sessions=sessions.live_sessions(db.session, user),
        tokens=users.tokens_of(db.session, user),
    )
    return page, status


@blueprint.post("/admin/users/<int:user_id>/password-link")
@require(MANAGE)
def admin_user_password_link(user_id: int):
    user = _user_or_404(user_id)
    try:
        issued = users.create_password_link(db.session, user, current_user)
    except users.UserError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("crm.admin_user", user_id=user.id))
    db.session.commit()
    return _link_page(user, issued, 201)


@blueprint.post("/admin/users/<int:user_id>/deactivate")
@require(MANAGE)
def admin_user_deactivate(user_id: int):
    user = _user_or_404(user_id)
    try:
        users.deactivate_user(db.session, user, current_user)
        db.session.commit()
        flash(_("已停用 %(name)s：其登录已结束，API 令牌已撤销。", name=user.name), "info")
    except users.UserError as error:
        db.session.rollback()
        flash(str(error), "error")
    return redirect(url_for("crm.admin_user", user_id=user.id))


@blueprint.post("/admin/users/<int:user_id>/activate")
@require(MANAGE)
def admin_user_activate(user_id: int):
    user = _user_or_404(user_id)
    users.update_user(db.session, user, {"active": True}, user.version, current_user)
    db.session.commit()
    flash(_("已重新启用 %(name)s。如需新密码，请生成设置密码链接。", name=user.name), "info")
    return redirect(url_for("crm.admin_user", user_id=user.id))


@blueprint.post("/admin/users/<int:user_id>/sessions/end")
@require(MANAGE)
def admin_user_sessions_end(user_id: int):
    user = _user_or_404(user_id)
    count = sessions.end_sessions(db.session, user, current_user.id)
    db.session.commit()
    if user.id == current_user.id:
        return redirect(url_for("auth.login"))
    flash(_("已结束 %(name)s 的 %(count)d 个登录。", name=user.name, count=count), "info")
    return redirect(url_for("crm.admin_user", user_id=user.id))


@blueprint.post("/admin/users/<int:user_id>/tokens/<int:token_id>/revoke")
@require(MANAGE)
def admin_user_token_revoke(user_id: int, token_id: int):
    user = _user_or_404(user_id)
    if users.revoke_token(db.session, user, token_id, current_user.id):
        db.session.commit()
        flash(_("令牌已撤销。"), "info")
    return redirect(url_for("crm.admin_user", user_id=user.id))


@blueprint.get("/admin/units")
@require("unit.manage")
def admin_units():
    # The city bureau first, then district bureaus, parks, departments and teams, each by name.
    kinds = {kind: order for order, kind in enumerate(UNIT_KIND.keys)}
    units = sorted(db.session.scalars(select(Unit)), key=lambda u: (kinds[u.kind], u.name))
    counts = dict(
        db.session.execute(
            select(User.unit_id, func.count())
            .where(User.active.is_(True), User.unit_id.is_not(None))
            .group_by(User.unit_id)
        ).all()
    )
    children: dict[int | None, list[Unit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    scopes = {unit.id: scope_description(db.session, unit) for unit in units}
    return render_template(
        "admin/units.html",
        children=children,
        counts=counts,
        scopes=scopes,
        no_unit=scope_description(db.session, None),
    )
