"""Whose networks reach an enterprise: an ambassador covers a firm when one of the ambassador's
regions holds it (data/regions.toml: division-code prefixes, or tags such as 外资 for 海外) and
one of the ambassador's segments, or industries (the chain's [industries] words), is one of its
segments. Both must hold: knowing a region, or a trade, alone is not an introduction."""

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from chainmap.definition import ChainDefinition
from chainmap.facts import AmbassadorNetwork, Firm
from crm.services.ambassadors import REGIONS_FILE


@dataclass(frozen=True)
class Region:
    name: str
    divisions: tuple[str, ...] = ()
    tags: frozenset[str] = frozenset()

    def holds(self, firm: Firm) -> bool:
        in_division = firm.division is not None and firm.division.startswith(self.divisions)
        return in_division or bool(self.tags & firm.tags)


@dataclass(frozen=True)
class Coverage:
    """Why an ambassador's network covers a firm."""

    ambassador: AmbassadorNetwork
    region: str
    segment: str
    through: str  # the industry word or segment code the ambassador declared


@cache
def regions(path: Path = REGIONS_FILE) -> dict[str, Region]:
    with path.open("rb") as file:
        raw = tomllib.load(file)
    return {
        name: Region(name, tuple(entry.get("divisions", ())), frozenset(entry.get("tags", ())))
        for name, entry in raw.get("regions", {}).items()
    }


def covered_segments(network: AmbassadorNetwork, definition: ChainDefinition) -> dict[str, str]:
    """segment code → what the ambassador declared that reaches it (a segment or an industry)."""
    reached = {code: code for code in network.segments}
    for word in network.industries:
        for code in definition.industries.get(word, ()):
            reached.setdefault(code, word)
    return reached


def coverage(
    network: AmbassadorNetwork,
    firm: Firm,
    definition: ChainDefinition,
    known_regions: dict[str, Region] | None = None,
) -> Coverage | None:
    known_regions = regions() if known_regions is None else known_regions
    region = next(
        (
            name
            for name in network.regions
            if name in known_regions and known_regions[name].holds(firm)
        ),
        None,
    )
    if region is None:
        return None
    reached = covered_segments(network, definition)
    segment = next((code for code in firm.segments if code in reached), None)
    if segment is None:
        return None
    return Coverage(network, region, segment, reached[segment])
