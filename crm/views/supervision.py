"""月督办 pages: the list of supervision items (mine, by status, card, level, district), one
item with its history, the assignee's answer form and staff's close, re-open and escalate
forms, and the month's generation (生成本月督办)."""

from datetime import date

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from crm.clock import city_today
from crm.extensions import db
from crm.models import District
from crm.permissions import require
from crm.schemas.fields import parse_day
from crm.schemas.supervision import SUPERVISION
from crm.services import supervision as service
from crm.services.errors import Forbidden, NotFound, StaleVersion, ValidationError
from crm.views import blueprint, form_version
from crm.vocabulary import (
    SUPERVISION_CARD,
    SUPERVISION_LEVEL,
    SUPERVISION_SOURCE,
    SUPERVISION_STATUS,
)

PER_PAGE = 50
FILTERS = ("mine", "status", "card", "level", "source", "district", "overdue")


def settings() -> service.SupervisionSettings:
    return service.SupervisionSettings.from_config(current_app.config.get("SUPERVISION"))


@blueprint.get("/supervision")
@require(service.READ)
def supervision_list():
    arguments = {key: request.args[key].strip() for key in FILTERS if request.args.get(key, "")}
    if not request.args and current_user.role == "official":
        arguments = {"mine": "true"}  # 我的督办: what an official has to answer
    page = request.args.get("page", "")
    page = max(1, min(int(page), 10_000)) if page.isdigit() else 1
    errors = {}
    try:
        filters = SUPERVISION.parse_filters(arguments)
        rows, has_next = service.list_items(db.session, filters, current_user, page, PER_PAGE)
    except ValidationError as error:
        errors, rows, has_next = error.fields, [], False
    return render_template(
        "crm/supervision_list.html",
        rows=rows,
        has_next=has_next,
        page=page,
        arguments=arguments,
        errors=errors,
        districts=db.session.execute(
            select(District.id, District.name).order_by(District.code)
        ).all(),
        today=city_today(),
        choices={
            "status": SUPERVISION_STATUS.keys,
            "card": SUPERVISION_CARD.keys,
            "level": SUPERVISION_LEVEL.keys,
            "source": SUPERVISION_SOURCE.keys,
        },
    )


def _item_or_404(item_id: int):
    try:
        return service.get_item(db.session, item_id, current_user)
    except NotFound:
        abort(404)


@blueprint.get("/supervision/<int:item_id>")
@require(service.READ)
def supervision_detail(item_id: int):
    item = _item_or_404(item_id)
    return render_template(
        "crm/supervision_detail.html",
        item=item,
        values=service.item_values(db.session, item),
        events=service.events_of(db.session, item),
        may_answer=service.may_answer(item, current_user),
        may_manage=service.may_manage(db.session, item, current_user),
        levels=service.LEVELS,
        errors={},
    )


def _handled(item_id: int, act, done: str):
    """Run one handling step from a form; the page again with what was wrong, kept."""
    item = _item_or_404(item_id)
    try:
        act(item, form_version(request.form.get("version")))
    except (ValidationError, Forbidden, StaleVersion) as error:
        db.session.rollback()
        if isinstance(error, Forbidden):
            abort(403)
        item = _item_or_404(item_id)
        errors = error.fields if isinstance(error, ValidationError) else {}
        if isinstance(error, StaleVersion):
            flash(_("该督办事项刚被他人修改，请核对后再提交。"), "error")
        page = render_template(
            "crm/supervision_detail.html",
            item=item,
            values=service.item_values(db.session, item),
            events=service.events_of(db.session, item),
            may_answer=service.may_answer(item, current_user),
            may_manage=service.may_manage(db.session, item, current_user),
            levels=service.LEVELS,
            errors=errors,
            form=request.form,
        )
        return page, 409 if isinstance(error, StaleVersion) else 422
    db.session.commit()
    flash(done, "info")
    return redirect(url_for("crm.supervision_detail", item_id=item_id))


@blueprint.post("/supervision/<int:item_id>/answer")
@require(service.ANSWER)
def supervision_answer(item_id: int):
    text = request.form.get("response", "")
    return _handled(
        item_id,
        lambda item, version: service.answer(db.session, item, text, version, current_user),
        _("已提交反馈。"),
    )


@blueprint.post("/supervision/<int:item_id>/close")
@require(service.MANAGE)
def supervision_close(item_id: int):
    reason = request.form.get("reason", "").strip() or None
    return _handled(
        item_id,
        lambda item, version: service.close(db.session, item, version, current_user, reason),
        _("已销号。"),
    )


@blueprint.post("/supervision/<int:item_id>/reopen")
@require(service.MANAGE)
def supervision_reopen(item_id: int):
    reason = request.form.get("reason", "")

    def act(item, version):
        try:
            deadline = parse_day(request.form.get("deadline_on", ""))
        except ValueError as error:
            raise ValidationError({"deadline_on": [str(error)]}) from None
        service.reopen(db.session, item, deadline, version, current_user, reason)

    return _handled(item_id, act, _("已重新交办。"))


@blueprint.post("/supervision/<int:item_id>/escalate")
@require(service.MANAGE)
def supervision_escalate(item_id: int):
    level, reason = request.form.get("level", ""), request.form.get("reason", "")
    return _handled(
        item_id,
        lambda item, version: service.escalate(
            db.session, item, level, version, current_user, reason
        ),
        _("已升级督办层级。"),
    )


@blueprint.post("/supervision/generate")
@require(service.MANAGE)
def supervision_generate():
    """生成本月督办: for today, or the day the form gives (not after today)."""
    today = city_today()
    text = request.form.get("as_of", "").strip()
    try:
        as_of = date.fromisoformat(text) if text else today
    except ValueError:
        flash(_("日期格式应为 YYYY-MM-DD。"), "error")
        return redirect(url_for("crm.supervision_list"))
    if as_of > today:
        flash(_("不能为将来的日期生成督办。"), "error")
        return redirect(url_for("crm.supervision_list"))
    result = service.generate(db.session, as_of, current_user, settings())
    db.session.commit()
    flash(
        _("已生成督办事项 %(created)d 件（已有在办的 %(kept)d 件保留不变），亮牌 %(carded)d 件。",
          created=len(result.created), kept=result.kept, carded=result.carded),
        "info",
    )  # fmt: skip
    return redirect(url_for("crm.supervision_list"))
