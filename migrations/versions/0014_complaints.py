"""complaints: acceptance, mediation sessions, stopped mediation clocks, endings and follow-up

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 20:45:00
"""
from alembic import op
import sqlalchemy as sa
import tipline.db


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('complaint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tip_id', sa.Integer(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('accepted_on', sa.Date(), nullable=True),
    sa.Column('ground', sa.String(length=30), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('termination_ground', sa.String(length=30), nullable=True),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('notice', tipline.db.EncryptedText(), nullable=True),
    sa.Column('agreement_terms', tipline.db.EncryptedText(), nullable=True),
    sa.Column('agreement_file_id', sa.Integer(), nullable=True),
    sa.Column('lead_tip_id', sa.Integer(), nullable=True),
    sa.Column('follow_up_result', sa.String(length=20), nullable=True),
    sa.Column('follow_up_on', sa.Date(), nullable=True),
    sa.Column('created_at', tipline.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agreement_file_id'], ['evidence_file.id'],
                            name=op.f('fk_complaint_agreement_file_id_evidence_file')),
    sa.ForeignKeyConstraint(['lead_tip_id'], ['tip.id'], name=op.f('fk_complaint_lead_tip_id_tip')),
    sa.ForeignKeyConstraint(['tip_id'], ['tip.id'], name=op.f('fk_complaint_tip_id_tip'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint')),
    sa.UniqueConstraint('tip_id', name=op.f('uq_complaint_tip_id'))
    )
    op.create_table('mediation_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('form', sa.String(length=20), nullable=False),
    sa.Column('mediator', sa.String(length=200), nullable=False),
    sa.Column('positions', tipline.db.EncryptedText(), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=False),
    sa.Column('created_at', tipline.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'],
                            name=op.f('fk_mediation_session_complaint_id_complaint'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by'], ['staff_user.id'],
                            name=op.f('fk_mediation_session_recorded_by_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mediation_session'))
    )
    with op.batch_alter_table('mediation_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mediation_session_complaint_id'), ['complaint_id'], unique=False)
    op.create_table('mediation_stop',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('stopped_on', sa.Date(), nullable=False),
    sa.Column('resumed_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'],
                            name=op.f('fk_mediation_stop_complaint_id_complaint'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mediation_stop'))
    )
    with op.batch_alter_table('mediation_stop', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mediation_stop_complaint_id'), ['complaint_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('mediation_stop', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mediation_stop_complaint_id'))
    op.drop_table('mediation_stop')
    with op.batch_alter_table('mediation_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mediation_session_complaint_id'))
    op.drop_table('mediation_session')
    op.drop_table('complaint')
