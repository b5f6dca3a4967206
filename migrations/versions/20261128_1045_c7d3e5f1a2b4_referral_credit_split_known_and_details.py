"""referral credit split, known, and the referral's own details

Several referrals (co-referrers) may link one lead: the unique constraint on referrals.lead_id
becomes a plain index. The referral status vocabulary gains "known" (已知: declined because the
enterprise was already referred or followed) and "ended" (已终止: derived, never stored, for a
lead lost after acceptance); a known referral carries its reason like a rejected one. The
investor's intended project, how the ambassador knows them and the chain segment get columns
of their own (they were written into the description), and the enterprise's normalised name
and credit code are indexed so that the inbox finds its duplicates at once; (status,
submitted_at, id, deleted_at) serves the inbox's page (in order) and count, (ambassador_id, submitted_at,
id) an ambassador's "my referrals". referrals carries no triggers, so on SQLite batch mode may
recreate it.

Revision ID: c7d3e5f1a2b4
Revises: 7d1f0c2b9e44
Create Date: 2026-11-28 10:45:00.000000

"""
from alembic import op
import sqlalchemy as sa

from crm.services.names import normalise_name


# revision identifiers, used by Alembic.
revision = 'c7d3e5f1a2b4'
down_revision = '7d1f0c2b9e44'
branch_labels = None
depends_on = None

OLD_STATUSES = ('submitted', 'accepted', 'in_talks', 'signed', 'landed', 'rejected')
NEW_STATUSES = (
    'submitted', 'accepted', 'in_talks', 'signed', 'landed', 'ended', 'rejected', 'known'
)
OLD_REASON = "status <> 'rejected' OR rejected_reason IS NOT NULL"
NEW_REASON = "status NOT IN ('rejected', 'known') OR rejected_reason IS NOT NULL"


def _status_type(keys):
    return sa.Enum(
        *keys, name='referral_status', native_enum=False, create_constraint=True, length=40
    )


def _statuses(keys) -> str:
    return 'status IN (' + ', '.join(f"'{key}'" for key in keys) + ')'


def upgrade():
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('intended_project', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('how_known', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('segment_code', sa.String(length=20), nullable=True))
        batch_op.add_column(
            sa.Column('enterprise_name_normalised', sa.String(length=200), nullable=True)
        )
        batch_op.create_index(
            batch_op.f('ix_referrals_enterprise_name_normalised'),
            ['enterprise_name_normalised'],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f('ix_referrals_enterprise_uscc'), ['enterprise_uscc'], unique=False
        )
        batch_op.create_index(
            'ix_referrals_status_submitted_at',
            ['status', 'submitted_at', 'id', 'deleted_at'],
            unique=False,
        )
        batch_op.create_index(
            'ix_referrals_ambassador_submitted_at',
            ['ambassador_id', 'submitted_at', 'id'],
            unique=False,
        )
        batch_op.drop_constraint(batch_op.f('uq_referrals_lead_id'), type_='unique')
        batch_op.create_index(batch_op.f('ix_referrals_lead_id'), ['lead_id'], unique=False)
        batch_op.drop_constraint(batch_op.f('ck_referrals_referral_status'), type_='check')
        batch_op.create_check_constraint(
            batch_op.f('ck_referrals_referral_status'), _statuses(NEW_STATUSES)
        )
        batch_op.drop_constraint(batch_op.f('ck_referrals_rejected_has_reason'), type_='check')
        batch_op.create_check_constraint(
            batch_op.f('ck_referrals_rejected_has_reason'), NEW_REASON
        )
    bind = op.get_bind()
    referrals = sa.table(
        'referrals',
        sa.column('id', sa.Integer),
        sa.column('enterprise_name', sa.String),
        sa.column('enterprise_name_normalised', sa.String),
    )
    for row in bind.execute(sa.select(referrals.c.id, referrals.c.enterprise_name)).all():
        bind.execute(
            referrals.update()
            .where(referrals.c.id == row.id)
            .values(enterprise_name_normalised=normalise_name(row.enterprise_name))
        )


def downgrade():
    # A known referral was declined: it goes back to 未受理 with its reason.
    op.execute("UPDATE referrals SET status = 'rejected' WHERE status IN ('known', 'ended')")
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_referrals_rejected_has_reason'), type_='check')
        batch_op.create_check_constraint(
            batch_op.f('ck_referrals_rejected_has_reason'), OLD_REASON
        )
        batch_op.drop_constraint(batch_op.f('ck_referrals_referral_status'), type_='check')
        batch_op.create_check_constraint(
            batch_op.f('ck_referrals_referral_status'), _statuses(OLD_STATUSES)
        )
        batch_op.drop_index(batch_op.f('ix_referrals_lead_id'))
        batch_op.create_unique_constraint(batch_op.f('uq_referrals_lead_id'), ['lead_id'])
        batch_op.drop_index('ix_referrals_ambassador_submitted_at')
        batch_op.drop_index('ix_referrals_status_submitted_at')
        batch_op.drop_index(batch_op.f('ix_referrals_enterprise_uscc'))
        batch_op.drop_index(batch_op.f('ix_referrals_enterprise_name_normalised'))
        batch_op.drop_column('enterprise_name_normalised')
        batch_op.drop_column('segment_code')
        batch_op.drop_column('how_known')
        batch_op.drop_column('intended_project')
