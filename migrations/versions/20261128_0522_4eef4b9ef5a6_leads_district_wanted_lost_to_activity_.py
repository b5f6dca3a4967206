"""leads: district wanted, lost to, activity follow-up

Revision ID: 4eef4b9ef5a6
Revises: 3190b35f042f
Create Date: 2026-11-28 05:22:52.692483

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "4eef4b9ef5a6"
down_revision = "3190b35f042f"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("follow_up", sa.String(length=500), nullable=True))

    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lost_to", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("district_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_leads_district_id"), ["district_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_leads_district_id_districts"),
            "districts",
            ["district_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_leads_district_id_districts"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_leads_district_id"))
        batch_op.drop_column("district_id")
        batch_op.drop_column("lost_to")

    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_column("follow_up")
