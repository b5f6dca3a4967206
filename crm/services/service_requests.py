"""Service requests (企业诉求): aftercare for enterprises already here, above all the chain
leaders. A request hangs from its enterprise and is read like it: by everyone with the
enterprise read right. It is made, answered, closed and deleted by staff who may change that
enterprise (its district in their scope) or who work in its responsible unit or above it
(crm.services.scope). Overdue: open or in progress, and the deadline is before today in the
city's time zone (crm.clock)."""

from collections.abc import Mapping
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import and_, case, select
from sqlalchemy.orm import Session

from crm.clock import city_today
from crm.models import Enterprise, ServiceRequest, Unit
from crm.permissions import has_right
from crm.schemas.service_requests import SERVICE_REQUESTS, ServiceRequestFilters
from crm.services import audit, records
from crm.services.errors import Forbidden, NotFound, ValidationError
from crm.services.scope import CITY, NONE, scope_of

READ, WRITE = "enterprise.read", "enterprise.write"
OPEN_STATUSES = ("open", "in_progress")
ANSWERED_STATUSES = ("answered", "closed")


def overdue_condition(today: date):
    """SQL: the request is open or in progress and its deadline has passed."""
    return and_(
        ServiceRequest.status.in_(OPEN_STATUSES),
        ServiceRequest.deadline_on.is_not(None),
        ServiceRequest.deadline_on < today,
    )


def is_overdue(request: ServiceRequest, today: date) -> bool:
    return (
        request.status in OPEN_STATUSES
        and request.deadline_on is not None
        and request.deadline_on < today
    )


# ---- who may handle a request ----


def may_handle(session: Session, enterprise: Enterprise, unit_id: int | None, actor) -> bool:
    """Whether the actor may make, answer or delete a request of this enterprise that `unit_id`
    is responsible for: the write right, and the enterprise or the unit in their scope."""
    if actor is None:
        return True
    if not has_right(actor, WRITE):
        return False
    scope = scope_of(session, actor)
    if scope.kind == CITY:
        return True
    if scope.kind == NONE:
        return False
    return scope.may_write_district(enterprise.district_id) or scope.sees_unit(unit_id)


def _require_handle(session: Session, enterprise: Enterprise, unit_id: int | None, actor):
    records.require(actor, WRITE)
    if not may_handle(session, enterprise, unit_id, actor):
        raise Forbidden(_("该企业不在您的辖区内，诉求的责任单位也不是您的单位，您不能办理。"))


# ---- writes ----


def _checked(session: Session, data: Mapping, request: ServiceRequest | None) -> dict:
    """The cleaned values, with references and the answer rules checked; ValidationError
    naming every wrong field."""
    cleaned, errors = SERVICE_REQUESTS.clean(data, partial=request is not None)
    if "enterprise_id" in cleaned and "enterprise_id" not in errors:
        enterprise_id = cleaned["enterprise_id"]
        if request is not None and enterprise_id != request.enterprise_id:
            errors["enterprise_id"] = [_("诉求不能改到另一家企业")]
        elif enterprise_id is None:
            errors["enterprise_id"] = [_("必填")]
        else:
            enterprise = session.get(Enterprise, enterprise_id)
            if enterprise is None or enterprise.deleted_at is not None:
                errors["enterprise_id"] = [_("未知企业：%(id)s", id=enterprise_id)]
    unit_id = cleaned.get("responsible_unit_id")
    known = unit_id is None or session.get(Unit, unit_id) is not None
    if not known and "responsible_unit_id" not in errors:
        errors["responsible_unit_id"] = [_("未知单位：%(id)s", id=unit_id)]
    status = cleaned.get("status", request.status if request else "open")
    response = cleaned.get("response", request and request.response)
    if status in ANSWERED_STATUSES and not response and "status" not in errors:
        errors["response"] = [_("答复或办结时请填写答复内容")]
    if errors:
        raise ValidationError(errors)
    return cleaned


def create_service_request(session: Session, data: Mapping, actor) -> ServiceRequest:
    records.require(actor, WRITE)
    values = _checked(session, data, None)
    enterprise = session.get(Enterprise, values["enterprise_id"])
    _require_handle(session, enterprise, values["responsible_unit_id"], actor)
    request = ServiceRequest(created_by_id=records.actor_id(actor), **values)
    session.add(request)
    audit.record_create(session, request, records.actor_id(actor))
    session.flush()
    return request


def update_service_request(
    session: Session, request: ServiceRequest, data: Mapping, expected_version: int, actor
) -> ServiceRequest:
    """Answer, reassign or close a request; StaleVersion when it moved on since it was read.
    The actor must be able to handle it both before and after the change."""
    records.require(actor, WRITE)
    _require_handle(session, request.enterprise, request.responsible_unit_id, actor)
    SERVICE_REQUESTS.check_names(data)
    records.check_version(request, expected_version)
    values = _checked(session, data, request)
    if "responsible_unit_id" in values:
        _require_handle(session, request.enterprise, values["responsible_unit_id"], actor)
    with records.stale_as_conflict():
        for field, value in values.items():
            setattr(request, field, value)
        audit.record_update(session, request, records.actor_id(actor))
        session.flush()
    return request


def delete_service_request(session: Session, request: ServiceRequest, actor) -> None:
    """Soft delete: kept, marked deleted, no longer shown."""
    _require_handle(session, request.enterprise, request.responsible_unit_id, actor)
    records.soft_delete(session, request, actor)


# ---- reads ----


def get_service_request(session: Session, request_id: int, actor) -> ServiceRequest:
    request = records.get_live(session, ServiceRequest, request_id, actor, READ)
    if request.enterprise.deleted_at is not None:
        raise NotFound
    return request


def service_request_values(session: Session, request: ServiceRequest, today=None) -> dict:
    """The record's values as its declaration names them."""
    today = today or city_today()
    unit = request.responsible_unit
    return {
        **{key: getattr(request, key) for key in SERVICE_REQUESTS.writable},
        "id": request.id,
        "version": request.version,
        "enterprise_name": request.enterprise.name,
        "responsible_unit_name": unit.name if unit is not None else None,
        "overdue": is_overdue(request, today),
        "created_at": request.created_at,
        "updated_at": request.updated_at,
    }


def listed(session: Session, filters: ServiceRequestFilters, actor, today: date | None = None):
    """The select of list rows the filters find (requests of live enterprises), with each
    row's `overdue` worked out for `today` (the city's, unless given)."""
    records.require(actor, READ)
    today = today or city_today()
    overdue = overdue_condition(today)
    statement = (
        select(
            ServiceRequest.id,
            ServiceRequest.version,
            ServiceRequest.enterprise_id,
            Enterprise.name.label("enterprise_name"),
            ServiceRequest.request,
            ServiceRequest.responsible_unit_id,
            Unit.name.label("responsible_unit_name"),
            ServiceRequest.deadline_on,
            ServiceRequest.response,
            ServiceRequest.status,
            case((overdue, True), else_=False).label("overdue"),
            ServiceRequest.updated_at,
        )
        .join(Enterprise, Enterprise.id == ServiceRequest.enterprise_id)
        .outerjoin(Unit, Unit.id == ServiceRequest.responsible_unit_id)
        .where(Enterprise.deleted_at.is_(None), ServiceRequest.deleted_at.is_(None))
    )
    if filters.enterprise:
        statement = statement.where(ServiceRequest.enterprise_id == filters.enterprise)
    if filters.status:
        statement = statement.where(ServiceRequest.status == filters.status)
    if filters.unit:
        statement = statement.where(ServiceRequest.responsible_unit_id == filters.unit)
    if filters.open is not None:
        is_open = ServiceRequest.status.in_(OPEN_STATUSES)
        statement = statement.where(is_open if filters.open else ~is_open)
    if filters.overdue is not None:
        statement = statement.where(overdue if filters.overdue else ~overdue)
    return statement


def _ordered(statement):
    """Overdue first, then by deadline (none last), the newest first among equals."""
    no_deadline = case((ServiceRequest.deadline_on.is_(None), 1), else_=0)
    return statement.order_by(
        case((statement.selected_columns.overdue, 0), else_=1),
        no_deadline,
        ServiceRequest.deadline_on,
        ServiceRequest.id.desc(),
    )


def list_service_requests(
    session: Session, filters: ServiceRequestFilters, actor, page: int = 1, per_page: int = 20
):
    """One page of requests, overdue first, and whether another page follows."""
    statement = _ordered(listed(session, filters, actor))
    return records.numbered_page(session, statement, page, per_page)


def summary_values(row) -> dict:
    return row._asdict()


def requests_of(session: Session, enterprise_id: int, today: date | None = None) -> list:
    """Every request of one enterprise, as list rows, for its page."""
    filters = ServiceRequestFilters(enterprise=enterprise_id)
    return session.execute(_ordered(listed(session, filters, None, today))).all()


def unit_choices(session: Session) -> list[tuple[int, str]]:
    return [tuple(row) for row in session.execute(select(Unit.id, Unit.name).order_by(Unit.id))]
