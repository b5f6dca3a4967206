"""enterprise search

Revision ID: 7b35298732f7
Revises: abd5f7929208
Create Date: 2026-11-28 03:00:00.000000

search_text and search_grams on enterprises, filled for the rows already there, and their index:
an external-content FTS5 table kept in step by triggers on SQLite, a GIN index on PostgreSQL.
A later migration that recreates enterprises on SQLite (a batch "move and copy") drops these
triggers with the old table and must create them again.
"""
import string

from alembic import op
import sqlalchemy as sa

# The writers' own function, so existing rows get exactly what a new write would store.
from crm.services.search import search_columns


# revision identifiers, used by Alembic.
revision = '7b35298732f7'
down_revision = 'abd5f7929208'
branch_labels = None
depends_on = None

BATCH = 5000
FTS_TABLE = 'enterprise_search'
# ascii keeps every non-ASCII character as it is and, with all ASCII punctuation as token
# characters, splits only at spaces and control characters: each gram is one token, as typed.
TOKENIZE = "ascii tokenchars '" + string.punctuation.replace("'", "''") + "'"

enterprises = sa.table(
    'enterprises',
    sa.column('id', sa.Integer),
    sa.column('name', sa.String),
    sa.column('aliases', sa.JSON),
    sa.column('name_initials', sa.String),
    sa.column('search_text', sa.Text),
    sa.column('search_grams', sa.Text),
)

# The standard external-content triggers (https://sqlite.org/fts5.html#external_content_tables):
# plain SQL, so bulk inserts and imports stay indexed too. Updates of other columns skip them.
TRIGGERS = {
    f'{FTS_TABLE}_insert': f"""
        CREATE TRIGGER {FTS_TABLE}_insert AFTER INSERT ON enterprises BEGIN
            INSERT INTO {FTS_TABLE} (rowid, search_grams) VALUES (new.id, new.search_grams);
        END""",
    f'{FTS_TABLE}_delete': f"""
        CREATE TRIGGER {FTS_TABLE}_delete AFTER DELETE ON enterprises BEGIN
            INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rowid, search_grams)
                VALUES ('delete', old.id, old.search_grams);
        END""",
    f'{FTS_TABLE}_update': f"""
        CREATE TRIGGER {FTS_TABLE}_update AFTER UPDATE OF search_grams ON enterprises BEGIN
            INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rowid, search_grams)
                VALUES ('delete', old.id, old.search_grams);
            INSERT INTO {FTS_TABLE} (rowid, search_grams) VALUES (new.id, new.search_grams);
        END""",
}


def upgrade():
    with op.batch_alter_table('enterprises', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_text', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('search_grams', sa.Text(), nullable=True))

    fill_search_columns(op.get_bind())

    # Indexed after the fill: one build instead of an update per row.
    if op.get_bind().dialect.name == 'sqlite':
        tokenize = TOKENIZE.replace('"', '""')
        op.execute(
            f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(search_grams, content='enterprises', "
            f"content_rowid='id', tokenize=\"{tokenize}\")"
        )
        op.execute(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('rebuild')")
        for statement in TRIGGERS.values():
            op.execute(statement)
    else:
        # Not in the models (SQLite could not compare it): migrations/env.py skips it by name.
        op.create_index(
            'ix_enterprises_search_grams',
            'enterprises',
            [sa.text("string_to_array(search_grams, ' ')")],
            postgresql_using='gin',
        )


def fill_search_columns(connection):
    """Every enterprise, deleted ones too, in batches by id (a city may hold 100,000)."""
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(enterprises.c.id, enterprises.c.name, enterprises.c.aliases,
                      enterprises.c.name_initials)
            .where(enterprises.c.id > last_id)
            .order_by(enterprises.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        values = []
        for row_id, name, aliases, initials in rows:
            columns = search_columns(name, aliases or [], initials)
            values.append({'row_id': row_id, 'text': columns['search_text'],
                           'grams': columns['search_grams']})
        connection.execute(
            sa.update(enterprises)
            .where(enterprises.c.id == sa.bindparam('row_id'))
            .values(search_text=sa.bindparam('text'), search_grams=sa.bindparam('grams')),
            values,
        )
        last_id = rows[-1].id


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        for name in TRIGGERS:
            op.execute(f'DROP TRIGGER {name}')
        op.execute(f'DROP TABLE {FTS_TABLE}')
    else:
        op.drop_index('ix_enterprises_search_grams', table_name='enterprises')

    with op.batch_alter_table('enterprises', schema=None) as batch_op:
        batch_op.drop_column('search_grams')
        batch_op.drop_column('search_text')
