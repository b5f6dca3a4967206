"""Unit scope: staff with a unit see only records owned by that unit or its sub-units."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.models import Unit


def unit_subtree_ids(session: Session, unit_id: int) -> set[int]:
    """The unit and all units below it, by a recursive query."""
    tree = select(Unit.id).where(Unit.id == unit_id).cte("tree", recursive=True)
    tree = tree.union_all(select(Unit.id).where(Unit.parent_id == tree.c.id))
    return set(session.scalars(select(tree.c.id)))


def scoped(statement, model, user, session: Session):
    """Restrict a select of a unit-owned model (owner_unit_id) to the user's scope."""
    if user.role != "staff" or user.unit_id is None:
        return statement
    return statement.where(model.owner_unit_id.in_(unit_subtree_ids(session, user.unit_id)))
