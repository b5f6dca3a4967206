"""Bounded searches from one enterprise, run per request with a few SQL queries per hop:
introduction paths to a target (以商招商) and what its departure would do downstream (what-if).
Neither builds the enterprise graph: each hop reads only the links of the current frontier,
and a frontier is cut to `search_frontier_limit` enterprises (the strongest kept)."""

from collections import defaultdict
from dataclasses import dataclass
from functools import partial

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from chainmap.analysis import Reason
from chainmap.definition import ChainDefinition
from chainmap.facts import (
    AmbassadorNetwork,
    Customer,
    Firm,
    Supplier,
    ambassador_networks,
    firms,
    segment_ids,
)
from chainmap.networks import coverage
from chainmap.settings import ChainSettings
from crm.models import SupplyLink


@dataclass(frozen=True)
class Step:
    source: tuple[str, int]  # ("enterprise" | "ambassador", id)
    target: tuple[str, int]
    strength: float
    evidence: dict
    reason: Reason


def _weight(share, settings: ChainSettings) -> float:
    return float(share) if share is not None else settings.unknown_share


def _links_touching(session: Session, ids: list[int], codes: dict[int, str]):
    """Supply links in the chain with either end in `ids`, both ends not deleted."""
    return session.execute(
        select(
            SupplyLink.supplier_id,
            SupplyLink.customer_id,
            SupplyLink.segment_id,
            SupplyLink.share,
        )
        .join(Supplier, Supplier.id == SupplyLink.supplier_id)
        .join(Customer, Customer.id == SupplyLink.customer_id)
        .where(
            or_(SupplyLink.supplier_id.in_(ids), SupplyLink.customer_id.in_(ids)),
            SupplyLink.segment_id.in_(codes),
            Supplier.deleted_at.is_(None),
            Customer.deleted_at.is_(None),
        )
        .order_by(SupplyLink.id)
    ).all()


def introduction_paths(
    session: Session, enterprise_id: int, definition: ChainDefinition, settings: ChainSettings
) -> dict | None:
    """The shortest strong paths of at most `path_max_hops` hops from a target enterprise to
    someone local who can introduce it: a local enterprise linked by supply (its customers and
    suppliers, 链主 among them) or an active ambassador whose network covers a firm on the way.
    A hop along a supply link is as strong as the link's share; a hop into an ambassador's
    network is `ambassador_hop_strength`; a path is as strong as the product of its hops.
    Only outside enterprises are passed through: reaching a local one, or an ambassador, ends a
    path. Paths are ordered by hops, then strength, then 链主 first, then id. None when the
    enterprise does not exist (or is deleted)."""
    codes = segment_ids(session, definition.key)
    start = firms(session, [enterprise_id], codes).get(enterprise_id)
    if start is None:
        return None
    result = {"enterprise": start, "paths": [], "searched_hops": settings.path_max_hops}
    if start.is_local:
        return result
    networks = ambassador_networks(session)
    known: dict[int, Firm] = {start.id: start}
    # node → (hops, path strength, the step that reached it)
    reached: dict[tuple[str, int], tuple[int, float, Step | None]] = {
        ("enterprise", start.id): (0, 1.0, None)
    }
    introducers = []
    frontier = [start.id]
    for hop in range(1, settings.path_max_hops + 1):
        if not frontier:
            break
        candidates: dict[tuple[str, int], tuple[float, Step]] = {}
        offer = partial(_offer, reached, candidates)
        links = _links_touching(session, frontier, codes)
        new_ids = {s for s, _, _, _ in links} | {c for _, c, _, _ in links}
        known.update(firms(session, new_ids - known.keys(), codes))
        in_frontier = set(frontier)
        for supplier, customer, segment_id, share in links:
            for near, far in ((supplier, customer), (customer, supplier)):
                if near in in_frontier and far in known:
                    offer(
                        _supply_step(near, far, supplier, codes[segment_id], share, known, settings)
                    )
        for firm_id in frontier:
            for network in networks:
                covered = coverage(network, known[firm_id], definition)
                if covered:
                    offer(
                        Step(
                            ("enterprise", firm_id),
                            ("ambassador", network.id),
                            settings.ambassador_hop_strength,
                            {"kind": "network", "ambassador_id": network.id,
                             "region": covered.region, "segment": covered.segment,
                             "through": covered.through},
                            Reason("hop_network", {
                                "ambassador": network.name, "enterprise": known[firm_id].name,
                                "region": covered.region, "through": covered.through}),
                        )
                    )  # fmt: skip
        frontier = []
        for node, (strength, step) in sorted(candidates.items(), key=lambda c: -c[1][0]):
            reached[node] = (hop, strength, step)
            kind, node_id = node
            if kind == "ambassador" or known[node_id].is_local:
                introducers.append(node)
            elif len(frontier) < settings.search_frontier_limit:
                frontier.append(node_id)

    def order(node):
        hops, strength, _ = reached[node]
        leader = node[0] == "enterprise" and known[node[1]].is_chain_leader
        return (hops, -round(strength, 9), not leader, node[0], node[1])

    by_id = {network.id: network for network in networks}
    for node in sorted(introducers, key=order)[: settings.paths_shown]:
        steps = []
        cursor = node
        while reached[cursor][2] is not None:
            step = reached[cursor][2]
            steps.append(step)
            cursor = step.source
        steps.reverse()
        hops, strength, _ = reached[node]
        result["paths"].append(
            {
                "hops": hops,
                "strength": strength,
                "introducer": _node(node, known, by_id),
                "nodes": [_node(("enterprise", start.id), known, by_id)]
                + [_node(step.target, known, by_id) for step in steps],
                "steps": steps,
            }
        )
    return result


def _offer(reached: dict, candidates: dict, step: Step) -> None:
    """Keep the step if it reaches a new node more strongly than this hop's other steps."""
    strength = reached[step.source][1] * step.strength
    best = candidates.get(step.target)
    if step.target not in reached and (best is None or strength > best[0]):
        candidates[step.target] = (strength, step)


def _supply_step(near, far, supplier, segment, share, known, settings) -> Step:
    """A hop from `near` to `far` along a link in which `supplier` sells to the other."""
    customer = far if supplier == near else near
    return Step(
        ("enterprise", near),
        ("enterprise", far),
        _weight(share, settings),
        {"kind": "supply_link", "supplier_id": supplier, "customer_id": customer,
         "segment": segment, "share": share},
        Reason("hop_supply", {"supplier": known[supplier].name, "customer": known[customer].name,
                              "segment": segment, "share": share}),
    )  # fmt: skip


def _node(node, known: dict[int, Firm], networks: dict[int, AmbassadorNetwork]) -> dict:
    kind, node_id = node
    if kind == "ambassador":
        network = networks[node_id]
        return {"kind": kind, "id": node_id, "name": network.name, "ambassador_kind": network.kind}
    firm = known[node_id]
    return {"kind": kind, "id": node_id, "name": firm.name, "is_local": firm.is_local,
            "is_chain_leader": firm.is_chain_leader}  # fmt: skip


def what_if(
    session: Session, enterprise_id: int, definition: ChainDefinition, settings: ChainSettings
) -> dict | None:
    """Who is affected downstream if this enterprise left, and how.

    Depth 1, its customers, per segment it sells them: `cut` when it was their only supplier
    there; `local_cut` when their other suppliers there are all outside (and it was local);
    `reduced` otherwise, with the purchase weight lost and what remains. Depth 2 and 3: the
    customers of a firm cut at the level before are `exposed` (their supply from that firm is
    at risk), and only firms cut or exposed are followed, up to depth 3. None when the
    enterprise does not exist."""
    codes = segment_ids(session, definition.key)
    known = firms(session, [enterprise_id], codes)
    if enterprise_id not in known:
        return None
    affected = []
    sales = [link for link in _links_touching(session, [enterprise_id], codes)
             if link[0] == enterprise_id]  # fmt: skip
    buyers = {customer for _, customer, _, _ in sales}
    known.update(firms(session, buyers - known.keys(), codes))
    remaining = _other_suppliers(session, buyers, enterprise_id, codes, settings)
    leaving = known[enterprise_id]
    next_level = []
    for _, customer, segment_id, share in sales:
        segment = codes[segment_id]
        others, others_weight, local_others = remaining.get((customer, segment), (0, 0.0, 0))
        lost = _weight(share, settings)
        if others == 0:
            severity = "cut"
        elif local_others == 0 and leaving.is_local and known[customer].is_local:
            severity = "local_cut"
        else:
            severity = "reduced"
        if severity != "reduced" and len(next_level) < settings.search_frontier_limit:
            next_level.append(customer)
        affected.append(
            {
                "enterprise": known[customer],
                "depth": 1,
                "segment": segment,
                "severity": severity,
                "lost_share": lost / (lost + others_weight),
                "remaining_suppliers": others,
                "via": leaving,
                "reason": Reason(f"what_if_{severity}", {
                    "buyer": known[customer].name, "segment": segment, "others": others,
                    "local_others": local_others, "lost": lost / (lost + others_weight)}),
            }
        )  # fmt: skip
    seen = {enterprise_id, *buyers}
    for depth in (2, 3):
        if not next_level:
            break
        links = [link for link in _links_touching(session, sorted(set(next_level)), codes)
                 if link[0] in next_level and link[1] not in seen]  # fmt: skip
        known.update(firms(session, {c for _, c, _, _ in links} - known.keys(), codes))
        next_level = []
        for supplier, customer, segment_id, _share in links:
            if customer in seen:
                continue
            seen.add(customer)
            if len(next_level) < settings.search_frontier_limit:
                next_level.append(customer)
            affected.append(
                {
                    "enterprise": known[customer],
                    "depth": depth,
                    "segment": codes[segment_id],
                    "severity": "exposed",
                    "lost_share": None,
                    "remaining_suppliers": None,
                    "via": known[supplier],
                    "reason": Reason("what_if_exposed", {
                        "buyer": known[customer].name, "via": known[supplier].name,
                        "segment": codes[segment_id]}),
                }
            )  # fmt: skip
    order = {"cut": 0, "local_cut": 1, "reduced": 2, "exposed": 3}
    affected.sort(
        key=lambda a: (a["depth"], order[a["severity"]], a["enterprise"].id, a["segment"])
    )
    counts = defaultdict(int)
    for item in affected:
        counts[item["severity"]] += 1
    return {"enterprise": leaving, "affected": affected, "counts": dict(counts)}


def _other_suppliers(session, buyers, leaving_id, codes, settings) -> dict:
    """(buyer, segment) → (other suppliers, their weight, how many of them are local)."""
    found = {}
    ids = sorted(buyers)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = session.execute(
            select(
                SupplyLink.customer_id,
                SupplyLink.segment_id,
                func.count(),
                func.sum(func.coalesce(SupplyLink.share, settings.unknown_share)),
                func.sum(case((Supplier.is_local, 1), else_=0)),
            )
            .join(Supplier, Supplier.id == SupplyLink.supplier_id)
            .where(
                SupplyLink.customer_id.in_(chunk),
                SupplyLink.supplier_id != leaving_id,
                SupplyLink.segment_id.in_(codes),
                Supplier.deleted_at.is_(None),
            )
            .group_by(SupplyLink.customer_id, SupplyLink.segment_id)
        )
        for customer, segment_id, count, weight, local in rows:
            found[customer, codes[segment_id]] = (count, float(weight or 0), int(local or 0))
    return found
