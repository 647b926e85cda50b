"""case procedure (issue 21): extension rules in the deadline table, filing-clock stops, collective
decisions, recusal applications and re-draws

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30 21:00:00
"""
from alembic import op
import sqlalchemy as sa

import tipline.db


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('deadline_rule', schema=None) as batch_op:
        batch_op.add_column(sa.Column('extension_count', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('approver', sa.String(length=20), server_default='supervisor', nullable=False))
        batch_op.add_column(sa.Column('beyond', sa.String(length=20), nullable=True))
    # Art. 64 ¶1: beyond the decision period's one extension, only a collective decision.
    op.execute("UPDATE deadline_rule SET beyond = 'collective' WHERE clock = 'decision'")
    op.create_table(
        'tip_suspension',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tip_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.String(length=20), nullable=False),
        sa.Column('note', sa.String(length=300), nullable=False),
        sa.Column('stopped_on', sa.Date(), nullable=False),
        sa.Column('resumed_on', sa.Date(), nullable=True),
        sa.Column('created_by', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['created_by'], ['staff_user.id'],
                                name=op.f('fk_tip_suspension_created_by_staff_user')),
        sa.ForeignKeyConstraint(['tip_id'], ['tip.id'], name=op.f('fk_tip_suspension_tip_id_tip'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_tip_suspension')),
    )
    op.create_index(op.f('ix_tip_suspension_tip_id'), 'tip_suspension', ['tip_id'], unique=False)
    op.create_table(
        'collective_decision',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('clock', sa.String(length=30), nullable=False),
        sa.Column('decided_on', sa.Date(), nullable=False),
        sa.Column('participants', sa.String(length=500), nullable=False),
        sa.Column('length', sa.Integer(), nullable=False),
        sa.Column('reason', sa.String(length=500), nullable=False),
        sa.Column('recorded_by', sa.Integer(), nullable=False),
        sa.Column('recorded_at', tipline.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('due_before', sa.Date(), nullable=True),
        sa.Column('due_after', sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['case_file.id'], name=op.f('fk_collective_decision_case_id_case_file'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['recorded_by'], ['staff_user.id'],
                                name=op.f('fk_collective_decision_recorded_by_staff_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_collective_decision')),
    )
    op.create_index(op.f('ix_collective_decision_case_id'), 'collective_decision', ['case_id'], unique=False)
    op.create_table(
        'recusal_application',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('officer_id', sa.Integer(), nullable=False),
        sa.Column('applicant', sa.String(length=200), nullable=False),
        sa.Column('grounds', sa.Text(), nullable=False),
        sa.Column('received_on', sa.Date(), nullable=False),
        sa.Column('recorded_by', sa.Integer(), nullable=False),
        sa.Column('recorded_at', tipline.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('upheld', sa.Boolean(), nullable=True),
        sa.Column('decided_by', sa.Integer(), nullable=True),
        sa.Column('decided_at', tipline.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('decision_note', sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['case_file.id'], name=op.f('fk_recusal_application_case_id_case_file'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['decided_by'], ['staff_user.id'],
                                name=op.f('fk_recusal_application_decided_by_staff_user')),
        sa.ForeignKeyConstraint(['officer_id'], ['staff_user.id'],
                                name=op.f('fk_recusal_application_officer_id_staff_user')),
        sa.ForeignKeyConstraint(['recorded_by'], ['staff_user.id'],
                                name=op.f('fk_recusal_application_recorded_by_staff_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_recusal_application')),
    )
    op.create_index(op.f('ix_recusal_application_case_id'), 'recusal_application', ['case_id'], unique=False)
    op.create_table(
        'case_redraw',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('officer_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.String(length=20), nullable=False),
        sa.Column('text', sa.String(length=500), nullable=False),
        sa.Column('ordered_by', sa.Integer(), nullable=True),
        sa.Column('draw_event_id', sa.Integer(), nullable=True),
        sa.Column('created_at', tipline.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['case_file.id'], name=op.f('fk_case_redraw_case_id_case_file'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['officer_id'], ['staff_user.id'], name=op.f('fk_case_redraw_officer_id_staff_user')),
        sa.ForeignKeyConstraint(['ordered_by'], ['staff_user.id'], name=op.f('fk_case_redraw_ordered_by_staff_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_redraw')),
    )
    op.create_index(op.f('ix_case_redraw_case_id'), 'case_redraw', ['case_id'], unique=False)


def downgrade() -> None:
    for table in ('case_redraw', 'recusal_application', 'collective_decision', 'tip_suspension'):
        op.drop_index(op.f(f'ix_{table}_' + ('tip_id' if table == 'tip_suspension' else 'case_id')), table_name=table)
        op.drop_table(table)
    with op.batch_alter_table('deadline_rule', schema=None) as batch_op:
        batch_op.drop_column('beyond')
        batch_op.drop_column('approver')
        batch_op.drop_column('extension_count')
