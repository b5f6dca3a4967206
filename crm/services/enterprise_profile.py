"""Everything the enterprise page shows beside the record: segments, supply links both ways,
contacts (masked unless unmasked on purpose, which is audited), leads, projects and activities
(those the viewer's scope shows: crm.services.scope), service requests, yearly figures and the
history."""

from dataclasses import dataclass

from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.orm import Session, aliased

from crm.models import (
    ChainSegment,
    Contact,
    Enterprise,
    EnterpriseYear,
    ImportBatch,
    Lead,
    Project,
    SupplyLink,
    User,
)
from crm.permissions import has_right
from crm.services import audit, records, service_requests
from crm.services.errors import NotFound
from crm.services.history import history_of
from crm.services.scope import CITY_SCOPE, scope_of, scoped, scoped_activities

UNMASK = "personal_data.unmask"
PERSONAL_FIELDS = ("phone", "email", "wechat")


@dataclass(frozen=True)
class ShownContact:
    id: int
    name: str
    title: str | None
    phone: str | None
    email: str | None
    wechat: str | None
    masked: bool


@dataclass(frozen=True)
class Profile:
    segments: list  # (code, name, category name)
    suppliers: list  # rows: id, name, is_local, segment code and name, share; largest first
    customers: list
    supplier_count: int  # links to live enterprises, all of them (the lists show LINKS_SHOWN)
    customer_count: int
    risks: "SupplyRisks"
    contacts: list[ShownContact]
    leads: list
    projects: list
    activities: list
    service_requests: list
    years: list
    history: list
    import_batch: ImportBatch | None
    import_user: str | None
    merged_from: list  # (id, name) of records merged into this one


def mask(field: str, value: str | None) -> str | None:
    """Enough to recognise, not to use: 138****5678, w***@example.com."""
    if not value:
        return value
    if field == "email" and "@" in value:
        local, _at, domain = value.partition("@")
        return f"{local[:1]}***@{domain}"
    if len(value) > 7:
        return f"{value[:3]}****{value[-4:]}"
    return "****"


def enterprise_profile(
    session: Session, enterprise: Enterprise, actor, unmasked: frozenset[int] = frozenset()
) -> Profile:
    """`unmasked` holds contacts the actor chose to see in full (see unmask_contact)."""
    category = aliased(ChainSegment)
    segments = session.execute(
        select(ChainSegment.code, ChainSegment.name, category.name)
        .join(Enterprise.segments.of_type(ChainSegment))
        .outerjoin(category, category.id == ChainSegment.parent_id)
        .where(Enterprise.id == enterprise.id)
        .order_by(ChainSegment.code)
    ).all()
    scope = scope_of(session, actor) if actor is not None else CITY_SCOPE
    batch = (
        session.get(ImportBatch, enterprise.import_batch_id) if enterprise.import_batch_id else None
    )
    return Profile(
        segments=segments,
        suppliers=_links(session, enterprise.id, "customer_id", "supplier_id"),
        customers=_links(session, enterprise.id, "supplier_id", "customer_id"),
        supplier_count=_link_count(session, enterprise.id, "customer_id", "supplier_id"),
        customer_count=_link_count(session, enterprise.id, "supplier_id", "customer_id"),
        risks=supply_risks(session, enterprise.id),
        contacts=_contacts(session, enterprise.id, actor, unmasked),
        leads=_rows(
            session,
            Lead,
            (Lead.id, Lead.name, Lead.stage, Lead.status, Lead.intended_investment_wan),
            enterprise.id,
            actor,
            scope,
        ),
        projects=_rows(
            session,
            Project,
            (Project.id, Project.name, Project.stage, Project.status, Project.total_investment_wan),
            enterprise.id,
            actor,
            scope,
        ),
        activities=_activities(session, enterprise, actor, scope),
        service_requests=service_requests.requests_of(session, enterprise.id),
        years=session.scalars(
            select(EnterpriseYear)
            .where(EnterpriseYear.enterprise_id == enterprise.id)
            .order_by(EnterpriseYear.year.desc())
        ).all(),
        history=history_of(session, Enterprise.__tablename__, enterprise.id),
        import_batch=batch,
        import_user=_user_label(session, batch.created_by_id) if batch else None,
        merged_from=session.execute(
            select(Enterprise.id, Enterprise.name)
            .where(Enterprise.merged_into_id == enterprise.id)
            .order_by(Enterprise.id)
        ).all(),
    )


LINKS_SHOWN = 10
RISKS_SHOWN = 20


def _link_count(session: Session, enterprise_id: int, own_side: str, other_side: str) -> int:
    partner = aliased(Enterprise)
    return session.scalar(
        select(func.count())
        .select_from(SupplyLink)
        .join(partner, partner.id == getattr(SupplyLink, other_side))
        .where(getattr(SupplyLink, own_side) == enterprise_id, partner.deleted_at.is_(None))
    )


def _links(session: Session, enterprise_id: int, own_side: str, other_side: str) -> list:
    partner = aliased(Enterprise)
    link = SupplyLink
    return session.execute(
        select(
            partner.id,
            partner.name,
            partner.is_local,
            ChainSegment.code.label("segment_code"),
            ChainSegment.name.label("segment"),
            link.share,
        )
        .join(partner, partner.id == getattr(link, other_side))
        .outerjoin(ChainSegment, ChainSegment.id == link.segment_id)
        .where(getattr(link, own_side) == enterprise_id, partner.deleted_at.is_(None))
        .order_by(link.share.desc().nulls_last(), partner.name, ChainSegment.code)
        .limit(LINKS_SHOWN)
    ).all()


# ---- supply risks: where the enterprise's buying or its buyers hang on one link ----


@dataclass(frozen=True)
class SupplyRisks:
    # As a buyer, by segment: the segments with exactly one supplier (code, name, supplier id,
    # supplier name, supplier is local), and those none of whose suppliers is local (code,
    # name, how many suppliers).
    single_sources: list
    no_local_supplier: list
    # As a supplier: local buyers that buy a segment from it alone (customer id, name, segment
    # code, segment name), the first RISKS_SHOWN, and how many there are in all.
    sole_supplier_to: list
    sole_supplier_count: int

    def __bool__(self) -> bool:
        return bool(self.single_sources or self.no_local_supplier or self.sole_supplier_count)


def supply_risks(session: Session, enterprise_id: int) -> SupplyRisks:
    """Three bounded queries, whatever the number of links; soft-deleted enterprises do not
    count, nor do links without a segment."""
    supplier = aliased(Enterprise)
    # As a buyer: its suppliers counted per segment.
    per_segment = session.execute(
        select(
            ChainSegment.code,
            ChainSegment.name,
            func.count().label("suppliers"),
            func.sum(case((supplier.is_local, 1), else_=0)).label("local"),
            func.min(supplier.id).label("one"),
        )
        .select_from(SupplyLink)
        .join(supplier, supplier.id == SupplyLink.supplier_id)
        .join(ChainSegment, ChainSegment.id == SupplyLink.segment_id)
        .where(SupplyLink.customer_id == enterprise_id, supplier.deleted_at.is_(None))
        .group_by(ChainSegment.id, ChainSegment.code, ChainSegment.name)
        .order_by(ChainSegment.code)
    ).all()
    single = [row for row in per_segment if row.suppliers == 1]
    names = {}
    if single:
        names = {
            row.id: row
            for row in session.execute(
                select(Enterprise.id, Enterprise.name, Enterprise.is_local).where(
                    Enterprise.id.in_({row.one for row in single})
                )
            )
        }
    single_sources = [
        (row.code, row.name, row.one, names[row.one].name, names[row.one].is_local)
        for row in single
    ]
    no_local = [(row.code, row.name, row.suppliers) for row in per_segment if not row.local]

    # As a supplier: local live buyers with no other live supplier in that segment.
    customer, rival, rival_supplier = aliased(Enterprise), aliased(SupplyLink), aliased(Enterprise)
    other_supplier = exists(
        select(rival.id)
        .join(rival_supplier, rival_supplier.id == rival.supplier_id)
        .where(
            rival.customer_id == SupplyLink.customer_id,
            rival.segment_id == SupplyLink.segment_id,
            rival.supplier_id != enterprise_id,
            rival_supplier.deleted_at.is_(None),
        )
    )
    sole = (
        select(customer.id, customer.name, ChainSegment.code, ChainSegment.name.label("segment"))
        .select_from(SupplyLink)
        .join(customer, customer.id == SupplyLink.customer_id)
        .join(ChainSegment, ChainSegment.id == SupplyLink.segment_id)
        .where(
            and_(
                SupplyLink.supplier_id == enterprise_id,
                customer.is_local,
                customer.deleted_at.is_(None),
                ~other_supplier,
            )
        )
    )
    shown = session.execute(
        sole.order_by(customer.name, ChainSegment.code).limit(RISKS_SHOWN)
    ).all()
    count = (
        len(shown)
        if len(shown) < RISKS_SHOWN
        else session.scalar(select(func.count()).select_from(sole.subquery()))
    )
    return SupplyRisks(single_sources, no_local, shown, count)


def _rows(session: Session, model, columns, enterprise_id: int, actor, scope) -> list:
    """The enterprise's leads or projects that the viewer's scope shows."""
    statement = select(*columns).where(
        model.enterprise_id == enterprise_id, model.deleted_at.is_(None)
    )
    statement = scoped(statement, model, actor, session, scope)
    return session.execute(statement.order_by(model.id.desc()).limit(100)).all()


def _contacts(session: Session, enterprise_id: int, actor, unmasked: frozenset[int]) -> list:
    may_unmask = has_right(actor, UNMASK)
    contacts = session.scalars(
        select(Contact)
        .where(Contact.enterprise_id == enterprise_id, Contact.deleted_at.is_(None))
        .order_by(Contact.id)
    ).all()
    shown = []
    for contact in contacts:
        full = may_unmask and contact.id in unmasked
        personal = {
            field: getattr(contact, field) if full else mask(field, getattr(contact, field))
            for field in PERSONAL_FIELDS
        }
        shown.append(ShownContact(contact.id, contact.name, contact.title, **personal,
                                  masked=not full))  # fmt: skip
    return shown


def unmask_contact(session: Session, enterprise: Enterprise, contact_id: int, actor) -> None:
    """The actor asks to see one contact's personal data in full: allowed by role, and audited."""
    records.require(actor, UNMASK)
    contact = session.get(Contact, contact_id)
    if contact is None or contact.enterprise_id != enterprise.id or contact.deleted_at is not None:
        raise NotFound
    audit.record_event(
        session, "unmask", Contact.__tablename__, contact.id, records.actor_id(actor)
    )
    session.flush()


def _user_label(session: Session, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    user = session.get(User, user_id)
    return user.label if user is not None else None


def merged_into(session: Session, enterprise_id: int) -> int | None:
    """For a record merged into another, the id of the one that took it over."""
    return session.scalar(select(Enterprise.merged_into_id).where(Enterprise.id == enterprise_id))


def _activities(session: Session, enterprise: Enterprise, actor, scope) -> list:
    """The enterprise's activities as the timeline shows them: those the viewer's scope shows."""
    from crm.services.activities import timeline  # leads' services import the registry's

    return timeline(
        session,
        enterprise_id=enterprise.id,
        limit=100,
        restrict=lambda statement: scoped_activities(statement, actor, session, scope),
    )
