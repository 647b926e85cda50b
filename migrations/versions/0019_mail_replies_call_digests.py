"""mail replies and call digests: the acknowledgement's Message-ID (keyed hash) on the mail it
answers, and per-field digests of each hotline call to tell a repeat from a conflicting resend

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30 20:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('mail_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ack_key', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_mail_message_ack_key'), ['ack_key'])
    with op.batch_alter_table('hotline_call', schema=None) as batch_op:
        batch_op.add_column(sa.Column('field_digests', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('hotline_call', schema=None) as batch_op:
        batch_op.drop_column('field_digests')
    with op.batch_alter_table('mail_message', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_mail_message_ack_key'), type_='unique')
        batch_op.drop_column('ack_key')
