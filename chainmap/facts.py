"""What the chain analyses read from the database, aggregated in SQL as far as it can be: counts,
output and tax per segment, purchase weights (local sourcing), supplier concentration, single
sources, and the few hundred enterprises the analysis names. The result is plain data; no
enterprise-level graph is built, so a rebuild costs a handful of grouped queries."""

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import Select, and_, case, distinct, func, select
from sqlalchemy.orm import Session, aliased

from chainmap.definition import ChainDefinition
from chainmap.settings import ChainSettings
from crm.models import (
    Ambassador,
    ChainDataVersion,
    ChainSegment,
    Enterprise,
    EnterpriseTag,
    SupplyLink,
    User,
    enterprise_segments,
)

Supplier = aliased(Enterprise, name="supplier")
Customer = aliased(Enterprise, name="customer")


def data_version(session: Session) -> tuple[int, str]:
    """The chain data's change counter and its token (see ChainDataVersion)."""
    row = session.execute(
        select(ChainDataVersion.version, ChainDataVersion.token).where(ChainDataVersion.id == 1)
    ).first()
    return (row.version, row.token) if row else (0, "")


@dataclass(frozen=True)
class Firm:
    id: int
    name: str
    is_local: bool
    is_chain_leader: bool
    is_leading: bool
    output_wan: float | None
    segments: tuple[str, ...]  # codes in this chain
    tags: frozenset[str] = frozenset()
    safety_rating: str | None = None
    environment_rating: str | None = None
    division: str | None = None  # from the credit code: where it is registered


@dataclass
class SegmentFacts:
    local_enterprises: int = 0
    outside_enterprises: int = 0
    local_output_wan: float = 0.0
    local_tax_wan: float = 0.0
    local_chain_leaders: int = 0
    local_leading: int = 0
    # Purchase weights of local buyers in this segment (a link weighs its share): from local
    # suppliers and in all; the same for local chain leaders as buyers.
    bought_local: float = 0.0
    bought_all: float = 0.0
    leaders_bought_local: float = 0.0
    leaders_bought_all: float = 0.0
    suppliers: int = 0  # distinct suppliers of local buyers
    hhi: float | None = None  # supplier concentration of local buyers' purchases, 0–1
    single_source_buyers: int = 0


@dataclass(frozen=True)
class LinkCounts:
    local_suppliers: int
    local_customers: int


@dataclass(frozen=True)
class SingleSource:
    buyer_id: int
    segment: str
    supplier_id: int


@dataclass(frozen=True)
class SoleLocalSupplier:
    supplier_id: int
    buyers: int  # local buyers whose only local supplier in a segment it is
    examples: tuple[tuple[int, str], ...]  # (buyer id, segment code), the largest buyers first


@dataclass(frozen=True)
class TargetFacts:
    supplies_local_leader: bool
    local_customers: int


@dataclass(frozen=True)
class AmbassadorNetwork:
    id: int
    name: str
    kind: str
    regions: tuple[str, ...]
    industries: tuple[str, ...]
    segments: tuple[str, ...]


@dataclass
class ChainFacts:
    segments: dict[str, SegmentFacts]
    firms: dict[int, Firm] = field(default_factory=dict)
    links: dict[int, LinkCounts] = field(default_factory=dict)  # leader and 龙头 candidates
    leading_candidates: set[int] = field(default_factory=set)  # large and top of a segment
    single_sources: list[SingleSource] = field(default_factory=list)  # the largest buyers'
    sole_local_suppliers: list[SoleLocalSupplier] = field(default_factory=list)
    sole_local_supplier_count: int = 0  # all of them, not only those listed
    targets: dict[int, TargetFacts] = field(default_factory=dict)  # outside firms
    largest_local: dict[str, list[int]] = field(default_factory=dict)  # per segment, largest first
    ambassadors: list[AmbassadorNetwork] = field(default_factory=list)


def segment_ids(session: Session, chain_key: str) -> dict[int, str]:
    """id → code of the chain's segments (the leaves of its tree)."""
    rows = session.execute(
        select(ChainSegment.id, ChainSegment.code).where(
            ChainSegment.chain_key == chain_key, ChainSegment.level == "segment"
        )
    )
    return {segment_id: code for segment_id, code in rows}


def gather(session: Session, definition: ChainDefinition, settings: ChainSettings) -> ChainFacts:
    codes = segment_ids(session, definition.key)
    facts = ChainFacts(segments={segment.code: SegmentFacts() for segment in definition.segments})
    if not codes:
        return facts
    _segment_counts(session, codes, facts)
    _purchases(session, codes, settings, facts)
    _concentration(session, codes, settings, facts)
    _single_sources(session, codes, settings, facts)
    _sole_local_suppliers(session, codes, settings, facts)
    _leader_candidates(session, codes, settings, facts)
    _targets(session, codes, facts)
    facts.ambassadors = ambassador_networks(session)
    named = {
        *facts.links,
        *(firm for firms_ in facts.largest_local.values() for firm in firms_),
        *facts.targets,
        *(item.buyer_id for item in facts.single_sources),
        *(item.supplier_id for item in facts.single_sources),
        *(item.supplier_id for item in facts.sole_local_suppliers),
        *(buyer for item in facts.sole_local_suppliers for buyer, _ in item.examples),
    }
    facts.firms = firms(session, named, codes)
    return facts


def _alive(*entities) -> list:
    return [entity.deleted_at.is_(None) for entity in entities]


def _weight(settings: ChainSettings):
    return func.coalesce(SupplyLink.share, settings.unknown_share)


def _links_to_local_buyers(codes: dict[int, str], *columns) -> Select:
    """Supply links in the chain's segments whose buyer is local, both firms not deleted."""
    return (
        select(*columns)
        .join(Supplier, Supplier.id == SupplyLink.supplier_id)
        .join(Customer, Customer.id == SupplyLink.customer_id)
        .where(Customer.is_local, *_alive(Supplier, Customer), SupplyLink.segment_id.in_(codes))
    )


def _segment_counts(session: Session, codes: dict[int, str], facts: ChainFacts) -> None:
    segment = enterprise_segments.c.segment_id
    rows = session.execute(
        select(
            segment,
            Enterprise.is_local,
            func.count(),
            func.sum(Enterprise.output_wan),
            func.sum(Enterprise.tax_wan),
            func.sum(case((Enterprise.is_chain_leader, 1), else_=0)),
            func.sum(case((Enterprise.is_leading, 1), else_=0)),
        )
        .join(Enterprise, Enterprise.id == enterprise_segments.c.enterprise_id)
        .where(segment.in_(codes), *_alive(Enterprise))
        .group_by(segment, Enterprise.is_local)
    )
    for segment_id, is_local, count, output, tax, leaders, leading in rows:
        entry = facts.segments[codes[segment_id]]
        if is_local:
            entry.local_enterprises = count
            entry.local_output_wan = float(output or 0)
            entry.local_tax_wan = float(tax or 0)
            entry.local_chain_leaders = int(leaders or 0)
            entry.local_leading = int(leading or 0)
        else:
            entry.outside_enterprises = count


def _purchases(session, codes, settings, facts) -> None:
    rows = session.execute(
        _links_to_local_buyers(
            codes,
            SupplyLink.segment_id,
            Supplier.is_local,
            Customer.is_chain_leader,
            func.sum(_weight(settings)),
        ).group_by(SupplyLink.segment_id, Supplier.is_local, Customer.is_chain_leader)
    )
    for segment_id, supplier_is_local, buyer_is_leader, weight in rows:
        entry = facts.segments[codes[segment_id]]
        weight = float(weight or 0)
        entry.bought_all += weight
        entry.bought_local += weight if supplier_is_local else 0
        if buyer_is_leader:
            entry.leaders_bought_all += weight
            entry.leaders_bought_local += weight if supplier_is_local else 0


def _concentration(session, codes, settings, facts) -> None:
    """HHI = Σ (supplier's weight / all suppliers' weight)², per segment."""
    per_supplier = (
        _links_to_local_buyers(
            codes,
            SupplyLink.segment_id.label("segment_id"),
            func.sum(_weight(settings)).label("weight"),
        )
        .group_by(SupplyLink.segment_id, SupplyLink.supplier_id)
        .subquery()
    )
    rows = session.execute(
        select(
            per_supplier.c.segment_id,
            func.count(),
            func.sum(per_supplier.c.weight * per_supplier.c.weight),
            func.sum(per_supplier.c.weight),
        ).group_by(per_supplier.c.segment_id)
    )
    for segment_id, suppliers, squares, total in rows:
        entry = facts.segments[codes[segment_id]]
        entry.suppliers = suppliers
        entry.hhi = float(squares) / float(total) ** 2 if total else None


def _single_source_pairs(codes, *, local_suppliers_only: bool):
    """(segment, local buyer, its one supplier) for buyers with exactly one supplier in a
    segment; with local_suppliers_only, one local supplier (other suppliers may be outside)."""
    query = _links_to_local_buyers(
        codes,
        SupplyLink.segment_id.label("segment_id"),
        SupplyLink.customer_id.label("buyer_id"),
        func.min(SupplyLink.supplier_id).label("supplier_id"),
    )
    if local_suppliers_only:
        query = query.where(Supplier.is_local)
    return (
        query.group_by(SupplyLink.segment_id, SupplyLink.customer_id)
        .having(func.count() == 1)
        .subquery()
    )


def _single_sources(session, codes, settings, facts) -> None:
    pairs = _single_source_pairs(codes, local_suppliers_only=False)
    for segment_id, count in session.execute(
        select(pairs.c.segment_id, func.count()).group_by(pairs.c.segment_id)
    ):
        facts.segments[codes[segment_id]].single_source_buyers = count
    largest = session.execute(
        select(pairs.c.buyer_id, pairs.c.segment_id, pairs.c.supplier_id)
        .join(Enterprise, Enterprise.id == pairs.c.buyer_id)
        .order_by(Enterprise.output_wan.desc().nulls_last(), Enterprise.id, pairs.c.segment_id)
        .limit(settings.listed_risks)
    )
    facts.single_sources = [
        SingleSource(buyer, codes[segment_id], supplier) for buyer, segment_id, supplier in largest
    ]


def _sole_local_suppliers(session, codes, settings, facts) -> None:
    pairs = _single_source_pairs(codes, local_suppliers_only=True)
    facts.sole_local_supplier_count = session.scalar(
        select(func.count(distinct(pairs.c.supplier_id)))
    )
    top = session.execute(
        select(pairs.c.supplier_id, func.count())
        .group_by(pairs.c.supplier_id)
        .order_by(func.count().desc(), pairs.c.supplier_id)
        .limit(settings.listed_risks)
    ).all()
    examples = defaultdict(list)
    for supplier, buyer, segment_id in session.execute(
        select(pairs.c.supplier_id, pairs.c.buyer_id, pairs.c.segment_id)
        .join(Enterprise, Enterprise.id == pairs.c.buyer_id)
        .where(pairs.c.supplier_id.in_([supplier for supplier, _ in top]))
        .order_by(Enterprise.output_wan.desc().nulls_last(), Enterprise.id, pairs.c.segment_id)
    ):
        if len(examples[supplier]) < 5:
            examples[supplier].append((buyer, codes[segment_id]))
    facts.sole_local_suppliers = [
        SoleLocalSupplier(supplier, count, tuple(examples[supplier])) for supplier, count in top
    ]


def _local_supplier_counts(ids=None):
    query = (
        select(SupplyLink.customer_id, func.count(distinct(SupplyLink.supplier_id)))
        .join(Supplier, Supplier.id == SupplyLink.supplier_id)
        .join(Customer, Customer.id == SupplyLink.customer_id)
        .where(Supplier.is_local, Customer.is_local, *_alive(Supplier, Customer))
        .group_by(SupplyLink.customer_id)
    )
    return query if ids is None else query.where(SupplyLink.customer_id.in_(ids))


# The largest local firms the analysis names for each segment (the diagram's drill-down).
SHOWN_PER_SEGMENT = 5


def _largest_local(session, codes, top: int, min_output: float | None = None):
    """(firm, segment id) of the `top` largest local firms of each segment, largest first."""
    conditions = [enterprise_segments.c.segment_id.in_(codes), Enterprise.is_local]
    if min_output is not None:
        conditions.append(Enterprise.output_wan >= min_output)
    ranked = (
        select(
            enterprise_segments.c.enterprise_id.label("id"),
            enterprise_segments.c.segment_id.label("segment_id"),
            func.row_number()
            .over(
                partition_by=enterprise_segments.c.segment_id,
                order_by=(Enterprise.output_wan.desc().nulls_last(), Enterprise.id),
            )
            .label("rank"),
        )
        .join(Enterprise, Enterprise.id == enterprise_segments.c.enterprise_id)
        .where(*conditions, *_alive(Enterprise))
        .subquery()
    )
    return session.execute(
        select(ranked.c.id, ranked.c.segment_id)
        .where(ranked.c.rank <= top)
        .order_by(ranked.c.segment_id, ranked.c.rank)
    ).all()


def _leader_candidates(session, codes, settings, facts) -> None:
    """The local firms the leaders analysis weighs: those with the most local suppliers, those
    flagged 链主 or 龙头, and the largest few of every segment."""
    most_linked = session.execute(
        _local_supplier_counts()
        .order_by(func.count(distinct(SupplyLink.supplier_id)).desc(), SupplyLink.customer_id)
        .limit(settings.listed_leaders * 3)
    ).all()
    flagged = session.scalars(
        select(Enterprise.id).where(
            Enterprise.is_local,
            Enterprise.is_chain_leader | Enterprise.is_leading,
            *_alive(Enterprise),
        )
    ).all()
    facts.leading_candidates = {
        firm
        for firm, _segment in _largest_local(
            session, codes, settings.leading_top_per_segment, settings.leading_min_output_wan
        )
    }
    for firm, segment_id in _largest_local(session, codes, SHOWN_PER_SEGMENT):
        facts.largest_local.setdefault(codes[segment_id], []).append(firm)
    ids = {customer for customer, _ in most_linked} | set(flagged) | facts.leading_candidates
    suppliers = dict(most_linked)
    customers = {}
    for chunk in _chunks(sorted(ids)):
        suppliers.update(session.execute(_local_supplier_counts(chunk)).all())
        customers.update(
            session.execute(
                select(SupplyLink.supplier_id, func.count(distinct(SupplyLink.customer_id)))
                .join(Customer, Customer.id == SupplyLink.customer_id)
                .where(SupplyLink.supplier_id.in_(chunk), Customer.is_local, *_alive(Customer))
                .group_by(SupplyLink.supplier_id)
            ).all()
        )
    facts.links = {firm: LinkCounts(suppliers.get(firm, 0), customers.get(firm, 0)) for firm in ids}


def _targets(session, codes, facts) -> None:
    """Outside enterprises in the chain: the candidates for 产业链招商."""
    outside = session.scalars(
        select(enterprise_segments.c.enterprise_id)
        .join(Enterprise, Enterprise.id == enterprise_segments.c.enterprise_id)
        .where(
            enterprise_segments.c.segment_id.in_(codes),
            Enterprise.is_local.is_(False),
            *_alive(Enterprise),
        )
        .distinct()
    ).all()
    links = session.execute(
        select(
            SupplyLink.supplier_id,
            func.count(distinct(SupplyLink.customer_id)),
            func.max(case((Customer.is_chain_leader, 1), else_=0)),
        )
        .join(Supplier, Supplier.id == SupplyLink.supplier_id)
        .join(Customer, Customer.id == SupplyLink.customer_id)
        .where(Supplier.is_local.is_(False), Customer.is_local, *_alive(Supplier, Customer))
        .group_by(SupplyLink.supplier_id)
    )
    linked = {supplier: (customers, bool(leader)) for supplier, customers, leader in links}
    facts.targets = {
        firm: TargetFacts(
            supplies_local_leader=linked.get(firm, (0, False))[1],
            local_customers=linked.get(firm, (0, False))[0],
        )
        for firm in outside
    }


def firms(session: Session, ids, codes: dict[int, str]) -> dict[int, Firm]:
    """The named enterprises (not deleted) with what the analyses say of them."""
    found: dict[int, Firm] = {}
    for chunk in _chunks(sorted(set(ids))):
        segments = defaultdict(list)
        for firm, segment_id in session.execute(
            select(enterprise_segments.c.enterprise_id, enterprise_segments.c.segment_id).where(
                enterprise_segments.c.enterprise_id.in_(chunk),
                enterprise_segments.c.segment_id.in_(codes),
            )
        ):
            segments[firm].append(codes[segment_id])
        tags = defaultdict(set)
        for firm, tag in session.execute(
            select(EnterpriseTag.enterprise_id, EnterpriseTag.tag).where(
                EnterpriseTag.enterprise_id.in_(chunk)
            )
        ):
            tags[firm].add(tag)
        for row in session.execute(
            select(
                Enterprise.id,
                Enterprise.name,
                Enterprise.is_local,
                Enterprise.is_chain_leader,
                Enterprise.is_leading,
                Enterprise.output_wan,
                Enterprise.safety_rating,
                Enterprise.environment_rating,
                Enterprise.uscc,
            ).where(Enterprise.id.in_(chunk), *_alive(Enterprise))
        ):
            found[row.id] = Firm(
                id=row.id,
                name=row.name,
                is_local=row.is_local,
                is_chain_leader=row.is_chain_leader,
                is_leading=row.is_leading,
                output_wan=float(row.output_wan) if row.output_wan is not None else None,
                segments=tuple(sorted(segments[row.id])),
                tags=frozenset(tags[row.id]),
                safety_rating=row.safety_rating,
                environment_rating=row.environment_rating,
                division=row.uscc[2:8] if row.uscc else None,
            )
    return found


def ambassador_networks(session: Session) -> list[AmbassadorNetwork]:
    """Active ambassadors whose accounts are active, with the networks they declared."""
    rows = session.execute(
        select(Ambassador, func.coalesce(User.display_name, User.name))
        .join(User, User.id == Ambassador.user_id)
        .where(and_(Ambassador.status == "active", User.active))
        .order_by(Ambassador.id)
    )
    return [
        AmbassadorNetwork(
            id=ambassador.id,
            name=name,
            kind=ambassador.kind,
            regions=tuple(ambassador.regions or ()),
            industries=tuple(ambassador.industries or ()),
            segments=tuple(ambassador.segments or ()),
        )
        for ambassador, name in rows
    ]


def _chunks(ids: list[int], size: int = 500):
    for start in range(0, len(ids), size):
        yield ids[start : start + size]
