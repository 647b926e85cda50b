"""reporter sessions: server-side records for the reporter's portal (issue 19)

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 21:00:00
"""
from alembic import op
import sqlalchemy as sa

import tipline.db


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('reporter_session',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('tip_id', sa.Integer(), nullable=False),
    sa.Column('created_at', tipline.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', tipline.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', tipline.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('end_reason', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['tip_id'], ['tip.id'], name=op.f('fk_reporter_session_tip_id_tip'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reporter_session'))
    )
    with op.batch_alter_table('reporter_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reporter_session_tip_id'), ['tip_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('reporter_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reporter_session_tip_id'))
    op.drop_table('reporter_session')
