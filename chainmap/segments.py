"""A chain definition in the database: its Chain row (names and the TOML text, which holds the
flows) and its tiers, categories and segments as ChainSegment rows; inserted for the demo city,
and kept in step with a file by `flask --app app load-chain FILE` and the chains admin page."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from chainmap.definition import ChainDefinition, ChainDefinitionError, parse_chain
from crm.models import (
    Chain,
    ChainSegment,
    Enterprise,
    Lead,
    SupplyLink,
    enterprise_segments,
    lead_segments,
)
from crm.models.base import utcnow


def stored_chains(session: Session) -> list[Chain]:
    return list(session.scalars(select(Chain).order_by(Chain.id)))


def stored_definition(session: Session, key: str) -> ChainDefinition | None:
    """The definition the chain was last loaded with; None for a chain never loaded."""
    text = session.scalar(select(Chain.definition).where(Chain.key == key))
    return parse_chain(text) if text is not None else None


def store_definition(session: Session, definition: ChainDefinition, text: str) -> Chain:
    """Keep the file a chain was loaded from (its flows and industry words live there)."""
    chain = session.scalar(select(Chain).where(Chain.key == definition.key))
    if chain is None:
        chain = Chain(key=definition.key)
        session.add(chain)
    chain.name, chain.name_en, chain.definition = definition.name, definition.name_en, text
    chain.loaded_at = utcnow()
    return chain


def load_chain_segments(session: Session, definition: ChainDefinition) -> dict[str, ChainSegment]:
    """Insert what the database lacks of the chain's tree; idempotent. Returns rows by code."""
    rows = {
        segment.code: segment
        for segment in session.scalars(
            select(ChainSegment).where(ChainSegment.chain_key == definition.key)
        )
    }

    def ensure(code, name, name_en, level, parent_code=None, track=None):
        if code not in rows:
            rows[code] = ChainSegment(
                chain_key=definition.key,
                code=code,
                name=name,
                name_en=name_en,
                level=level,
                parent=rows.get(parent_code),
                track=track,
            )
            session.add(rows[code])

    for tier in definition.tiers:
        ensure(tier.code, tier.name, tier.name_en, "tier")
    for category in definition.categories:
        ensure(category.code, category.name, category.name_en, "category", category.tier_code)
    for segment in definition.segments:
        ensure(
            segment.code,
            segment.name,
            segment.name_en,
            "segment",
            segment.category_code,
            segment.track,
        )
    session.flush()
    return rows


@dataclass(frozen=True)
class ChainSync:
    """What loading a chain file changed."""

    added: tuple[str, ...]
    changed: tuple[str, ...]  # renamed, moved to another parent, or another track
    removed: tuple[str, ...]


class ChainInUse(ValueError):
    """Nodes the file drops are still used by records; `users` names them per code."""

    def __init__(self, users: dict[str, list[str]]):
        super().__init__(users)
        self.users = users


def sync_chain(session: Session, text: str) -> tuple[ChainDefinition, ChainSync]:
    """Load the chain TOML `text` (ChainDefinitionError when it is wrong): store it, and make
    the database's tree of the chain what it says: add new nodes, update names, parents and
    tracks, and remove nodes the file no longer has. A removed node still used by an
    enterprise, a lead or a supply link refuses the whole load (ChainInUse names the users), so
    no record silently loses its segment."""
    definition = parse_chain(text)
    _refuse_codes_of_other_chains(session, definition)
    rows = {
        row.code: row
        for row in session.scalars(
            select(ChainSegment).where(ChainSegment.chain_key == definition.key)
        )
    }
    wanted = _wanted_nodes(definition)
    dropped = [rows[code] for code in rows if code not in wanted]
    users = _users_of(session, [row.id for row in dropped])
    if users:
        codes = {row.id: row.code for row in dropped}
        raise ChainInUse({codes[row_id]: names for row_id, names in users.items()})
    added = [code for code in wanted if code not in rows]
    load_chain_segments(session, definition)  # inserts the new ones, parents first
    rows = {
        row.code: row
        for row in session.scalars(
            select(ChainSegment).where(ChainSegment.chain_key == definition.key)
        )
    }
    changed = []
    for code, (name, name_en, level, parent_code, track) in wanted.items():
        row = rows[code]
        parent_id = rows[parent_code].id if parent_code else None
        now = (row.name, row.name_en, row.level, row.parent_id, row.track)
        if code not in added and now != (name, name_en, level, parent_id, track):
            row.name, row.name_en, row.level, row.parent_id, row.track = (
                name, name_en, level, parent_id, track,
            )  # fmt: skip
            changed.append(code)
    # Children first: a category goes after its segments.
    for row in sorted(dropped, key=lambda row: ("segment", "category", "tier").index(row.level)):
        session.delete(row)
        session.flush()
    store_definition(session, definition, text)
    session.flush()
    return definition, ChainSync(tuple(added), tuple(changed), tuple(row.code for row in dropped))


def _refuse_codes_of_other_chains(session: Session, definition: ChainDefinition) -> None:
    """Codes are unique across chains, so a bare code (M501) names one segment in every API,
    import and filter: a file reusing another chain's code is refused."""
    taken = session.execute(
        select(ChainSegment.code, ChainSegment.chain_key)
        .where(
            ChainSegment.chain_key != definition.key,
            ChainSegment.code.in_(list(_wanted_nodes(definition))),
        )
        .order_by(ChainSegment.code)
    ).all()
    if taken:
        listed = ", ".join(f"{code} ({key})" for code, key in taken[:10])
        raise ChainDefinitionError(f"codes already used by another chain: {listed}")


def _wanted_nodes(definition: ChainDefinition) -> dict[str, tuple]:
    """code → (name, English name, level, parent code, track), as the file has them."""
    nodes = {tier.code: (tier.name, tier.name_en, "tier", None, None) for tier in definition.tiers}
    for category in definition.categories:
        nodes[category.code] = (
            category.name, category.name_en, "category", category.tier_code, None,
        )  # fmt: skip
    for segment in definition.segments:
        nodes[segment.code] = (
            segment.name, segment.name_en, "segment", segment.category_code, segment.track,
        )  # fmt: skip
    return nodes


def _users_of(session: Session, segment_ids: list[int], shown: int = 5) -> dict[int, list[str]]:
    """For each node, the names of up to `shown` records that use it."""
    if not segment_ids:
        return {}
    users: dict[int, list[str]] = {}
    queries = (
        select(enterprise_segments.c.segment_id, Enterprise.name)
        .join(Enterprise, Enterprise.id == enterprise_segments.c.enterprise_id)
        .where(enterprise_segments.c.segment_id.in_(segment_ids)),
        select(lead_segments.c.segment_id, Lead.name)
        .join(Lead, Lead.id == lead_segments.c.lead_id)
        .where(lead_segments.c.segment_id.in_(segment_ids)),
        select(SupplyLink.segment_id, Enterprise.name)
        .join(Enterprise, Enterprise.id == SupplyLink.supplier_id)
        .where(SupplyLink.segment_id.in_(segment_ids)),
        select(ChainSegment.parent_id, ChainSegment.code).where(
            ChainSegment.parent_id.in_(segment_ids) & ChainSegment.id.not_in(segment_ids)
        ),
    )
    for query in queries:
        for segment_id, name in session.execute(query.limit(1000)):
            names = users.setdefault(segment_id, [])
            if name not in names and len(names) < shown:
                names.append(name)
    return users
