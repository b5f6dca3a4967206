"""annual targets for every indicator of the rhythm's reports, and their imports

Revision ID: 9c3e5d7a1f42
Revises: 6d1f0c2e8a47
Create Date: 2026-11-28 10:45:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = "9c3e5d7a1f42"
down_revision = "6d1f0c2e8a47"
branch_labels = None
depends_on = None

BEFORE = (
    "signed_count",
    "signed_amount_wan",
    "funds_in_place_wan",
    "projects_started",
    "projects_in_statistics",
)
AFTER = BEFORE + (
    "projects_completed",
    "projects_over_100m",
    "projects_over_1b",
    "investment_completed_wan",
    "landing_rate",
    "starting_rate",
    "in_statistics_rate",
)


def _indicators(keys):
    # The vocabulary's CHECK constraint, which autogenerate does not compare.
    listed = ", ".join(f"'{key}'" for key in keys)
    with op.batch_alter_table("targets", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_targets_target_indicator"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_targets_target_indicator"), f"indicator IN ({listed})"
        )


IMPORTS_BEFORE = ("enterprises", "leads", "projects", "demo", "supply_links")
IMPORTS_AFTER = IMPORTS_BEFORE + ("targets",)


def _import_kinds(kinds):
    listed = ", ".join(f"'{kind}'" for kind in kinds)
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_import_batches_import_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_import_batches_import_kind"), f"kind IN ({listed})")


def upgrade():
    _indicators(AFTER)
    _import_kinds(IMPORTS_AFTER)


def downgrade():
    op.execute("DELETE FROM import_batches WHERE kind = 'targets'")
    _import_kinds(IMPORTS_BEFORE)
    listed = ", ".join(f"'{key}'" for key in AFTER[len(BEFORE):])
    op.execute(f"DELETE FROM targets WHERE indicator IN ({listed})")
    _indicators(BEFORE)
