"""Enterprises over JSON: list with filters, read, create, update with `version`, soft delete."""

import unicodedata

from flask import request, url_for
from flask_babel import gettext as _

from crm.api import blueprint
from crm.api.auth import api_user, require_right
from crm.api.body import json_object
from crm.api.errors import CONFLICT, ApiError, invalid, not_found, service_errors
from crm.api.formats import date_text, datetime_text, decimal_text
from crm.api.pagination import page_arguments, page_body
from crm.extensions import db
from crm.i18n import locale_key
from crm.models import District, Enterprise
from crm.permissions import has_right
from crm.services.enterprises import (
    DECIMAL_FIELDS,
    FLAG_FIELDS,
    EnterpriseFilters,
    StaleVersion,
    create_enterprise,
    get_enterprise,
    list_enterprises,
    soft_delete_enterprise,
    update_enterprise,
)

TEXT_FILTERS = ("q", "uscc", "segment", "district", "tag")
MAX_FILTER_LENGTH = 200


def enterprise_json(enterprise: Enterprise) -> dict:
    district = db.session.get(District, enterprise.district_id) if enterprise.district_id else None
    location = None
    if enterprise.lon is not None and enterprise.lat is not None:
        location = {"lon": enterprise.lon, "lat": enterprise.lat}
    return {
        "id": enterprise.id,
        "version": enterprise.version,
        "uscc": enterprise.uscc,
        "name": enterprise.name,
        "name_initials": enterprise.name_initials,
        "aliases": list(enterprise.aliases or []),
        **{flag: getattr(enterprise, flag) for flag in FLAG_FIELDS},
        "district": district.code if district is not None else None,
        "segments": sorted(segment.code for segment in enterprise.segments),
        "tags": sorted(tag.tag for tag in enterprise.tags),
        "location": location,
        **{field: decimal_text(getattr(enterprise, field)) for field in DECIMAL_FIELDS},
        "employees": enterprise.employees,
        "safety_rating": enterprise.safety_rating,
        "environment_rating": enterprise.environment_rating,
        "established_on": date_text(enterprise.established_on),
        "legal_representative": enterprise.legal_representative,
        "address": enterprise.address,
        "industry_code": enterprise.industry_code,
        "created_at": datetime_text(enterprise.created_at),
        "updated_at": datetime_text(enterprise.updated_at),
    }


def summary_json(row) -> dict:
    """A list row: the columns crm.services.enterprises.LIST_COLUMNS selects."""
    return {
        "id": row.id,
        "version": row.version,
        "uscc": row.uscc,
        "name": row.name,
        "name_initials": row.name_initials,
        "district": row.district,
        **{flag: getattr(row, flag) for flag in FLAG_FIELDS},
        "output_wan": decimal_text(row.output_wan),
        "tax_wan": decimal_text(row.tax_wan),
        "employees": row.employees,
        "updated_at": datetime_text(row.updated_at),
    }


def _filters() -> EnterpriseFilters:
    errors: dict[str, list[str]] = {}
    values: dict = {}
    for name in TEXT_FILTERS:
        text = request.args.get(name, "").strip()
        if len(text) > MAX_FILTER_LENGTH:
            errors[name] = [_("最多 %(max)d 个字符", max=MAX_FILTER_LENGTH)]
        elif any(unicodedata.category(char) == "Cc" for char in text):  # NUL breaks PostgreSQL
            errors[name] = [_("不能包含控制字符")]
        else:
            values[name] = text or None
    for name in FLAG_FIELDS:
        text = request.args.get(name)
        if text is None:
            continue
        if text.lower() not in ("true", "false"):
            errors[name] = [_("应为 true 或 false")]
        else:
            values[name] = text.lower() == "true"
    if errors:
        raise invalid(errors)
    return EnterpriseFilters(**values)


def _visible_enterprise(enterprise_id: int) -> Enterprise:
    # Without the read right (ambassadors) a guessed id answers as if nothing were there.
    if not has_right(api_user(), "enterprise.read"):
        raise not_found()
    enterprise = get_enterprise(db.session, enterprise_id)
    if enterprise is None:
        raise not_found()
    return enterprise


@blueprint.get("/enterprises")
def enterprise_list():
    require_right("enterprise.read")
    page, per_page = page_arguments()
    filters = _filters()
    with service_errors():
        rows, has_next = list_enterprises(db.session, filters, page, per_page, locale_key())
    return page_body([summary_json(row) for row in rows], page, per_page, has_next)


@blueprint.get("/enterprises/<int:enterprise_id>")
def enterprise_detail(enterprise_id: int):
    return enterprise_json(_visible_enterprise(enterprise_id))


@blueprint.post("/enterprises")
def enterprise_create():
    user = require_right("enterprise.write")
    data = json_object()
    with service_errors():
        enterprise = create_enterprise(db.session, data, user, locale_key())
    db.session.commit()
    location = url_for("api.enterprise_detail", enterprise_id=enterprise.id)
    return enterprise_json(enterprise), 201, {"Location": location}


@blueprint.patch("/enterprises/<int:enterprise_id>")
def enterprise_update(enterprise_id: int):
    enterprise = _visible_enterprise(enterprise_id)
    user = require_right("enterprise.write")
    data = json_object()
    if "version" not in data:
        raise invalid({"version": [_("必填：请附上读取记录时的 version")]})
    version = data.pop("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise invalid({"version": [_("应为整数")]})
    try:
        with service_errors():
            update_enterprise(db.session, enterprise, data, version, user, locale_key())
    except StaleVersion:
        db.session.rollback()
        current = get_enterprise(db.session, enterprise_id)
        if current is None:
            raise not_found() from None
        raise ApiError(
            409, "conflict", CONFLICT, extra={"current": enterprise_json(current)}
        ) from None
    db.session.commit()
    return enterprise_json(enterprise)


@blueprint.delete("/enterprises/<int:enterprise_id>")
def enterprise_delete(enterprise_id: int):
    enterprise = _visible_enterprise(enterprise_id)
    user = require_right("enterprise.write")
    soft_delete_enterprise(db.session, enterprise, user)
    db.session.commit()
    return "", 204
