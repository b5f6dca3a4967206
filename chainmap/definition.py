"""Chain definitions: load and validate a chain's tiers, categories, segments and supply flows."""

import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import networkx as nx

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "data" / "chains"
LOCAL_BASE_LEVELS = frozenset({"strong", "present", "gap"})
# A chain key may arrive from a URL, so it is kept to a plain file-name stem.
_CHAIN_KEY = re.compile(r"[a-z0-9][a-z0-9_-]*")


class ChainDefinitionError(ValueError):
    """A chain definition or local-base file that cannot be used as it stands."""


@dataclass(frozen=True)
class Track:
    code: str
    name: str
    name_en: str


@dataclass(frozen=True)
class Tier:
    code: str
    name: str
    name_en: str


@dataclass(frozen=True)
class Category:
    code: str
    tier_code: str
    name: str
    name_en: str


@dataclass(frozen=True)
class Segment:
    code: str
    category_code: str
    tier_code: str
    name: str
    name_en: str
    track: str


@dataclass(frozen=True)
class ChainDefinition:
    key: str
    name: str
    name_en: str
    tracks: tuple[Track, ...]
    tiers: tuple[Tier, ...]
    categories: tuple[Category, ...]
    segments: tuple[Segment, ...]
    flows: tuple[tuple[str, str], ...]  # (supplier segment code, buyer segment code)
    # An industry word an ambassador's network may name (新能源汽车) → the segments it covers.
    industries: dict[str, frozenset[str]] = field(default_factory=dict)

    def segments_under(self, code: str) -> frozenset[str]:
        """The segment codes a track, tier, category or segment code stands for."""
        return frozenset(
            segment.code
            for segment in self.segments
            if code in (segment.code, segment.category_code, segment.tier_code, segment.track)
        )


def load_chain(path: str | Path) -> ChainDefinition:
    """Read and validate one chain definition file."""
    path = Path(path)
    try:
        return _build_chain(_read_toml(path))
    except ChainDefinitionError as error:
        raise ChainDefinitionError(f"{path.name}: {error}") from None


def parse_chain(text: str) -> ChainDefinition:
    """Validate a chain definition given as TOML text (an uploaded file, the stored copy)."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ChainDefinitionError(f"not valid TOML: {error}") from None
    return _build_chain(raw)


def load_chain_by_key(key: str, directory: str | Path = DEFAULT_DIR) -> ChainDefinition:
    """Load the chain stored as ``<key>.toml``; FileNotFoundError if there is none."""
    if not _CHAIN_KEY.fullmatch(key):
        raise ChainDefinitionError(f"invalid chain key {key!r}")
    definition = load_chain(Path(directory) / f"{key}.toml")
    if definition.key != key:
        raise ChainDefinitionError(f"{key}.toml defines chain {definition.key!r}, not {key!r}")
    return definition


def load_local_base(path: str | Path) -> dict[str, str]:
    """Read a local-base file: segment code → "strong" | "present" | "gap"."""
    path = Path(path)
    try:
        base = _table(_read_toml(path), "local_base")
        for code, level in base.items():
            if not isinstance(level, str) or level not in LOCAL_BASE_LEVELS:
                expected = ", ".join(sorted(LOCAL_BASE_LEVELS))
                raise ChainDefinitionError(f"segment {code}: {level!r} is not one of {expected}")
    except ChainDefinitionError as error:
        raise ChainDefinitionError(f"{path.name}: {error}") from None
    return dict(base)


def segment_graph(definition: ChainDefinition) -> "nx.DiGraph":
    """One node per segment and one edge per supply flow, pointing from supplier to buyer."""
    import networkx as nx  # here: commands that only read chain files need not load it

    graph = nx.DiGraph(chain=definition.key)
    for segment in definition.segments:
        graph.add_node(
            segment.code,
            name=segment.name,
            name_en=segment.name_en,
            tier=segment.tier_code,
            category=segment.category_code,
            track=segment.track,
        )
    graph.add_edges_from(definition.flows)
    return graph


def _build_chain(raw: dict) -> ChainDefinition:
    key, name, name_en = _strings(raw, "chain", "key", "name", "name_en")
    tracks = tuple(
        Track(code, *_strings(entry, f"track {code}", "name", "name_en"))
        for code, entry in _table(raw, "tracks").items()
    )
    tiers = tuple(
        Tier(*_strings(entry, "tier", "code", "name", "name_en")) for entry in _array(raw, "tiers")
    )
    categories = tuple(
        Category(*_strings(entry, "category", "code", "tier", "name", "name_en"))
        for entry in _array(raw, "categories")
    )
    tier_codes = {tier.code for tier in tiers}
    for category in categories:
        if category.tier_code not in tier_codes:
            raise ChainDefinitionError(
                f"category {category.code} names unknown tier {category.tier_code}"
            )

    categories_by_code = {category.code: category for category in categories}
    track_codes = {track.code for track in tracks}
    segments = []
    for entry in _array(raw, "segments"):
        code, category_code, seg_name, seg_name_en, track = _strings(
            entry, "segment", "code", "category", "name", "name_en", "track"
        )
        if category_code not in categories_by_code:
            raise ChainDefinitionError(f"segment {code} names unknown category {category_code}")
        if track not in track_codes:
            raise ChainDefinitionError(f"segment {code} names unknown track {track}")
        tier_code = categories_by_code[category_code].tier_code
        segments.append(Segment(code, category_code, tier_code, seg_name, seg_name_en, track))

    # Tiers, categories and segments share one code space: a ChainSegment row is any of them.
    seen = set()
    for item in (*tiers, *categories, *segments):
        if item.code in seen:
            raise ChainDefinitionError(f"code {item.code} appears more than once")
        seen.add(item.code)

    if not _CHAIN_KEY.fullmatch(key):
        raise ChainDefinitionError(f"chain key {key!r} must be lower-case letters, digits, - or _")
    definition = ChainDefinition(
        key=key,
        name=name,
        name_en=name_en,
        tracks=tracks,
        tiers=tiers,
        categories=categories,
        segments=tuple(segments),
        flows=_flows(_table(raw, "flows"), {segment.code for segment in segments}),
    )
    industries = {}
    for word, codes in _table(raw, "industries", optional=True).items():
        if not isinstance(codes, list) or not all(isinstance(code, str) for code in codes):
            raise ChainDefinitionError(f"industry {word}: must be a list of codes")
        covered = frozenset().union(*(definition.segments_under(code) for code in codes))
        unknown = [code for code in codes if not definition.segments_under(code)]
        if unknown:
            raise ChainDefinitionError(f"industry {word} names unknown code {unknown[0]}")
        industries[word] = covered
    return replace(definition, industries=industries)


def _flows(table: dict, segment_codes: set[str]) -> tuple[tuple[str, str], ...]:
    flows: dict[tuple[str, str], None] = {}  # a dict keeps the file's order and finds repeats
    for supplier, buyers in table.items():
        if not isinstance(buyers, list) or not all(isinstance(buyer, str) for buyer in buyers):
            raise ChainDefinitionError(f"flows of {supplier} must be a list of segment codes")
        for buyer in buyers:
            for code in (supplier, buyer):
                if code not in segment_codes:
                    raise ChainDefinitionError(
                        f"flow {supplier} → {buyer} names unknown segment {code}"
                    )
            if supplier == buyer:
                raise ChainDefinitionError(f"flow {supplier} → {buyer} is a self-loop")
            if (supplier, buyer) in flows:
                raise ChainDefinitionError(f"flow {supplier} → {buyer} appears more than once")
            flows[supplier, buyer] = None
    return tuple(flows)


def _read_toml(path: Path) -> dict:
    try:
        with path.open("rb") as file:
            return tomllib.load(file)
    except tomllib.TOMLDecodeError as error:
        raise ChainDefinitionError(f"not valid TOML: {error}") from None


def _table(raw: dict, name: str, optional: bool = False) -> dict:
    table = raw.get(name, {} if optional else None)
    if not isinstance(table, dict):
        raise ChainDefinitionError(f"{name!r} must be a table")
    return table


def _array(raw: dict, name: str) -> list[dict]:
    entries = raw.get(name)
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        raise ChainDefinitionError(f"{name!r} must be an array of tables")
    return entries


def _strings(entry: object, kind: str, *fields: str) -> tuple[str, ...]:
    """The named fields of one entry, which must all be non-empty strings."""
    if not isinstance(entry, dict):
        raise ChainDefinitionError(f"{kind} must be a table")
    where = f"{kind} {entry['code']}" if isinstance(entry.get("code"), str) else kind
    values = tuple(entry.get(name) for name in fields)
    for name, value in zip(fields, values, strict=True):
        if not isinstance(value, str) or not value.strip():
            raise ChainDefinitionError(f"{where}: {name!r} must be a non-empty string")
    return values
