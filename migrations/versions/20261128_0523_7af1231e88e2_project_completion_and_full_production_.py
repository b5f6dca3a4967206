"""Projects: the completion date (竣工) and the figures at full production (达产).

Revision ID: 7af1231e88e2
Revises: 4eef4b9ef5a6
Create Date: 2026-11-28 05:23:17.800973

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "7af1231e88e2"
down_revision = "4eef4b9ef5a6"
branch_labels = None
depends_on = None

FIGURES = ("full_output_wan", "full_tax_wan")


def upgrade():
    # SQLite recreates the table (batch mode) to add the CHECK constraints; projects has no
    # search triggers, so nothing else needs making again.
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.add_column(sa.Column("completed_on", sa.Date(), nullable=True))
        for column in FIGURES:
            batch_op.add_column(sa.Column(column, sa.Numeric(precision=18, scale=4), nullable=True))
            batch_op.create_check_constraint(
                op.f(f"ck_projects_{column}_non_negative"), f"{column} >= 0"
            )


def downgrade():
    with op.batch_alter_table("projects", schema=None) as batch_op:
        for column in reversed(FIGURES):
            batch_op.drop_constraint(op.f(f"ck_projects_{column}_non_negative"), type_="check")
            batch_op.drop_column(column)
        batch_op.drop_column("completed_on")
