"""status checks: tip status, case state and reward status only hold what the transition tables name (issue 22)

The lists are copied from tipline.status_checks as they are today, so this migration stays what it
was when the tables grow; tests/test_status_checks.py says when a new migration is due.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01 03:00:00
"""
from alembic import op


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

TIP_STATES = ('case_filed', 'closed', 'complaint', 'complaint_ended', 'complaint_refused', 'decided', 'in_triage',
              'mediation', 'mediation_stopped', 'merged', 'not_accepted', 'received', 'repeat', 'suspended',
              'transferred', 'transferred_out', 'under_investigation')
CASE_STATES = ('closed', 'decided', 'suspended', 'under_investigation')
REWARD_STATES = ('approved', 'claimed', 'forfeited', 'not_eligible', 'notified', 'paid', 'proposed', 'review',
                 'reviewed', 'revoked')

CHECKS = (('tip', 'status', TIP_STATES), ('case_file', 'state', CASE_STATES), ('reward', 'status', REWARD_STATES))


def _condition(column: str, states) -> str:
    return f"{column} IN ({', '.join(repr(s) for s in sorted(states))})"


def upgrade() -> None:
    for table, column, states in CHECKS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_check_constraint(op.f(f'ck_{table}_{column}'), _condition(column, states))


def downgrade() -> None:
    for table, column, _ in reversed(CHECKS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f'ck_{table}_{column}'), type_='check')
