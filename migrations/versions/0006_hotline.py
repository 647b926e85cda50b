"""hotline intake: API tokens, calls and their transcripts

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 15:00:00.000000
"""
from alembic import op
import sqlalchemy as sa
import tipline.db


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', tipline.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', tipline.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_token_token_hash'))
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_token_name'), ['name'], unique=False)

    op.create_table('hotline_call',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.String(length=100), nullable=False),
    sa.Column('tip_id', sa.Integer(), nullable=False),
    sa.Column('started_at', tipline.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('duration_seconds', sa.Integer(), nullable=False),
    sa.Column('caller_hash', sa.String(length=64), nullable=True),
    sa.Column('created_at', tipline.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', tipline.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('correction_requested_at', tipline.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('correction_note', tipline.db.EncryptedText(), nullable=True),
    sa.ForeignKeyConstraint(['tip_id'], ['tip.id'], name=op.f('fk_hotline_call_tip_id_tip'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hotline_call')),
    sa.UniqueConstraint('call_id', name=op.f('uq_hotline_call_call_id'))
    )
    with op.batch_alter_table('hotline_call', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hotline_call_caller_hash'), ['caller_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_hotline_call_tip_id'), ['tip_id'], unique=False)

    op.create_table('transcript_segment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('speaker', sa.String(length=10), nullable=False),
    sa.Column('start', sa.Numeric(precision=10, scale=2, asdecimal=False), nullable=False),
    sa.Column('end', sa.Numeric(precision=10, scale=2, asdecimal=False), nullable=False),
    sa.Column('text', tipline.db.EncryptedText(), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['hotline_call.id'], name=op.f('fk_transcript_segment_call_id_hotline_call'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transcript_segment')),
    sa.UniqueConstraint('call_id', 'seq', name='uq_transcript_segment_call_seq')
    )


def downgrade() -> None:
    op.drop_table('transcript_segment')
    with op.batch_alter_table('hotline_call', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hotline_call_tip_id'))
        batch_op.drop_index(batch_op.f('ix_hotline_call_caller_hash'))

    op.drop_table('hotline_call')
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_token_name'))

    op.drop_table('api_token')
