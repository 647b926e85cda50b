"""Status columns only hold what the transition tables name, on SQLite and PostgreSQL alike."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from tipline import status_checks
from tipline.cases.models import Case
from tipline.cases.workflow import CASE_STATE_TO_TIP_STATUS, CASE_TRANSITIONS, COMPLAINT_TRANSITIONS, TIP_TRANSITIONS
from tipline.intake.models import Tip
from tipline.rewards.models import Reward
from tipline.rewards.workflow import REWARD_TRANSITIONS

from . import factories

MIGRATION = Path(__file__).resolve().parents[1] / "migrations" / "versions" / "0022_status_checks.py"


def _migration():
    spec = importlib.util.spec_from_file_location("migration_0022", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _states(*tables) -> set:
    found = set()
    for table in tables:
        for t in table.values():
            found |= set(t.sources) | ({t.target} if t.target else set())
    return found


def test_the_constraints_list_exactly_the_states_of_the_tables():
    """A state added to a table and not to the constraint (or the reverse) fails here: write a migration."""
    tip = _states(TIP_TRANSITIONS, COMPLAINT_TRANSITIONS) | set(CASE_STATE_TO_TIP_STATUS.values())
    case, reward = _states(CASE_TRANSITIONS), _states(REWARD_TRANSITIONS)
    assert (status_checks.TIP_STATES, status_checks.CASE_STATES, status_checks.REWARD_STATES) == (tip, case, reward)
    migration = _migration()
    assert (set(migration.TIP_STATES), set(migration.CASE_STATES), set(migration.REWARD_STATES)) == (tip, case, reward)


def test_a_status_outside_the_tables_is_refused_by_the_database(app, session, clock):
    from .rewards.test_workflow import closed_case
    people = {n: factories.user(session, now=clock(), username=n, role=r, division_code="410105")
              for n, r in (("tri", "officer"), ("inv1", "officer"), ("inv2", "officer"), ("boss", "supervisor"))}
    session.commit()
    case, _ = closed_case(session, clock, people)
    reward_id = session.scalar(select(Reward.id))
    tip_id = session.scalar(select(Tip.id).where(Tip.case_id == case.id))
    for model, column, row_id in ((Tip, Tip.status, tip_id), (Case, Case.state, case.id),
                                  (Reward, Reward.status, reward_id)):
        with pytest.raises(IntegrityError):
            session.execute(update(model).where(model.id == row_id).values({column.key: "filed"}))
            session.flush()
        session.rollback()
    # and every state a table names is accepted
    for state in sorted(status_checks.REWARD_STATES):
        session.execute(update(Reward).where(Reward.id == reward_id).values(status=state))
    session.rollback()
