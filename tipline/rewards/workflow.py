"""The reward's state machine: every status change of a reward passes tipline.gate with this table.

    review -> proposed -> reviewed -> approved -> notified -> claimed -> paid
           \\-> not_eligible     (any open or paid state) -> revoked;  notified -> forfeited

A target of None records a step without changing the status (one of two finance approvals, one
joint reporter's claim or payment, an extended window, a late-claim request). The services keep
the rules no table can say (nobody approves their own proposal or a case they worked, four eyes,
amounts) and write the audit events; this module checks the transition, the actor's role and
jurisdiction (the reward's tip's division) and the version, and sets the status.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..actors import Actor
from ..cases.models import Case
from ..gate import Transition, check, states_of

if TYPE_CHECKING:  # models imports this module (REWARD_STATES for its CHECK constraint)
    from .models import Reward

STAFF = frozenset({"officer", "supervisor"})
SUPERVISOR = frozenset({"supervisor"})
FINANCE = frozenset({"finance"})
FINANCE_OR_SUPERVISOR = frozenset({"finance", "supervisor"})
REPORTER = frozenset({"reporter"})
SYSTEM = frozenset({"system"})

OPEN = frozenset({"review", "proposed", "reviewed", "approved"})
REVOCABLE = OPEN | frozenset({"notified", "claimed", "paid"})
# After the window: some share unclaimed (late_claims.window_closed says which rewards qualify).
LATE = frozenset({"notified", "claimed", "paid", "forfeited"})

REWARD_TRANSITIONS = {
    "propose": Transition(frozenset({"review"}), "proposed", STAFF),
    "find_not_eligible": Transition(frozenset({"review"}), "not_eligible", STAFF),
    "send_back": Transition(frozenset({"proposed", "reviewed"}), "review", FINANCE_OR_SUPERVISOR, needs_reason=True),
    "review": Transition(frozenset({"proposed"}), "reviewed", SUPERVISOR),
    "finance_approve": Transition(frozenset({"reviewed"}), None, FINANCE),  # the first of two
    "approve": Transition(frozenset({"reviewed"}), "approved", FINANCE),
    # The reporter is told as soon as the last approval is in (services.notify).
    "notify": Transition(frozenset({"approved"}), "notified", SYSTEM),
    "extend_claim": Transition(frozenset({"notified"}), None, FINANCE_OR_SUPERVISOR),
    "claim_share": Transition(frozenset({"notified"}), None, REPORTER),
    "claim": Transition(frozenset({"notified"}), "claimed", REPORTER),
    "pay_share": Transition(frozenset({"notified", "claimed"}), None, FINANCE),
    "pay": Transition(frozenset({"claimed"}), "paid", FINANCE),
    # The claim window passed: nothing claimed, or only the unclaimed shares of a joint reward.
    "forfeit": Transition(frozenset({"notified"}), "forfeited", SYSTEM),
    "forfeit_shares": Transition(frozenset({"notified"}), "claimed", SYSTEM),
    "forfeit_shares_paid": Transition(frozenset({"notified"}), "paid", SYSTEM),
    "revoke": Transition(REVOCABLE, "revoked", FINANCE_OR_SUPERVISOR),
    "request_late_claim": Transition(LATE, None, FINANCE),
    "accept_late_claim": Transition(LATE, "notified", FINANCE),
}

REWARD_STATES = states_of(REWARD_TRANSITIONS)


def division_of(session: Session, reward: Reward) -> str | None:
    """A reward belongs to the case that substantiated the report: the reward pages and the register
    list rewards by the case's division, so the gate decides by the same division."""
    return session.scalar(select(Case.division_code).where(Case.id == reward.case_id))


def check_reward(session: Session, *, reward: Reward, action: str, actor: Actor, version: int | None = None,
                 reason: str = "") -> Transition:
    """Raises as tipline.gate.check; changes nothing."""
    return check(REWARD_TRANSITIONS, action, state=reward.status, actor=actor,
                 division_code=division_of(session, reward), version=version, current_version=reward.version,
                 reason=reason)


def apply_reward(session: Session, *, reward: Reward, action: str, actor: Actor, version: int | None = None,
                 reason: str = "") -> str:
    """Move `reward` by `action`. Raises Conflict (unknown action, wrong state, stale version),
    Forbidden (role or jurisdiction), ValidationFailed (reason missing). Returns the previous status."""
    transition = check_reward(session, reward=reward, action=action, actor=actor, version=version, reason=reason)
    previous = reward.status
    if transition.target is not None:
        reward.status = transition.target
    return previous
