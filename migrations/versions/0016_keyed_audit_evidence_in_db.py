"""keyed audit chain, evidence in the database, key fingerprints

audit_head.scheme says whether the chain is already keyed (HMAC with the audit key); chains from
before stay "sha256" until `tipline db upgrade` (or the next audit event) writes the "audit.rekeyed"
event, which needs the key and so cannot happen here. evidence_chunk holds encrypted evidence when
TIPLINE_EVIDENCE_STORE=database; instance_fingerprint holds keyed hashes of a constant per secret.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 20:30:00
"""
from alembic import op
import sqlalchemy as sa

import tipline.db


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('audit_head', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scheme', sa.String(length=16), server_default='sha256', nullable=False))
    op.create_table('evidence_chunk',
    sa.Column('stored_name', sa.String(length=32), nullable=False),
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['stored_name'], ['evidence_file.stored_name'],
                            name=op.f('fk_evidence_chunk_stored_name_evidence_file'), ondelete='CASCADE',
                            deferrable=True, initially='DEFERRED'),
    sa.PrimaryKeyConstraint('stored_name', 'seq', name=op.f('pk_evidence_chunk'))
    )
    op.create_table('instance_fingerprint',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('value', sa.String(length=64), nullable=False),
    sa.Column("set_at", tipline.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_instance_fingerprint'))
    )


def downgrade() -> None:
    op.drop_table('instance_fingerprint')
    op.drop_table('evidence_chunk')
    with op.batch_alter_table('audit_head', schema=None) as batch_op:
        batch_op.drop_column('scheme')
