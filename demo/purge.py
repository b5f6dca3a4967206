"""Removing the demo city: every row marked is_demo, and what hangs from those rows."""

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm import models
from demo.seed import DemoError

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


def _demo_ids(model):
    return select(model.id).where(model.is_demo)


def real_rows_using_demo(session: Session) -> dict[str, int]:
    """Real (non-demo) records that point at demo records, which a purge would break."""
    user, lead, project = models.User, models.Lead, models.Project
    checks = {
        "用户属于示例单位 / users in demo units": (user, user.unit_id.in_(_demo_ids(models.Unit))),
        "线索关联示例企业或单位 / leads on demo enterprises or units": (
            lead,
            lead.enterprise_id.in_(_demo_ids(models.Enterprise))
            | lead.owner_unit_id.in_(_demo_ids(models.Unit)),
        ),
        "项目关联示例企业、单位或领导 / projects on demo enterprises, units or leaders": (
            project,
            project.enterprise_id.in_(_demo_ids(models.Enterprise))
            | project.owner_unit_id.in_(_demo_ids(models.Unit))
            | project.leader_id.in_(_demo_ids(models.User)),
        ),
    }
    found = {}
    for label, (model, condition) in checks.items():
        count = session.scalar(
            select(func.count()).select_from(model).where(~model.is_demo, condition)
        )
        if count:
            found[label] = count
    return found


def purge_demo(session: Session) -> int:
    """Delete the demo rows; returns how many top-level rows went. Refuses, changing nothing,
    when real records depend on demo ones."""
    dependants = real_rows_using_demo(session)
    if dependants:
        listed = "; ".join(f"{label}: {count}" for label, count in dependants.items())
        raise DemoError(
            f"真实数据引用了示例数据，未删除任何记录 / real records use demo ones: {listed}"
        )
    removed = 0
    try:
        with session.begin_nested():
            for model in DEMO_TABLES:
                removed += session.execute(delete(model).where(model.is_demo)).rowcount
            # Units form a tree whose parents are kept by RESTRICT: cut the links, then delete.
            session.execute(
                update(models.Unit)
                .where(models.Unit.id.in_(_demo_ids(models.Unit)))
                .values(parent_id=None)
            )
            removed += session.execute(delete(models.Unit).where(models.Unit.is_demo)).rowcount
            session.execute(delete(models.ImportBatch).where(models.ImportBatch.kind == "demo"))
    except IntegrityError as error:
        raise DemoError(
            f"真实数据引用了示例数据，未删除任何记录 / real records use demo ones: {error.orig}"
        ) from error
    return removed
