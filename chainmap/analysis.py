"""The chain analyses: pure functions of a chain definition, its aggregated facts and the
settings, each answering one part of the analysis document. Every figure carries its reasons as
Reason(code, params); chainmap.wording turns them into words in the reader's language.

Graph work stays on the segment graph (60 nodes for the automotive chain): demand, reach and
betweenness are computed there in milliseconds; enterprise-level facts arrive aggregated."""

import math
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

from chainmap.definition import ChainDefinition, segment_graph
from chainmap.facts import ChainFacts, Firm
from chainmap.settings import ChainSettings

if TYPE_CHECKING:
    import networkx as nx

STRONG, WEAK, GAP = "strong", "weak", "gap"
# How much a neighbouring segment's coverage counts towards relatedness.
COVERAGE_PRESENCE = {STRONG: 1.0, WEAK: 0.5, GAP: 0.0}
# Entry-threshold fit of a rating (安全生产, 绿色环保); an unknown rating counts half.
RATING_FIT = {"A": 1.0, "B": 0.7, "C": 0.3, "D": 0.0}
UNKNOWN_RATING_FIT = 0.5


@dataclass(frozen=True)
class Reason:
    code: str
    params: dict = field(default_factory=dict)


@dataclass
class SegmentView:
    code: str
    name: str
    name_en: str
    tier: str
    category: str
    track: str
    coverage: str
    local_enterprises: int
    outside_enterprises: int
    local_output_wan: float
    local_tax_wan: float
    local_chain_leaders: int
    local_leading: int
    largest_local: list[Firm]
    local_sourcing_share: float | None
    leaders_local_sourcing_share: float | None
    supplier_hhi: float | None
    importance: float  # 0–1: local buyers' demand for what this segment makes
    centrality: float  # betweenness on the segment graph
    reasons: list[Reason]


@dataclass
class Analysis:
    """The whole analysis of one chain at one data version."""

    chain_key: str
    version: int
    segments: list[SegmentView]
    leaders: list[dict]
    risks: list[dict]
    recommendations: list[dict]
    # How many there are of each kind of risk; `risks` lists the largest ones only.
    risk_totals: dict[str, int] = field(default_factory=dict)


def analyse(
    definition: ChainDefinition, facts: ChainFacts, settings: ChainSettings, version: int = 0
) -> Analysis:
    graph = segment_graph(definition)
    segments = segment_coverage(definition, facts, settings, graph)
    found_risks = risks(facts, segments, settings)
    totals = {
        "single_source": sum(entry.single_source_buyers for entry in facts.segments.values()),
        "cut_point": facts.sole_local_supplier_count,
        "concentration": sum(1 for risk in found_risks if risk["kind"] == "concentration"),
        "local_sourcing": sum(1 for risk in found_risks if risk["kind"] == "local_sourcing"),
    }
    return Analysis(
        chain_key=definition.key,
        version=version,
        segments=segments,
        leaders=leaders(facts, settings, graph),
        risks=found_risks,
        recommendations=recommendations(segments, facts, settings, graph),
        risk_totals=totals,
    )


def _share(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def segment_coverage(
    definition: ChainDefinition, facts: ChainFacts, settings: ChainSettings, graph: "nx.DiGraph"
) -> list[SegmentView]:
    """One entry per segment. Coverage: `gap` when no local enterprise is in it; `strong` with
    at least `strong_min_enterprises` local enterprises and `strong_min_output_wan` of local
    output; `weak` otherwise. Importance: the local output of the segments that buy from it
    (its local demand), scaled so the most demanded segment is 1. Local sourcing: of the
    purchase weight of local buyers in the segment, the part bought from local suppliers."""
    demand = {
        code: sum(facts.segments[buyer].local_output_wan for buyer in graph.successors(code))
        for code in graph
    }
    top_demand = max(demand.values(), default=0) or 1
    import networkx as nx  # loaded with the first analysis, not with every command

    centrality = nx.betweenness_centrality(graph, normalized=True)
    views = []
    for segment in definition.segments:
        entry = facts.segments[segment.code]
        reasons = []
        if entry.local_enterprises == 0:
            coverage = GAP
            reasons.append(Reason("no_local_enterprise"))
        else:
            enough_firms = entry.local_enterprises >= settings.strong_min_enterprises
            enough_output = entry.local_output_wan >= settings.strong_min_output_wan
            coverage = STRONG if enough_firms and enough_output else WEAK
            reasons.append(
                Reason(
                    "local_enterprises_met" if enough_firms else "local_enterprises_short",
                    {"count": entry.local_enterprises, "min": settings.strong_min_enterprises},
                )
            )
            reasons.append(
                Reason(
                    "local_output_met" if enough_output else "local_output_short",
                    {"output": entry.local_output_wan, "min": settings.strong_min_output_wan},
                )
            )
        local_sourcing = _share(entry.bought_local, entry.bought_all)
        if local_sourcing is None:
            reasons.append(Reason("no_local_purchases"))
        else:
            reasons.append(Reason("local_sourcing", {"share": local_sourcing}))
        leaders_sourcing = _share(entry.leaders_bought_local, entry.leaders_bought_all)
        if leaders_sourcing is not None:
            reasons.append(Reason("leaders_local_sourcing", {"share": leaders_sourcing}))
        if demand[segment.code]:
            reasons.append(Reason("local_demand", {"output": demand[segment.code]}))
        views.append(
            SegmentView(
                code=segment.code,
                name=segment.name,
                name_en=segment.name_en,
                tier=segment.tier_code,
                category=segment.category_code,
                track=segment.track,
                coverage=coverage,
                local_enterprises=entry.local_enterprises,
                outside_enterprises=entry.outside_enterprises,
                local_output_wan=entry.local_output_wan,
                local_tax_wan=entry.local_tax_wan,
                local_chain_leaders=entry.local_chain_leaders,
                local_leading=entry.local_leading,
                largest_local=[
                    facts.firms[firm]
                    for firm in facts.largest_local.get(segment.code, [])
                    if firm in facts.firms
                ],
                local_sourcing_share=local_sourcing,
                leaders_local_sourcing_share=leaders_sourcing,
                supplier_hhi=entry.hhi,
                importance=demand[segment.code] / top_demand,
                centrality=centrality[segment.code],
                reasons=reasons,
            )
        )
    return views


def leaders(facts: ChainFacts, settings: ChainSettings, graph: "nx.DiGraph") -> list[dict]:
    """Which local firms organise the chain, and which are large but weakly linked locally.

    A firm organises (链主) with at least `leader_min_local_suppliers` local suppliers; its
    downstream reach is the number of segments downstream of its segments on the segment
    graph. A firm is 龙头 when its output is at least `leading_min_output_wan` and it is among
    the `leading_top_per_segment` largest local firms of one of its segments. Where a flag
    differs from what the figures say, a suggestion is made for staff to confirm; no flag is
    ever changed here. Ordered by local suppliers, then output, then id."""
    import networkx as nx

    entries = []
    for firm_id, links in facts.links.items():
        firm = facts.firms.get(firm_id)
        if firm is None or not firm.is_local:
            continue
        organises = links.local_suppliers >= settings.leader_min_local_suppliers
        large = firm_id in facts.leading_candidates
        reach = set()
        for code in firm.segments:
            reach |= nx.descendants(graph, code)
        reasons = [
            Reason(
                "local_suppliers",
                {"count": links.local_suppliers, "min": settings.leader_min_local_suppliers},
            ),
            Reason("local_customers", {"count": links.local_customers}),
            Reason("downstream_reach", {"count": len(reach)}),
        ]
        if large:
            reasons.append(Reason("large_in_segment", {"output": firm.output_wan or 0}))
        weakly_linked = large and links.local_suppliers < settings.weakly_linked_below
        if weakly_linked:
            reasons.append(Reason("weakly_linked", {"count": links.local_suppliers}))
        suggestions = []
        if organises != firm.is_chain_leader:
            suggestions.append({"flag": "is_chain_leader", "value": organises})
        if large != firm.is_leading:
            suggestions.append({"flag": "is_leading", "value": large})
        if not (organises or large or firm.is_chain_leader or firm.is_leading):
            continue
        entries.append(
            {
                "enterprise": firm,
                "role": "organiser"
                if organises
                else ("weakly_linked" if weakly_linked else "large"),
                "is_chain_leader": firm.is_chain_leader,
                "is_leading": firm.is_leading,
                "local_suppliers": links.local_suppliers,
                "local_customers": links.local_customers,
                "downstream_segments": len(reach),
                "output_wan": firm.output_wan,
                "suggestions": suggestions,
                "reasons": reasons,
            }
        )
    entries.sort(key=lambda e: (-e["local_suppliers"], -(e["output_wan"] or 0), e["enterprise"].id))
    return entries[: settings.listed_leaders] + [
        entry for entry in entries[settings.listed_leaders :] if entry["suggestions"]
    ]


def risks(facts: ChainFacts, segments: list[SegmentView], settings: ChainSettings) -> list[dict]:
    """断链 risks, each with a `kind`:
    - `single_source`: a local buyer with exactly one supplier in a segment (largest buyers);
    - `concentration`: a segment whose local buyers' purchases have an HHI of supplier weights
      of at least `concentrated_hhi`;
    - `local_sourcing`: a segment whose local buyers buy less than half locally;
    - `cut_point`: a local firm that is the only local supplier of local buyers in a segment,
      so its departure cuts their local supply path (most buyers first)."""
    found = []
    for item in facts.single_sources:
        buyer, supplier = facts.firms.get(item.buyer_id), facts.firms.get(item.supplier_id)
        if buyer is None or supplier is None:
            continue
        found.append(
            {
                "kind": "single_source",
                "segment": item.segment,
                "enterprise": buyer,
                "supplier": supplier,
                "reasons": [
                    Reason(
                        "single_source",
                        {"buyer": buyer.name, "supplier": supplier.name, "segment": item.segment},
                    )
                ],
            }
        )
    for view in segments:
        if view.supplier_hhi is not None and view.supplier_hhi >= settings.concentrated_hhi:
            found.append(
                {
                    "kind": "concentration",
                    "segment": view.code,
                    "hhi": view.supplier_hhi,
                    "reasons": [
                        Reason(
                            "concentrated",
                            {"segment": view.code, "hhi": view.supplier_hhi,
                             "min": settings.concentrated_hhi,
                             "suppliers": facts.segments[view.code].suppliers},
                        )
                    ],
                }
            )  # fmt: skip
    for view in segments:
        if view.local_sourcing_share is not None and view.local_sourcing_share < 0.5:
            found.append(
                {
                    "kind": "local_sourcing",
                    "segment": view.code,
                    "share": view.local_sourcing_share,
                    "reasons": [
                        Reason(
                            "low_local_sourcing",
                            {"segment": view.code, "share": view.local_sourcing_share},
                        )
                    ],
                }
            )
    for item in facts.sole_local_suppliers:
        supplier = facts.firms.get(item.supplier_id)
        if supplier is None:
            continue
        examples = [
            (facts.firms[buyer].name, segment)
            for buyer, segment in item.examples
            if buyer in facts.firms
        ]
        found.append(
            {
                "kind": "cut_point",
                "enterprise": supplier,
                "buyers": item.buyers,
                "examples": [{"buyer": name, "segment": code} for name, code in examples],
                "reasons": [
                    Reason(
                        "cut_point",
                        {"supplier": supplier.name, "buyers": item.buyers,
                         "examples": examples[:3]},
                    )
                ],
            }
        )  # fmt: skip
    return found


def recommendations(
    segments: list[SegmentView], facts: ChainFacts, settings: ChainSettings, graph: "nx.DiGraph"
) -> list[dict]:
    """补链、强链、延链: the gap and weak segments, ranked, each with its ranked targets.

    - action: `strengthen` (强链) for a weak segment; `fill` (补链) for a gap segment local
      buyers need (it has local demand); `extend` (延链) for a gap segment without local
      demand next to a strong segment; other gap segments are `fill` with no demand.
    - relatedness: the supply-flow neighbours' coverage (strong 1, weak ½, gap 0), averaged;
      the flow adjacency stands in for product-space proximity.
    - priority = importance_weight × importance + relatedness_weight × relatedness.
    - Order: priority, then segment code (the stated tie rule).
    Targets: outside enterprises in the segment, scored by `score_target`."""
    by_code = {view.code: view for view in segments}
    wanted = [view for view in segments if view.coverage in (GAP, WEAK)]
    result = []
    for view in wanted:
        neighbours = set(graph.predecessors(view.code)) | set(graph.successors(view.code))
        relatedness = (
            sum(COVERAGE_PRESENCE[by_code[code].coverage] for code in neighbours) / len(neighbours)
            if neighbours
            else 0.0
        )
        strong_neighbours = sorted(code for code in neighbours if by_code[code].coverage == STRONG)
        if view.coverage == WEAK:
            action = "strengthen"
        elif view.importance > 0 or not strong_neighbours:
            action = "fill"
        else:
            action = "extend"
        priority = (
            settings.importance_weight * view.importance + settings.relatedness_weight * relatedness
        )
        reasons = [
            Reason(f"action_{action}"),
            Reason("importance", {"value": view.importance}),
            Reason(
                "relatedness",
                {"value": relatedness, "strong": len(strong_neighbours),
                 "neighbours": len(neighbours)},
            ),
        ]  # fmt: skip
        result.append(
            {
                "segment": view.code,
                "name": view.name,
                "coverage": view.coverage,
                "action": action,
                "importance": view.importance,
                "relatedness": relatedness,
                "priority": priority,
                "reasons": reasons,
            }
        )
    result.sort(key=lambda item: (-round(item["priority"], 9), item["segment"]))
    top_priority = max((item["priority"] for item in result), default=0) or 1
    by_segment: dict[str, list[Firm]] = {}
    for firm_id in facts.targets:
        firm = facts.firms.get(firm_id)
        for code in firm.segments if firm else ():
            by_segment.setdefault(code, []).append(firm)
    for rank, item in enumerate(result, start=1):
        item["rank"] = rank
        gap_weight = item["priority"] / top_priority
        # The segments it supplies where a local 链主 works: the same for all its targets.
        leader_segments = tuple(sorted(
            code for code in graph.successors(item["segment"])
            if facts.segments[code].local_chain_leaders
        ))  # fmt: skip
        scored = [
            score_target(firm, facts, settings, gap_weight, leader_segments)
            for firm in by_segment.get(item["segment"], [])
        ]
        scored.sort(key=target_order)
        item["targets"] = scored[: settings.targets_per_segment]
        item["target_count"] = len(scored)
    return result


@cache
def _log_full(output_wan: float) -> float:
    return math.log10(1 + output_wan)


def target_order(target: dict) -> tuple:
    """Highest score first; on equal scores (to 4 decimals) the larger output, then the lower
    enterprise id."""
    return (-round(target["score"], 4), -(target["enterprise"].output_wan or 0),
            target["enterprise"].id)  # fmt: skip


def score_target(
    firm: Firm,
    facts: ChainFacts,
    settings: ChainSettings,
    gap_weight: float,
    leader_segments: tuple[str, ...],
) -> dict:
    """A target's score, Σ weight × part, each part in 0–1:
    - gap: the segment's priority relative to the top recommended segment;
    - capability: log10(1 + output) / log10(1 + capability_full_output_wan), at most 1;
    - leader relation: 1 if it already supplies a local 链主, ½ if its segment flows into a
      segment where a local 链主 works, else 0;
    - fit: the mean of its safety and environmental ratings' fit (A 1, B 0.7, C 0.3, D 0,
      unknown ½), the entry thresholds."""
    output = firm.output_wan or 0
    capability = min(1.0, math.log10(1 + output) / _log_full(settings.capability_full_output_wan))
    target = facts.targets[firm.id]
    if target.supplies_local_leader:
        relation, relation_reason = 1.0, Reason("supplies_local_leader")
    elif leader_segments:
        relation, relation_reason = (
            0.5,
            Reason("feeds_leader_segment", {"segments": "、".join(leader_segments)}),
        )
    else:
        relation, relation_reason = 0.0, Reason("no_leader_relation")
    ratings = (firm.safety_rating, firm.environment_rating)
    fit = sum(RATING_FIT.get(rating, UNKNOWN_RATING_FIT) for rating in ratings) / 2
    parts = [
        ("gap", settings.score_gap_weight, gap_weight,
         Reason("part_gap", {"value": gap_weight})),
        ("capability", settings.score_capability_weight, capability,
         Reason("part_capability", {"output": output})),
        ("leader_relation", settings.score_leader_relation_weight, relation, relation_reason),
        ("fit", settings.score_fit_weight, fit,
         Reason("part_fit", {"safety": ratings[0] or "-", "environment": ratings[1] or "-"})),
    ]  # fmt: skip
    return {
        "enterprise": firm,
        "score": sum(weight * value for _, weight, value, _ in parts),
        "parts": [
            {"name": name, "weight": weight, "value": value, "reason": reason}
            for name, weight, value, reason in parts
        ],
        "local_customers": target.local_customers,
    }
