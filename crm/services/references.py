"""Reference data the pages offer as choices: districts, parks, and chain segments by category."""

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from crm.models import ChainSegment, District, Park


def district_choices(session: Session) -> list[tuple[str, str, str | None]]:
    """(code, name, English name), county-level districts before functional zones."""
    return session.execute(
        select(District.code, District.name, District.name_en).order_by(
            District.kind, District.code
        )
    ).all()


def park_choices(session: Session) -> list[tuple[int, str]]:
    return session.execute(select(Park.id, Park.name).order_by(Park.name)).all()


def segment_groups(session: Session, english: bool = False) -> list[tuple[str, list]]:
    """Segments under their categories, named in Chinese or English (where the chain has it):
    [(category, [(code, segment)])]."""
    category = aliased(ChainSegment)
    rows = session.execute(
        select(
            category.name,
            category.name_en,
            ChainSegment.code,
            ChainSegment.name,
            ChainSegment.name_en,
        )
        .join(category, category.id == ChainSegment.parent_id)
        .where(ChainSegment.level == "segment")
        .order_by(category.code, ChainSegment.code)
    ).all()
    groups: dict[str, list[tuple[str, str]]] = {}
    for group, group_en, code, name, name_en in rows:
        shown_group = (group_en or group) if english else group
        groups.setdefault(shown_group, []).append((code, (name_en or name) if english else name))
    return list(groups.items())
