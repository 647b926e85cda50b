"""reward fidelity: adjustment within the rules, joint reporters' own claims and payments, late
claims accepted by four eyes, the catch-all exclusion's reason, the claim deadline the reporter
was told; the reward clocks leave the deadline table (the reward's rule set carries them)

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30 20:40:00
"""
from alembic import op
import sqlalchemy as sa
import tipline.db


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('reward', schema=None) as batch_op:
        batch_op.add_column(sa.Column('computed_amount', sa.Numeric(precision=14, scale=2), nullable=True))
        batch_op.add_column(sa.Column('adjustment_reason', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('exclusion_reason', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('claim_due_told', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('claim_due_was', sa.Date(), nullable=True))
    with op.batch_alter_table('reward', schema=None) as batch_op:
        batch_op.alter_column('adjustment_reason', server_default=None)
        batch_op.alter_column('exclusion_reason', server_default=None)
    for table in ('reward_claim', 'reward_payment'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('share_no', sa.Integer(), nullable=False, server_default='1'))
            batch_op.drop_constraint(f'uq_{table}_reward_id', type_='unique')
            batch_op.create_unique_constraint(f'uq_{table}_share', ['reward_id', 'share_no'])
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('share_no', server_default=None)
    op.create_table('reward_late_claim',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reward_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('requested_by', sa.Integer(), nullable=False),
    sa.Column('requested_at', tipline.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('approved_by', sa.Integer(), nullable=True),
    sa.Column('approved_at', tipline.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['approved_by'], ['staff_user.id'], name=op.f('fk_reward_late_claim_approved_by_staff_user')),
    sa.ForeignKeyConstraint(['requested_by'], ['staff_user.id'], name=op.f('fk_reward_late_claim_requested_by_staff_user')),
    sa.ForeignKeyConstraint(['reward_id'], ['reward.id'], name=op.f('fk_reward_late_claim_reward_id_reward'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reward_late_claim'))
    )
    with op.batch_alter_table('reward_late_claim', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reward_late_claim_reward_id'), ['reward_id'], unique=False)
    # The exclusion was widened ("paid by a competitor" -> "instigated or paid by any market participant").
    op.execute("UPDATE reward SET exclusion = 'instigated_or_paid' WHERE exclusion = 'paid_by_competitor'")
    op.execute("UPDATE reward SET ineligible_reason = 'instigated_or_paid' WHERE ineligible_reason = 'paid_by_competitor'")
    # Rewards awaiting a claim: the deadline the reporter is being shown (a later calendar import
    # that moves it then tells them).
    op.execute("UPDATE reward SET claim_due_told = (SELECT c.due_on FROM clock c WHERE c.kind = 'reward_claim' "
               "AND c.tip_id = reward.tip_id ORDER BY c.id DESC LIMIT 1) WHERE status = 'notified'")
    # One source for the reward periods: the rule set. Running clocks keep their stored length.
    op.execute("DELETE FROM deadline_rule WHERE clock IN ('reward_notice', 'reward_claim')")


def downgrade() -> None:
    with op.batch_alter_table('reward_late_claim', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reward_late_claim_reward_id'))
    op.drop_table('reward_late_claim')
    for table in ('reward_payment', 'reward_claim'):
        op.execute(f"DELETE FROM {table} WHERE share_no > 1")
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f'uq_{table}_share', type_='unique')
            batch_op.create_unique_constraint(f'uq_{table}_reward_id', ['reward_id'])
            batch_op.drop_column('share_no')
    op.execute("UPDATE reward SET exclusion = 'paid_by_competitor' WHERE exclusion = 'instigated_or_paid'")
    op.execute("UPDATE reward SET ineligible_reason = 'paid_by_competitor' WHERE ineligible_reason = 'instigated_or_paid'")
    with op.batch_alter_table('reward', schema=None) as batch_op:
        batch_op.drop_column('claim_due_was')
        batch_op.drop_column('claim_due_told')
        batch_op.drop_column('exclusion_reason')
        batch_op.drop_column('adjustment_reason')
        batch_op.drop_column('computed_amount')
