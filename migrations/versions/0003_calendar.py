"""calendar: day overrides and official years

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 10:00:00.000000
"""
from alembic import op
import sqlalchemy as sa
import tipline.db


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('calendar_override',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('is_workday', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('created_at', tipline.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("source IN ('official', 'correction')", name=op.f('ck_calendar_override_source')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_override')),
    sa.UniqueConstraint('day', name=op.f('uq_calendar_override_day'))
    )
    op.create_table('calendar_year',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('official', sa.Boolean(), nullable=False),
    sa.Column('entered_at', tipline.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_calendar_year'))
    )


def downgrade() -> None:
    op.drop_table('calendar_year')
    op.drop_table('calendar_override')
