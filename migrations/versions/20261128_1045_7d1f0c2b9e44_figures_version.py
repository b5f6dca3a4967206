"""figures version: the dashboard's cache key for lead and project figures

`figures_version` is one row that triggers bump whenever data the dashboard's lead and project
figures read changes (as chain_data_version does for the chain's data), so every server process
tells in one indexed read whether the figures it keeps are still current: row triggers on
SQLite, statement triggers on PostgreSQL. A later migration that recreates one of the watched
tables on SQLite (a batch "move and copy") drops its triggers and must create them again
(`create_triggers`); tests/crm/test_dashboard_cache.py checks every watched table still bumps.

Revision ID: 7d1f0c2b9e44
Revises: 9c3e5d7a1f42
Create Date: 2026-11-28 10:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7d1f0c2b9e44'
down_revision = '9c3e5d7a1f42'
branch_labels = None
depends_on = None

# table → the columns whose change matters (None: any change); inserts and deletes always do.
WATCHED = {
    'leads': (
        'stage', 'signed_on', 'signed_amount_wan', 'owner_unit_id', 'deleted_at', 'created_at',
    ),
    'projects': (
        'name', 'stage', 'sector', 'district_id', 'owner_unit_id', 'lead_id', 'enterprise_id',
        'total_investment_wan', 'in_statistics', 'in_statistics_on', 'started_on', 'deleted_at',
        'created_at',
    ),
    'stage_changes': None,
    'funds_arrivals': None,
    'lead_segments': None,
    'districts': ('code', 'name', 'name_en'),
}
SQLITE_BUMP = (
    "UPDATE figures_version SET version = version + 1, token = lower(hex(randomblob(8)))"
)
POSTGRES_FUNCTION = """
    CREATE OR REPLACE FUNCTION bump_figures_version() RETURNS trigger AS $$
    BEGIN
        UPDATE figures_version
            SET version = version + 1, token = md5(random()::text || clock_timestamp()::text);
        RETURN NULL;
    END $$ LANGUAGE plpgsql"""


def upgrade():
    op.create_table('figures_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_figures_version'))
    )
    op.execute("INSERT INTO figures_version (id, version, token) VALUES (1, 0, 'initial')")
    create_triggers()


def create_triggers(tables=tuple(WATCHED)):
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if not sqlite:
        op.execute(POSTGRES_FUNCTION)
    for table in tables:
        columns = WATCHED[table]
        update = f"UPDATE OF {', '.join(columns)}" if columns else "UPDATE"
        if sqlite:
            for event in ('INSERT', 'DELETE', update):
                name = f"{table}_figures_version_{event.split()[0].lower()}"
                op.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN {SQLITE_BUMP}; END")
        else:
            op.execute(
                f"CREATE TRIGGER {table}_figures_version AFTER INSERT OR DELETE OR {update} "
                f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION bump_figures_version()"
            )


def drop_triggers():
    sqlite = op.get_bind().dialect.name == 'sqlite'
    for table in WATCHED:
        if sqlite:
            for event in ('insert', 'delete', 'update'):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_figures_version_{event}")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_figures_version ON {table}")
    if not sqlite:
        op.execute("DROP FUNCTION IF EXISTS bump_figures_version()")


def downgrade():
    drop_triggers()
    op.drop_table('figures_version')
