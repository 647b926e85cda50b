"""Late claims and moved claim deadlines.

Late claims: after the claim window, finance may accept a claim late on a recorded good reason,
instead of forfeiture being final. Four eyes: one member of finance requests it with the reason,
a second, different one approves it; neither may have worked the case. The approval reopens the
claim for the rule set's late_claim_workdays (a local figure) and the reporter can claim again on
the status page. Basis: only a claim late "without good reason" (无正当理由) is treated as given
up (《食品药品违法行为举报奖励办法》 2017 Art. 14, confirmed; the 2021 measures' article:
unconfirmed).

Moved deadlines: when an imported official calendar moves a reporter's provisional claim
deadline, the reward remembers the deadline shown before and the status page says it moved.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..actors import Actor
from ..cases.deadlines import clocks
from ..errors import Conflict, Forbidden, ValidationFailed
from . import periods
from .claims import claim_clock, claims_of, open_shares
from .models import Reward, RewardLateClaim
from .rules import RuleSets
from .services import _audit, case_workers
from .workflow import LATE, apply_reward, check_reward

LATE_STATES = LATE


def pending(session: Session, reward: Reward) -> RewardLateClaim | None:
    return session.scalar(select(RewardLateClaim).where(RewardLateClaim.reward_id == reward.id,
                                                        RewardLateClaim.approved_by.is_(None)))


def window_closed(session: Session, reward: Reward, today: dt.date) -> bool:
    """Some share is unclaimed and the (latest) claim window has passed."""
    window = claim_clock(session, reward)
    return (reward.status in LATE_STATES and bool(open_shares(session, reward)) and window is not None
            and window.due_on is not None and today > window.due_on)


def _finance_outside_the_case(session: Session, reward: Reward, actor: Actor, action: str) -> None:
    check_reward(session, reward=reward, action=action, actor=actor)
    if actor.id in case_workers(session, reward.case_id):
        raise Forbidden("nobody approves a reward on a case they worked")


def request(session: Session, *, now: dt.datetime, reward: Reward, actor: Actor, reason: str) -> RewardLateClaim:
    """The first member of finance asks to accept a late claim, with the good reason."""
    _finance_outside_the_case(session, reward, actor, "request_late_claim")
    if not window_closed(session, reward, clocks.local_date(now)) or pending(session, reward) is not None:
        raise Conflict("no closed claim window to reopen", kind="state")
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ValidationFailed("reason", fields={"reason": "required"})
    row = RewardLateClaim(reward_id=reward.id, reason=reason, requested_by=actor.id, requested_at=now)
    session.add(row)
    session.flush()
    _audit(session, now, reward, "late_claim_requested", actor, reason=reason)
    return row


def approve(session: Session, *, now: dt.datetime, reward: Reward, actor: Actor,
            rule_sets: RuleSets | None = None) -> RewardLateClaim:
    """A second, different member of finance approves: the claim reopens."""
    _finance_outside_the_case(session, reward, actor, "accept_late_claim")
    row = pending(session, reward)
    if row is None:
        raise Conflict("no late claim awaiting approval", kind="state")
    if row.requested_by == actor.id:
        raise Forbidden("a second approval must come from someone else", kind="already_approved")
    today = clocks.local_date(now)
    if not window_closed(session, reward, today):
        raise Conflict("the claim window is open", kind="state")
    rules = periods.rules_of(session, reward, rule_sets)
    old = claim_clock(session, reward)
    clocks.finish(session, old, today)
    window = periods.start(session, kind="reward_claim", reward=reward, on=today,
                           workdays=rules.late_claim_workdays, rules=rules, now=now)
    row.approved_by, row.approved_at, row.due_on = actor.id, now, window.due_on
    apply_reward(session, reward=reward, action="accept_late_claim", actor=actor)
    reward.claim_due_told, reward.claim_due_was = window.due_on, None
    _audit(session, now, reward, "late_claim_accepted", actor, reason=row.reason, requested_by=row.requested_by,
           due=window.due_on.isoformat() if window.due_on else None, workdays=rules.late_claim_workdays)
    return row


def tell_moved_deadlines(session: Session, now: dt.datetime, years: Iterable[int]) -> list[Reward]:
    """Calendar import hook (after the clocks were recomputed): a reporter whose claim deadline
    moved is told on the status page (Reward.claim_due_was), and the move is audited."""
    moved: list[Reward] = []
    for reward in session.scalars(select(Reward).where(Reward.status == "notified",
                                                       Reward.claim_due_told.is_not(None))):
        window = claim_clock(session, reward)
        told = reward.claim_due_told  # not None: selected so
        if told is None or window is None or window.due_on is None or window.due_on == told:
            continue
        reward.claim_due_was, reward.claim_due_told = told, window.due_on
        _audit(session, now, reward, "claim_deadline_moved", None, was=told.isoformat(),
               due=window.due_on.isoformat(), provisional=window.provisional)
        moved.append(reward)
    session.flush()
    return moved


__all__ = ["approve", "pending", "request", "tell_moved_deadlines", "window_closed", "claims_of"]
