"""A chain definition's tiers, categories and segments as ChainSegment rows."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from chainmap.definition import ChainDefinition
from crm.models import ChainSegment


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
