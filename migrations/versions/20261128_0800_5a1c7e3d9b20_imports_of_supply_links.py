"""import batches may be of supply links

Revision ID: 5a1c7e3d9b20
Revises: 5ca7adfd0561
Create Date: 2026-11-28 07:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = "5a1c7e3d9b20"
down_revision = "5ca7adfd0561"
branch_labels = None
depends_on = None

KINDS_BEFORE = ("enterprises", "leads", "projects", "demo")
KINDS_AFTER = KINDS_BEFORE + ("supply_links",)


def _import_kinds(kinds):
    # The vocabulary's CHECK constraint, which autogenerate does not compare.
    listed = ", ".join(f"'{kind}'" for kind in kinds)
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_import_batches_import_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_import_batches_import_kind"), f"kind IN ({listed})")


def upgrade():
    _import_kinds(KINDS_AFTER)


def downgrade():
    op.execute("DELETE FROM import_batches WHERE kind = 'supply_links'")
    _import_kinds(KINDS_BEFORE)
