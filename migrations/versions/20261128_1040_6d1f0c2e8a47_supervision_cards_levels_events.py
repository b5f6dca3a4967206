"""supervision: cards, levels, events, service requests and the lag lists

Supervision items gain a warning card (none, yellow, red), an escalation level (unit, joint
meeting, city government), the day they were opened, the deadline already carded, and a link to
an overdue service request (whose enterprise may have no project, so project_id may be NULL);
the source vocabulary gains service_request and the three 三未 lag lists. Their dated history
is the new supervision_events table. supervision_items carries no triggers, so on SQLite it is
recreated by batch mode.

Revision ID: 6d1f0c2e8a47
Revises: 4b7e2a91c3d5
Create Date: 2026-11-28 10:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6d1f0c2e8a47'
down_revision = '4b7e2a91c3d5'
branch_labels = None
depends_on = None

OLD_SOURCES = ('overdue_milestone', 'stalled_project', 'problem')
NEW_SOURCES = (
    *OLD_SOURCES, 'service_request', 'not_started', 'not_building', 'not_completed'
)
CARDS = ('none', 'yellow', 'red')
LEVELS = ('unit', 'joint_meeting', 'city_government')
STATUSES = ('open', 'answered', 'closed')
EVENTS = ('opened', 'answered', 'closed', 'reopened', 'carded', 'escalated')
OLD_HAS_RECORD = (
    "(source <> 'overdue_milestone' OR milestone_id IS NOT NULL)"
    " AND (source <> 'problem' OR problem_id IS NOT NULL)"
)
NEW_HAS_RECORD = (
    OLD_HAS_RECORD
    + " AND (source <> 'service_request' OR service_request_id IS NOT NULL)"
    " AND (source = 'service_request' OR project_id IS NOT NULL)"
)


def _in(column: str, keys) -> str:
    return f"{column} IN ({', '.join(repr(key) for key in keys)})"


def _enum(name: str, keys) -> sa.Enum:
    return sa.Enum(*keys, name=name, native_enum=False, create_constraint=True, length=40)


def upgrade():
    with op.batch_alter_table('supervision_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('service_request_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('opened_on', sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column('card', sa.String(length=40), nullable=False, server_default='none')
        )
        batch_op.add_column(
            sa.Column('level', sa.String(length=40), nullable=False, server_default='unit')
        )
        batch_op.add_column(sa.Column('carded_deadline_on', sa.Date(), nullable=True))
        batch_op.alter_column('project_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(
            batch_op.f('fk_supervision_items_service_request_id_service_requests'),
            'service_requests', ['service_request_id'], ['id'], ondelete='CASCADE',
        )
        batch_op.drop_constraint(
            batch_op.f('ck_supervision_items_supervision_source'), type_='check'
        )
        batch_op.create_check_constraint(
            batch_op.f('ck_supervision_items_supervision_source'), _in('source', NEW_SOURCES)
        )
        batch_op.drop_constraint(batch_op.f('ck_supervision_items_source_has_record'), type_='check')
        batch_op.create_check_constraint(
            batch_op.f('ck_supervision_items_source_has_record'), NEW_HAS_RECORD
        )
        batch_op.create_check_constraint(
            batch_op.f('ck_supervision_items_supervision_card'), _in('card', CARDS)
        )
        batch_op.create_check_constraint(
            batch_op.f('ck_supervision_items_supervision_level'), _in('level', LEVELS)
        )
    op.execute('UPDATE supervision_items SET opened_on = CAST(created_at AS DATE)')
    with op.batch_alter_table('supervision_items', schema=None) as batch_op:
        batch_op.alter_column('opened_on', existing_type=sa.Date(), nullable=False)
        batch_op.alter_column('card', existing_type=sa.String(length=40), server_default=None)
        batch_op.alter_column('level', existing_type=sa.String(length=40), server_default=None)
        batch_op.create_index(batch_op.f('ix_supervision_items_opened_on'), ['opened_on'])

    op.create_table('supervision_events',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('kind', _enum('supervision_event', EVENTS), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('happened_on', sa.Date(), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('status', _enum('supervision_status', STATUSES), nullable=False),
    sa.Column('card', _enum('supervision_card', CARDS), nullable=False),
    sa.Column('level', _enum('supervision_level', LEVELS), nullable=False),
    sa.Column('deadline_on', sa.Date(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_supervision_events_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['item_id'], ['supervision_items.id'], name=op.f('fk_supervision_events_item_id_supervision_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_events'))
    )
    with op.batch_alter_table('supervision_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supervision_events_item_id'), ['item_id'], unique=False)


def downgrade():
    with op.batch_alter_table('supervision_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supervision_events_item_id'))
    op.drop_table('supervision_events')
    # The old vocabulary has no place for the new sources, nor the old schema for an item
    # without a project: those items go.
    op.execute(
        'DELETE FROM supervision_items WHERE project_id IS NULL OR NOT ('
        + _in('source', OLD_SOURCES) + ')'
    )
    with op.batch_alter_table('supervision_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supervision_items_opened_on'))
        batch_op.drop_constraint(batch_op.f('ck_supervision_items_supervision_level'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_supervision_items_supervision_card'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_supervision_items_source_has_record'), type_='check')
        batch_op.create_check_constraint(
            batch_op.f('ck_supervision_items_source_has_record'), OLD_HAS_RECORD
        )
        batch_op.drop_constraint(
            batch_op.f('ck_supervision_items_supervision_source'), type_='check'
        )
        batch_op.create_check_constraint(
            batch_op.f('ck_supervision_items_supervision_source'), _in('source', OLD_SOURCES)
        )
        batch_op.drop_constraint(
            batch_op.f('fk_supervision_items_service_request_id_service_requests'),
            type_='foreignkey',
        )
        batch_op.alter_column('project_id', existing_type=sa.Integer(), nullable=False)
        for column in ('carded_deadline_on', 'level', 'card', 'opened_on', 'service_request_id'):
            batch_op.drop_column(column)
