"""CHECK constraints on the status columns, from the same transition tables the gate uses.

A status the tables do not name cannot be stored, whoever writes it (a bug, a hand-run SQL
statement, a half-applied migration). Migration 0022 creates these constraints with the lists of
its day; tests/test_status_checks.py fails when a table changes and the lists here drift from it,
which is the moment to write the next migration.
"""
from __future__ import annotations

from sqlalchemy import CheckConstraint, MetaData

from .cases.workflow import CASE_STATE_TO_TIP_STATUS, CASE_TRANSITIONS, COMPLAINT_TRANSITIONS, TIP_TRANSITIONS
from .gate import states_of
from .rewards.workflow import REWARD_TRANSITIONS

# Tip.status carries the triage and complaint states, then follows its case (CASE_STATE_TO_TIP_STATUS).
TIP_STATES = states_of(TIP_TRANSITIONS, COMPLAINT_TRANSITIONS) | frozenset(CASE_STATE_TO_TIP_STATUS.values())
CASE_STATES = states_of(CASE_TRANSITIONS)
REWARD_STATES = states_of(REWARD_TRANSITIONS)

# (table, column, the constraint's name under the "ck" convention) -> allowed values
STATUS_COLUMNS = {
    ("tip", "status", "status"): TIP_STATES,
    ("case_file", "state", "state"): CASE_STATES,
    ("reward", "status", "status"): REWARD_STATES,
}


def condition(column: str, states) -> str:
    return f"{column} IN ({', '.join(repr(s) for s in sorted(states))})"


def install(metadata: MetaData) -> None:
    """Add the constraints to the models' tables (tipline.models calls this once all are loaded)."""
    for (table, column, name), states in STATUS_COLUMNS.items():
        t = metadata.tables[table]
        if not any(isinstance(c, CheckConstraint) and c.name in (name, f"ck_{table}_{name}") for c in t.constraints):
            t.append_constraint(CheckConstraint(condition(column, states), name=name))
