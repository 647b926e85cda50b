"""claim proof: how a reward claimant was proven (passphrase given; identity in the report matched)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-28 05:30:00
"""
import json

from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('reward_claim', schema=None) as batch_op:
        batch_op.add_column(sa.Column('with_passphrase', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('identity_check', sa.String(length=10), nullable=True))
    # Claims made since 0012 have "with_passphrase" in their audit event: copy it. The identity
    # check cannot be made here (it needs the encryption keys), so older claims show "not checked".
    bind = op.get_bind()
    events = bind.execute(sa.text(
        "SELECT object_id, details FROM audit_event WHERE action = 'reward.claimed' AND object_type = 'reward'"))
    for reward_id, details in events.fetchall():
        value = json.loads(details or "{}").get("with_passphrase")
        if isinstance(value, bool):
            bind.execute(sa.text("UPDATE reward_claim SET with_passphrase = :v WHERE reward_id = :r"),
                         {"v": value, "r": int(reward_id)})


def downgrade() -> None:
    with op.batch_alter_table('reward_claim', schema=None) as batch_op:
        batch_op.drop_column('identity_check')
        batch_op.drop_column('with_passphrase')
