"""mail intake: every mail message seen, by location and Message-ID

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 12:00:00.000000
"""
from alembic import op
import sqlalchemy as sa
import tipline.db


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('mail_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mailbox', sa.String(length=200), nullable=False),
    sa.Column('uidvalidity', sa.BigInteger(), nullable=False),
    sa.Column('uid', sa.BigInteger(), nullable=False),
    sa.Column('message_id', sa.String(length=255), nullable=True),
    sa.Column('message_id_key', sa.String(length=64), nullable=True),
    sa.Column('raw', tipline.db.EncryptedBytes(), nullable=False),
    sa.Column('sender', tipline.db.EncryptedText(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('tip_id', sa.Integer(), nullable=True),
    sa.Column('error', sa.String(length=500), nullable=False),
    sa.Column('received_at', tipline.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tip_id'], ['tip.id'], name=op.f('fk_mail_message_tip_id_tip'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_message')),
    sa.UniqueConstraint('mailbox', 'uidvalidity', 'uid', name='uq_mail_message_location'),
    sa.UniqueConstraint('message_id_key', name=op.f('uq_mail_message_message_id_key'))
    )
    with op.batch_alter_table('mail_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_message_message_id'), ['message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mail_message_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_mail_message_tip_id'), ['tip_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('mail_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_message_tip_id'))
        batch_op.drop_index(batch_op.f('ix_mail_message_status'))
        batch_op.drop_index(batch_op.f('ix_mail_message_message_id'))

    op.drop_table('mail_message')
