"""filing-clock extensions: an extension request may belong to a tip instead of a case

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 22:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('extension_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tip_id', sa.Integer(), nullable=True))
        batch_op.alter_column('case_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_index(batch_op.f('ix_extension_request_tip_id'), ['tip_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_extension_request_tip_id_tip'), 'tip', ['tip_id'], ['id'],
                                    ondelete='CASCADE')


def downgrade() -> None:
    op.execute("DELETE FROM extension_request WHERE case_id IS NULL")
    with op.batch_alter_table('extension_request', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_extension_request_tip_id_tip'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_extension_request_tip_id'))
        batch_op.alter_column('case_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('tip_id')
