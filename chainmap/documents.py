"""The JSON documents of the chain API: the analysis, introduction paths and what-if, with every
reason in words (chainmap.wording) and money as decimal strings in 万元, as the API does."""

from chainmap.analysis import Analysis, Reason, SegmentView
from chainmap.definition import ChainDefinition
from chainmap.facts import Firm
from chainmap.wording import Wording


def _money(value: float | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _ratio(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def firm_json(firm: Firm) -> dict:
    return {
        "id": firm.id,
        "name": firm.name,
        "is_local": firm.is_local,
        "is_chain_leader": firm.is_chain_leader,
        "is_leading": firm.is_leading,
        "output_wan": _money(firm.output_wan),
        "segments": list(firm.segments),
    }


def _convert(value, say: Wording):
    """Firms, reasons and nested lists and dicts of an analysis entry, made JSON."""
    if isinstance(value, Firm):
        return firm_json(value)
    if isinstance(value, Reason):
        return say(value)
    if isinstance(value, dict):
        return {key: _convert(item, say) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_convert(item, say) for item in value]
    if isinstance(value, float):
        return round(value, 4)
    return value


def _segment_json(view: SegmentView, say: Wording) -> dict:
    return {
        "code": view.code,
        "name": say.segment(view.code),
        "tier": view.tier,
        "category": view.category,
        "track": view.track,
        "coverage": view.coverage,
        "local_enterprises": view.local_enterprises,
        "outside_enterprises": view.outside_enterprises,
        "local_output_wan": _money(view.local_output_wan),
        "local_tax_wan": _money(view.local_tax_wan),
        "local_chain_leaders": view.local_chain_leaders,
        "local_leading": view.local_leading,
        "largest_local": [firm_json(firm) for firm in view.largest_local],
        "local_sourcing_share": _ratio(view.local_sourcing_share),
        "leaders_local_sourcing_share": _ratio(view.leaders_local_sourcing_share),
        "supplier_hhi": _ratio(view.supplier_hhi),
        "importance": _ratio(view.importance),
        "centrality": _ratio(view.centrality),
        "reasons": [say(reason) for reason in view.reasons],
    }


def analysis_json(analysis: Analysis, definition: ChainDefinition, english: bool) -> dict:
    say = Wording(definition)

    def named(item) -> str:
        return item.name_en if english else item.name

    return {
        "chain": {"key": definition.key, "name": named(definition)},
        "version": analysis.version,
        "tiers": [{"code": tier.code, "name": named(tier)} for tier in definition.tiers],
        "categories": [
            {"code": category.code, "tier": category.tier_code, "name": named(category)}
            for category in definition.categories
        ],
        "flows": [{"supplier": supplier, "buyer": buyer} for supplier, buyer in definition.flows],
        "segments": [_segment_json(view, say) for view in analysis.segments],
        "leaders": _convert(analysis.leaders, say),
        "risks": _convert(analysis.risks, say),
        "risk_totals": analysis.risk_totals,
        "recommendations": [
            {**_convert(item, say), "name": say.segment(item["segment"])}
            for item in analysis.recommendations
        ],
    }


def paths_json(found: dict, definition: ChainDefinition) -> dict:
    say = Wording(definition)
    return {
        "enterprise": firm_json(found["enterprise"]),
        "searched_hops": found["searched_hops"],
        "paths": [
            {
                "hops": path["hops"],
                "strength": round(path["strength"], 4),
                "introducer": path["introducer"],
                "nodes": path["nodes"],
                "steps": [
                    {"evidence": step.evidence, "reason": say(step.reason)}
                    for step in path["steps"]
                ],
            }
            for path in found["paths"]
        ],
    }


def what_if_json(found: dict, definition: ChainDefinition) -> dict:
    say = Wording(definition)
    return {
        "enterprise": firm_json(found["enterprise"]),
        "counts": found["counts"],
        "affected": _convert(found["affected"], say),
    }
