"""The reward's state machine, exhaustively: every action from every state for every role, and the
rule that nobody approves a reward on a case they worked."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tipline.cases.models import Assignment
from tipline.errors import Conflict, Forbidden
from tipline.gate import REPORTER, SYSTEM
from tipline.rewards import services, workflow
from tipline.rewards.models import Reward

from .. import factories
from .test_workflow import closed_case, propose

ALL_STATES = ["review", "proposed", "reviewed", "approved", "notified", "claimed", "paid", "not_eligible",
              "forfeited", "revoked"]
ROLES = ["officer", "supervisor", "finance", "admin", "auditor"]
# Written out by hand from domain.md's reward steps, not derived from the table under test.
WHO = {
    "propose": {"officer", "supervisor"},
    "find_not_eligible": {"officer", "supervisor"},
    "send_back": {"supervisor", "finance"},
    "review": {"supervisor"},
    "finance_approve": {"finance"},
    "approve": {"finance"},
    "notify": {"system"},
    "extend_claim": {"finance", "supervisor"},
    "claim_share": {"reporter"},
    "claim": {"reporter"},
    "pay_share": {"finance"},
    "pay": {"finance"},
    "forfeit": {"system"},
    "forfeit_shares": {"system"},
    "forfeit_shares_paid": {"system"},
    "revoke": {"finance", "supervisor"},
    "request_late_claim": {"finance"},
    "accept_late_claim": {"finance"},
}
LATE = {"request_late_claim", "accept_late_claim"}
WHEN = {
    "review": {"propose", "find_not_eligible", "revoke"},
    "proposed": {"send_back", "review", "revoke"},
    "reviewed": {"send_back", "finance_approve", "approve", "revoke"},
    "approved": {"notify", "revoke"},
    "notified": {"extend_claim", "claim_share", "claim", "pay_share", "forfeit", "forfeit_shares",
                 "forfeit_shares_paid", "revoke"} | LATE,
    "claimed": {"pay_share", "pay", "revoke"} | LATE,
    "paid": {"revoke"} | LATE,
    "forfeited": LATE,
    "not_eligible": set(),
    "revoked": set(),
}
TARGET = {"propose": "proposed", "find_not_eligible": "not_eligible", "send_back": "review", "review": "reviewed",
          "approve": "approved", "notify": "notified", "claim": "claimed", "pay": "paid", "forfeit": "forfeited",
          "forfeit_shares": "claimed", "forfeit_shares_paid": "paid", "revoke": "revoked",
          "accept_late_claim": "notified"}


def test_the_table_names_exactly_the_actions_written_here():
    assert set(workflow.REWARD_TRANSITIONS) == set(WHO)
    assert workflow.REWARD_STATES == set(ALL_STATES)


def test_every_reward_transition_for_every_role(app, session, clock, bureau):  # noqa: F811
    closed_case(session, clock, bureau)
    reward = session.scalars(select(Reward)).one()
    actors = {r: factories.user(session, now=clock(), role=r, division_code="410105") for r in ROLES}
    actors.update(system=SYSTEM, reporter=REPORTER)
    for state in ALL_STATES:
        for action in sorted(WHO):
            for role, actor in actors.items():
                reward.status = state
                try:
                    workflow.apply_reward(session, reward=reward, action=action, actor=actor, reason="理由")
                    outcome = "ok"
                except Forbidden:
                    outcome = "forbidden"
                except Conflict:
                    outcome = "conflict"
                expected = ("forbidden" if role not in WHO[action] else
                            "ok" if action in WHEN[state] else "conflict")
                assert outcome == expected, (state, action, role)
                if outcome == "ok":
                    assert reward.status == TARGET.get(action, state), (state, action)
    session.rollback()


def test_staff_of_another_division_are_refused_by_the_gate(app, session, clock, bureau):  # noqa: F811
    closed_case(session, clock, bureau)
    reward = session.scalars(select(Reward)).one()
    luoyang = {r: factories.user(session, now=clock(), role=r, division_code="410300")
               for r in ("officer", "supervisor", "finance")}
    zhengzhou_city = factories.user(session, now=clock(), role="supervisor", division_code="410100")
    for state, action, role in (("review", "propose", "officer"), ("proposed", "review", "supervisor"),
                                ("reviewed", "finance_approve", "finance"), ("notified", "revoke", "supervisor")):
        reward.status = state
        with pytest.raises(Forbidden):
            workflow.apply_reward(session, reward=reward, action=action, actor=luoyang[role])
    reward.status = "notified"  # the city's supervisor sees its counties
    workflow.apply_reward(session, reward=reward, action="revoke", actor=zhengzhou_city)
    session.rollback()


def test_nobody_approves_a_reward_on_a_case_they_worked(app, session, clock, bureau):  # noqa: F811
    """A supervisor drawn as one of the case's investigators may not review its reward, though
    reviewing is a supervisor's step: another supervisor does."""
    case, _ = closed_case(session, clock, bureau)
    boss2 = bureau["boss2"]
    session.add(Assignment(case_id=case.id, user_id=boss2.id, draw_event_id=0, assigned_at=clock()))
    session.commit()
    reward = session.scalars(select(Reward)).one()
    propose(session, app, clock, reward, bureau["inv1"])
    assert boss2.id != reward.proposed_by and boss2.has_role("supervisor")
    with pytest.raises(Forbidden) as refused:
        services.review(session, now=clock(), reward=reward, actor=boss2, version=None)
    assert "worked" in str(refused.value)
    assert reward.status == "proposed"
    services.review(session, now=clock(), reward=reward, actor=bureau["boss"], version=None)
    assert reward.status == "reviewed"
