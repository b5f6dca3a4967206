"""Supply links: who sells to whom in which segment. Anyone who reads enterprises reads them;
staff write a link when they may change either of its enterprises (crm.services.enterprises)."""

from collections.abc import Mapping
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, aliased

from crm.models import ChainSegment, Enterprise, SupplyLink
from crm.schemas.supply_links import SUPPLY_LINKS, SupplyLinkFilters
from crm.services import audit, enterprises, records
from crm.services.errors import Forbidden, NotFound, ValidationError

READ, WRITE = "enterprise.read", "enterprise.write"


def _enterprise(session: Session, enterprise_id, field: str, errors: dict):
    enterprise = session.get(Enterprise, enterprise_id) if enterprise_id else None
    if enterprise is None or enterprise.deleted_at is not None:
        errors[field] = [_("企业不存在")]
    return enterprise


def _checked(session: Session, data: Mapping, link: SupplyLink | None = None) -> dict:
    values, errors = SUPPLY_LINKS.clean(data, partial=link is not None)
    supplier_id = values.get("supplier_id", link.supplier_id if link else None)
    customer_id = values.get("customer_id", link.customer_id if link else None)
    if "supplier_id" in values and "supplier_id" not in errors:
        _enterprise(session, supplier_id, "supplier_id", errors)
    if "customer_id" in values and "customer_id" not in errors:
        _enterprise(session, customer_id, "customer_id", errors)
    if supplier_id is not None and supplier_id == customer_id:
        errors.setdefault("customer_id", [_("供应商和客户不能是同一家企业")])
    if values.get("share") is not None and values["share"] > Decimal(1):
        errors.setdefault("share", [_("份额应在 0 到 1 之间")])
    if values.get("segment"):
        segment = session.scalar(
            select(ChainSegment).where(
                ChainSegment.code == values["segment"], ChainSegment.level == "segment"
            )
        )
        if segment is None:
            errors.setdefault(
                "segment", [_("未知产业链环节代码：%(codes)s", codes=values["segment"])]
            )
        values["segment_id"] = segment.id if segment else None
    elif "segment" in values:
        values["segment_id"] = None
    values.pop("segment", None)
    if not errors:
        segment_id = values.get("segment_id", link.segment_id if link else None)
        taken = session.scalar(
            select(SupplyLink.id).where(
                SupplyLink.supplier_id == supplier_id,
                SupplyLink.customer_id == customer_id,
                SupplyLink.segment_id.is_(None)
                if segment_id is None
                else SupplyLink.segment_id == segment_id,
                SupplyLink.id != (link.id if link else 0),
            )
        )
        if taken is not None:
            raise ValidationError(
                {"segment": [_("这两家企业在该环节已有供应关系")]}, {"segment": taken}
            )
    if errors:
        raise ValidationError(errors)
    if values.get("share") is not None:
        values["share"] = float(values["share"])
    return values


def _require_either(session: Session, link_ends: tuple[int, int], actor) -> None:
    """Staff write a link when they may change the supplier or the customer."""
    records.require(actor, WRITE)
    if actor is None:
        return
    ends = [session.get(Enterprise, end) for end in link_ends]
    if not any(end is not None and enterprises.may_change(session, end, actor) for end in ends):
        raise Forbidden(_("供应商和客户都不在您的辖区内，您不能修改这条供应关系。"))


def create_supply_link(session: Session, data: Mapping, actor) -> SupplyLink:
    records.require(actor, WRITE)
    values = _checked(session, data)
    _require_either(session, (values["supplier_id"], values["customer_id"]), actor)
    link = SupplyLink(created_by_id=records.actor_id(actor), **values)
    session.add(link)
    audit.record_create(session, link, records.actor_id(actor))
    return link


def update_supply_link(
    session: Session, link: SupplyLink, data: Mapping, expected_version: int, actor
) -> SupplyLink:
    _require_either(session, (link.supplier_id, link.customer_id), actor)
    SUPPLY_LINKS.check_names(data)
    records.check_version(link, expected_version)
    values = _checked(session, data, link)
    _require_either(
        session,
        (values.get("supplier_id", link.supplier_id), values.get("customer_id", link.customer_id)),
        actor,
    )
    with records.stale_as_conflict():
        for key, value in values.items():
            setattr(link, key, value)
        audit.record_update(session, link, records.actor_id(actor))
        session.flush()
    return link


def delete_supply_link(session: Session, link: SupplyLink, actor) -> None:
    """Gone for good (the audit trail keeps it): a link is a fact, not a record with a life."""
    _require_either(session, (link.supplier_id, link.customer_id), actor)
    audit.record_event(session, "delete", "supply_links", link.id, records.actor_id(actor))
    session.delete(link)
    session.flush()


def get_supply_link(session: Session, link_id: int, actor) -> SupplyLink:
    link = records.get_live(session, SupplyLink, link_id, actor, READ)
    if link.supplier.deleted_at is not None or link.customer.deleted_at is not None:
        raise NotFound
    return link


def supply_link_values(_session: Session | None, link: SupplyLink) -> dict:
    return {
        "id": link.id,
        "version": link.version,
        "supplier_id": link.supplier_id,
        "customer_id": link.customer_id,
        "segment": link.segment.code if link.segment else None,
        "share": None if link.share is None else Decimal(str(link.share)),
        "supplier_name": link.supplier.name,
        "customer_name": link.customer.name,
        "created_at": link.created_at,
        "updated_at": link.updated_at,
    }


def list_supply_links(
    session: Session, filters: SupplyLinkFilters, actor, page: int = 1, per_page: int = 20
):
    records.require(actor, READ)
    supplier, customer = aliased(Enterprise), aliased(Enterprise)
    statement = (
        select(SupplyLink)
        .join(supplier, supplier.id == SupplyLink.supplier_id)
        .join(customer, customer.id == SupplyLink.customer_id)
        .where(supplier.deleted_at.is_(None), customer.deleted_at.is_(None))
    )
    statement = filtered(statement, filters)
    rows, has_next = records.numbered_page(
        session, statement.order_by(SupplyLink.id), page, per_page
    )
    return [row.SupplyLink for row in rows], has_next


def filtered(statement, filters: SupplyLinkFilters):
    """A select of supply links narrowed by the list's filters (the list and the export)."""
    if filters.supplier:
        statement = statement.where(SupplyLink.supplier_id == filters.supplier)
    if filters.customer:
        statement = statement.where(SupplyLink.customer_id == filters.customer)
    if filters.enterprise:
        statement = statement.where(
            or_(
                SupplyLink.supplier_id == filters.enterprise,
                SupplyLink.customer_id == filters.enterprise,
            )
        )
    if filters.segment:
        statement = statement.where(
            SupplyLink.segment_id.in_(
                select(ChainSegment.id).where(ChainSegment.code == filters.segment)
            )
        )
    return statement


def summary_values(link: SupplyLink) -> dict:
    return supply_link_values(None, link)
