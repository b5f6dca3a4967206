"""Removing the demo city: every row marked is_demo, and what hangs from those rows."""

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from crm import models

# Children first; the rest (milestones, progress, activities, links, years …) cascade in the
# database from these.
DEMO_TABLES = (
    models.Referral,
    models.TalentReferral,
    models.Target,
    models.RewardRule,
    models.Project,
    models.Lead,
    models.Enterprise,
    models.Event,
    models.User,
    models.Park,
)


def purge_demo(session: Session) -> int:
    """Delete the demo rows; returns how many top-level rows went."""
    removed = 0
    for model in DEMO_TABLES:
        removed += session.execute(delete(model).where(model.is_demo)).rowcount
    # Units form a tree whose parents are kept by RESTRICT: cut the links, then delete.
    demo_units = select(models.Unit.id).where(models.Unit.is_demo)
    session.execute(
        update(models.Unit).where(models.Unit.id.in_(demo_units)).values(parent_id=None)
    )
    removed += session.execute(delete(models.Unit).where(models.Unit.is_demo)).rowcount
    session.execute(delete(models.ImportBatch).where(models.ImportBatch.kind == "demo"))
    return removed
