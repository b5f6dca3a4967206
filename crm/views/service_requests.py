"""Aftercare pages (安商/服务企业): the open and overdue service requests of the city, and the
enterprise page's form to add a request and to answer or close one."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func

from crm.extensions import db
from crm.permissions import require
from crm.schemas.service_requests import SERVICE_REQUESTS
from crm.services import service_requests as service
from crm.services.enterprises import get_enterprise
from crm.services.errors import Forbidden, NotFound, StaleVersion, ValidationError
from crm.views import blueprint

PER_PAGE = 50
FORM_FIELDS = ("request", "responsible_unit_id", "deadline_on", "response", "status")


def _form_values(form) -> dict:
    """The fields the form filled in, as the declaration takes them (ids as numbers)."""
    values = {}
    for key in FORM_FIELDS:
        if key not in form:
            continue
        value = form[key].strip()
        if key == "responsible_unit_id":
            value = int(value) if value.isdigit() else (value or None)
        values[key] = value or None
    return values


def _refusal(error: Exception) -> str:
    if isinstance(error, ValidationError):
        names = {name: info.title for name, info in SERVICE_REQUESTS.record.model_fields.items()}
        return "；".join(
            f"{names.get(field, field)}：{'、'.join(messages)}"
            for field, messages in error.fields.items()
        )
    if isinstance(error, StaleVersion):
        return _("该诉求刚被他人修改，请核对后再提交。")
    return getattr(error, "message", None) or _("您无权办理该诉求。")


def _back(enterprise_id: int):
    target = request.form.get("next")
    if target == "list":
        return redirect(url_for("crm.service_request_list", **{"open": "true"}))
    return redirect(url_for("crm.enterprise_detail", enterprise_id=enterprise_id) + "#requests")


@blueprint.get("/service-requests")
@require(service.READ)
def service_request_list():
    arguments = {key: value for key, value in request.args.items() if value.strip()}
    if not arguments:
        arguments = {"open": "true"}  # what needs doing: open and in progress
    page = int(arguments.pop("page")) if arguments.get("page", "").isdigit() else 1
    page = max(1, min(page, 10_000))
    errors = {}
    try:
        filters = SERVICE_REQUESTS.parse_filters(arguments)
        rows, has_next = service.list_service_requests(
            db.session, filters, current_user, page, PER_PAGE
        )
        overdue = db.session.scalar(
            service.listed(
                db.session, SERVICE_REQUESTS.parse_filters({"overdue": "true"}), current_user
            )
            .with_only_columns(func.count())
            .order_by(None)
        )
    except ValidationError as error:
        errors, rows, has_next, overdue = error.fields, [], False, 0
    return render_template(
        "crm/service_request_list.html",
        rows=rows,
        has_next=has_next,
        page=page,
        arguments=arguments,
        errors=errors,
        overdue_count=overdue,
        units=service.unit_choices(db.session),
    )


@blueprint.post("/enterprises/<int:enterprise_id>/service-requests")
@require(service.WRITE)
def service_request_create(enterprise_id: int):
    try:
        enterprise = get_enterprise(db.session, enterprise_id, current_user)
    except NotFound:
        abort(404)
    # A new request is open and unanswered: the form has no answer or status to give.
    data = {key: value for key, value in _form_values(request.form).items()
            if key not in ("response", "status")} | {"enterprise_id": enterprise.id}  # fmt: skip
    try:
        service.create_service_request(db.session, data, current_user)
    except (ValidationError, Forbidden) as error:
        db.session.rollback()
        flash(_("未能登记诉求：") + _refusal(error), "error")
        return _back(enterprise_id)
    db.session.commit()
    flash(_("已登记企业诉求。"), "info")
    return _back(enterprise_id)


@blueprint.post("/service-requests/<int:request_id>")
@require(service.WRITE)
def service_request_update(request_id: int):
    try:
        item = service.get_service_request(db.session, request_id, current_user)
    except NotFound:
        abort(404)
    enterprise_id = item.enterprise_id
    version = request.form.get("version", "")
    data = _form_values(request.form)
    data.pop("request", None)
    try:
        if not version.isdigit():
            raise StaleVersion
        service.update_service_request(db.session, item, data, int(version), current_user)
    except (ValidationError, Forbidden, StaleVersion) as error:
        db.session.rollback()
        flash(_("未能保存：") + _refusal(error), "error")
        return _back(enterprise_id)
    db.session.commit()
    flash(_("已保存诉求的办理情况。"), "info")
    return _back(enterprise_id)
