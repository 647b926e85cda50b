"""oversight: legal holds

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 10:00:00.000000
"""
from alembic import op
import sqlalchemy as sa
import tipline.db


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('legal_hold',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('object_type', sa.String(length=10), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('placed_by', sa.Integer(), nullable=False),
    sa.Column('placed_at', tipline.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('released_at', tipline.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['placed_by'], ['staff_user.id'], name=op.f('fk_legal_hold_placed_by_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_hold'))
    )
    with op.batch_alter_table('legal_hold', schema=None) as batch_op:
        batch_op.create_index('ix_legal_hold_object', ['object_type', 'object_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('legal_hold', schema=None) as batch_op:
        batch_op.drop_index('ix_legal_hold_object')

    op.drop_table('legal_hold')
