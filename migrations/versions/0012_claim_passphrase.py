"""claim passphrase: an anonymous reporter proves a reward claim with receipt code and passphrase

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28 01:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tip', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claim_passphrase_hash', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('tip', schema=None) as batch_op:
        batch_op.drop_column('claim_passphrase_hash')
