"""The thresholds and weights of the chain analyses. Defaults here; an operator overrides any
of them in the instance configuration as CHAIN_ANALYSIS = {"strong_min_enterprises": 8, ...}."""

from dataclasses import dataclass, fields, replace


class ChainSettingsError(ValueError):
    """A CHAIN_ANALYSIS setting that is unknown or of the wrong kind."""


@dataclass(frozen=True)
class ChainSettings:
    # Coverage of a segment: `gap` with no local enterprise; `strong` with at least this many
    # local enterprises and this much local output (万元); `weak` otherwise.
    strong_min_enterprises: int = 5
    strong_min_output_wan: float = 50_000.0
    # A supply link whose share of the buyer's purchases is unknown weighs this much.
    unknown_share: float = 0.2
    # 链主: a local firm with at least this many local suppliers, organising the chain.
    leader_min_local_suppliers: int = 50
    # 龙头: a local firm with at least this output (万元) that is among the largest of a segment.
    leading_min_output_wan: float = 20_000.0
    leading_top_per_segment: int = 3
    # A large firm is "weakly linked" with fewer local suppliers than this.
    weakly_linked_below: int = 3
    # Supplier concentration (HHI, 0–1) from which a segment's supply is called concentrated.
    concentrated_hhi: float = 0.25
    # Recommendations: a segment's priority mixes importance and relatedness with these weights.
    importance_weight: float = 0.6
    relatedness_weight: float = 0.4
    # A target's score: the weights of its four parts (they sum to 1).
    score_gap_weight: float = 0.35
    score_capability_weight: float = 0.3
    score_leader_relation_weight: float = 0.2
    score_fit_weight: float = 0.15
    # Output (万元) at which capability counts in full (on a log scale): 100亿.
    capability_full_output_wan: float = 1_000_000.0
    targets_per_segment: int = 10
    # Introduction paths: at most this many hops, this many paths, and the strength of a hop
    # through an ambassador's network (a supply link's is its share).
    path_max_hops: int = 3
    paths_shown: int = 5
    ambassador_hop_strength: float = 0.5
    # Bounded searches: at most this many enterprises are expanded per hop or level.
    search_frontier_limit: int = 2_000
    # Lists in the analysis document: the longest each may be.
    listed_risks: int = 50
    listed_leaders: int = 20

    @classmethod
    def from_config(cls, overrides: dict | None) -> "ChainSettings":
        settings = cls()
        if not overrides:
            return settings
        known = {field.name: field.type for field in fields(cls)}
        for name, value in overrides.items():
            if name not in known:
                raise ChainSettingsError(f"CHAIN_ANALYSIS: unknown setting {name!r}")
            if not isinstance(value, int | float) or isinstance(value, bool):
                raise ChainSettingsError(f"CHAIN_ANALYSIS[{name!r}] must be a number")
        return replace(settings, **overrides)
