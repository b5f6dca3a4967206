"""ambassador contacts and revocation

An ambassador's phone and e-mail, and when and why they were revoked; the status vocabulary's
"suspended" (never used) becomes "revoked". The ambassadors table carries the chain data
triggers, so it is never recreated: on SQLite the columns are added with ALTER TABLE and the
status CHECK is rewritten in place (the schema text only; no row's storage changes).

Revision ID: 4b7e2a91c3d5
Revises: 222b6819bc42
Create Date: 2026-11-28 08:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4b7e2a91c3d5'
down_revision = '222b6819bc42'
branch_labels = None
depends_on = None

CHECK = 'ck_ambassadors_ambassador_status'
OLD = "status IN ('active', 'expired', 'suspended')"
NEW = "status IN ('active', 'expired', 'revoked')"


def upgrade():
    op.add_column('ambassadors', sa.Column('phone', sa.String(length=40), nullable=True))
    op.add_column('ambassadors', sa.Column('email', sa.String(length=120), nullable=True))
    op.add_column('ambassadors', sa.Column('revoked_at', sa.DateTime(), nullable=True))
    op.add_column(
        'ambassadors', sa.Column('revocation_reason', sa.String(length=500), nullable=True)
    )
    op.execute("UPDATE ambassadors SET status = 'revoked' WHERE status = 'suspended'")
    _status_check(OLD, NEW)


def downgrade():
    op.execute("UPDATE ambassadors SET status = 'suspended' WHERE status = 'revoked'")
    _status_check(NEW, OLD)
    for column in ('revocation_reason', 'revoked_at', 'email', 'phone'):
        op.drop_column('ambassadors', column)


def _status_check(old: str, new: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != 'sqlite':
        op.drop_constraint(op.f(CHECK), 'ambassadors', type_='check')
        op.create_check_constraint(op.f(CHECK), 'ambassadors', new)
        return
    # SQLite cannot alter a CHECK. Recreating the table would drop its triggers, so the table's
    # CREATE statement is edited in place, as SQLite documents for changes that leave the stored
    # rows as they are (https://sqlite.org/lang_altertable.html, "writable_schema"); every row
    # already satisfies the new CHECK (updated above), which integrity_check confirms.
    sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'ambassadors'"
    ).scalar()
    if old not in sql:
        raise RuntimeError(f'ambassadors: {old!r} not found in its CREATE TABLE')
    schema_version = bind.exec_driver_sql('PRAGMA schema_version').scalar()
    bind.exec_driver_sql('PRAGMA writable_schema = ON')
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'ambassadors'",
        (sql.replace(old, new),),
    )
    bind.exec_driver_sql(f'PRAGMA schema_version = {schema_version + 1}')
    bind.exec_driver_sql('PRAGMA writable_schema = OFF')
    problems = bind.exec_driver_sql("PRAGMA integrity_check('ambassadors')").scalars().all()
    if problems != ['ok']:
        raise RuntimeError(f'ambassadors after the CHECK change: {problems}')
