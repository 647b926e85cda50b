"""After approval: the reporter's claim, finance's payment, forfeiture and revocation.

Joint reporters (one report, several signatories) share one reward: each signatory has a share
(quote.split: equal, the first takes the remaining fen), their own claim and their own payment
record, numbered share_no 1..signatories. The reward is "claimed" once every share is claimed
and "paid" once every claimed share is paid; shares not claimed in the window are forfeited.
Late claims: finance may accept a claim after the window on a recorded good reason, requested by
one member of finance and approved by another (late_claims.py)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..actors import Actor
from ..calendar.services import WorkCalendar
from ..cases.deadlines import clocks
from ..cases.deadlines.models import Clock
from ..errors import Conflict, Forbidden, ValidationFailed
from ..gate import REPORTER, SYSTEM
from ..intake import passphrase as claim_passphrase
from ..intake.models import ReporterIdentity, Tip
from ..validators import id_number_problem, normalise_id_number
from . import periods
from .models import Reward, RewardClaim, RewardPayment
from .quote import split
from .services import _audit
from .workflow import apply_reward, check_reward

METHODS = ("bank_transfer", "cash", "other")


def claim_clock(session: Session, reward: Reward) -> Clock | None:
    return periods.claim_clock(session, reward)


def share_amounts(reward: Reward) -> list[Decimal]:
    """Each signatory's share of the reward's amount (one item for a single reporter)."""
    return split(reward.amount, max(1, reward.signatories or 1)) if reward.amount is not None else []


def claims_of(session: Session, reward: Reward) -> dict[int, RewardClaim]:
    return {c.share_no: c for c in session.scalars(select(RewardClaim).where(RewardClaim.reward_id == reward.id))}


def payments_of(session: Session, reward: Reward) -> dict[int, RewardPayment]:
    return {p.share_no: p for p in session.scalars(select(RewardPayment).where(RewardPayment.reward_id == reward.id))}


def open_shares(session: Session, reward: Reward) -> list[int]:
    """The signatories' numbers whose share is not claimed yet."""
    claimed = claims_of(session, reward)
    return [n for n in range(1, max(1, reward.signatories or 1) + 1) if n not in claimed]


def claim(session: Session, *, now: dt.datetime, reward: Reward, name: str, id_number: str, bank: str,
          account_number: str, account_holder: str, passphrase: str | None = None,
          share_no: int = 1) -> RewardClaim:
    """The reporter (anonymous ones through their receipt) gives identity and an account in their
    own name. Where the reporter set a claim passphrase, it must be given too: a wrong one is the
    only error reported (ValidationFailed on `passphrase`), so nothing else is checked for someone
    who holds only the receipt code. `share_no` is the signatory's number for a joint report.
    Raises Conflict when nothing is claimable, the share is claimed already or the window has
    closed, ValidationFailed."""
    check_reward(session, reward=reward, action="claim_share", actor=REPORTER)
    today = clocks.local_date(now)
    window = claim_clock(session, reward)
    if window is not None and window.due_on is not None and today > window.due_on:
        raise Conflict("claim window closed", kind="window")
    if share_no not in open_shares(session, reward):
        raise Conflict("this share is not open for a claim", kind="share")
    stored = session.scalar(select(Tip.claim_passphrase_hash).where(Tip.id == reward.tip_id))
    if stored and not claim_passphrase.matches(stored, passphrase):
        raise ValidationFailed("wrong passphrase", fields={
            "passphrase": "passphrase_wrong" if claim_passphrase.normalise(passphrase) else "required"})
    fields = {}
    name, holder = (name or "").strip(), (account_holder or "").strip()
    if not name:
        fields["name"] = "required"
    problem = id_number_problem(id_number, today=today)
    if problem:
        fields["id_number"] = "id_" + problem
    if not (bank or "").strip():
        fields["bank"] = "required"
    digits = "".join(ch for ch in (account_number or "") if ch.isdigit())
    if not 8 <= len(digits) <= 30:
        fields["account_number"] = "invalid"
    if holder != name:
        fields["account_holder"] = "not_own_name"  # payment goes only to an account in the reporter's name
    if fields:
        raise ValidationFailed("invalid claim", fields=fields)
    check = identity_check(session.scalar(select(ReporterIdentity).where(ReporterIdentity.tip_id == reward.tip_id)),
                           name=name, id_number=id_number, joint=reward.signatories > 1)
    row = RewardClaim(reward_id=reward.id, share_no=share_no, name=name, id_number=normalise_id_number(id_number),
                      bank=bank.strip(), account_number=digits, account_holder=holder, claimed_at=now,
                      with_passphrase=bool(stored), identity_check=check)
    session.add(row)
    session.flush()
    if not open_shares(session, reward):
        apply_reward(session, reward=reward, action="claim", actor=REPORTER)
        clocks.finish(session, window, today)
    # How the claimant was proven, for finance before paying (and the trail).
    _audit(session, now, reward, "claimed", None, with_passphrase=bool(stored), identity_check=check,
           **({"share": share_no} if reward.signatories > 1 else {}))
    return row


def identity_check(identity: ReporterIdentity | None, *, name: str, id_number: str, joint: bool = False) -> str:
    """Whether the claimant is who the report named: "match", "differs", or "none" when the report
    gave no name or ID number. The ID number decides where the report gave one, else the name.
    A joint report (`joint`: more than one signatory) names one of its reporters, so a claimant of
    another share who is not that person is "cosigner", not "differs": finance checks that they
    signed the joint report.
    Compared by the server at claim time; nobody sees the identity, and the claimant is not told
    (a holder of someone else's receipt learns nothing from the answer): finance sees the result."""
    if identity is None or not (identity.id_number or identity.name):
        return "none"
    if identity.id_number:
        same = normalise_id_number(identity.id_number) == normalise_id_number(id_number)
    else:
        same = "".join((identity.name or "").split()) == "".join((name or "").split())  # a name: checked above
    if same:
        return "match"
    return "cosigner" if joint else "differs"


def reveal_claim(session: Session, *, now: dt.datetime, reward: Reward, actor: Actor, reason: str,
                 share_no: int = 1) -> RewardClaim:
    """Finance reads the claimant's identity and account to pay; each read is audited with its reason."""
    if not actor.has_role("finance"):
        raise Forbidden("only finance reads claim details")
    if len((reason or "").strip()) < 2:
        raise ValidationFailed("reason", fields={"reason": "required"})
    row = claims_of(session, reward).get(share_no)
    if row is None:
        raise Conflict("no claim", kind="state")
    _audit(session, now, reward, "claim_viewed", actor, reason=reason.strip(),
           **({"share": share_no} if reward.signatories > 1 else {}))
    return row


def record_payment(session: Session, *, now: dt.datetime, reward: Reward, actor: Actor, voucher_number: str,
                   paid_on: dt.date, method: str, amount: object, share_no: int = 1) -> RewardPayment:
    """Finance records the payment of one claimed share (the whole reward for a single reporter):
    the amount must be that share. Raises Forbidden, Conflict, ValidationFailed."""
    check_reward(session, reward=reward, action="pay_share", actor=actor)
    claimed, paid_rows = claims_of(session, reward), payments_of(session, reward)
    if share_no not in claimed or share_no in paid_rows:
        raise Conflict("not claimed", kind="state")
    fields = {}
    if not (voucher_number or "").strip():
        fields["voucher_number"] = "required"
    if method not in METHODS:
        fields["method"] = "invalid"
    try:
        paid = Decimal(str(amount)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        paid = None
    if paid is None or paid != share_amounts(reward)[share_no - 1]:
        fields["amount"] = "mismatch"
    if paid_on > clocks.local_date(now):
        fields["paid_on"] = "future"
    if fields:
        raise ValidationFailed("invalid payment", fields=fields)
    row = RewardPayment(reward_id=reward.id, share_no=share_no, voucher_number=voucher_number.strip(),
                        paid_on=paid_on, method=method, amount=paid, recorded_by=actor.id, recorded_at=now)
    session.add(row)
    claimed[share_no].verified_by = actor.id
    if reward.status == "claimed" and set(claimed) <= set(paid_rows) | {share_no}:
        apply_reward(session, reward=reward, action="pay", actor=actor)
    _audit(session, now, reward, "paid", actor, voucher=voucher_number.strip(), amount=str(paid),
           paid_on=paid_on.isoformat(), method=method, **({"share": share_no} if reward.signatories > 1 else {}))
    return row


def extend_claim(session: Session, *, now: dt.datetime, reward: Reward, actor: Actor, workdays: int,
                 reason: str) -> None:
    """An approved extension of the claim window, for good reason."""
    check_reward(session, reward=reward, action="extend_claim", actor=actor)
    if not 1 <= int(workdays) <= 90 or len((reason or "").strip()) < 2:
        raise ValidationFailed("extension", fields={"reason": "required"})
    window = claim_clock(session, reward)
    if window is None:  # every notified reward has one (notify starts it)
        raise Conflict("the reward has no claim window", kind="state")
    clocks.extend(session, window, int(workdays), WorkCalendar.load(session))
    reward.claim_due_told, reward.claim_due_was = window.due_on, None
    _audit(session, now, reward, "claim_extended", actor, workdays=int(workdays), reason=reason.strip())


def forfeit_expired(session: Session, now: dt.datetime) -> int:
    """Scheduler job: rewards not claimed within the (possibly extended) window are forfeited; of a
    joint reward only the unclaimed shares are (the reward goes on to payment of the claimed ones).
    Finance may still accept a late claim on a good reason (late_claims.py)."""
    today = clocks.local_date(now)
    count = 0
    for reward in session.scalars(select(Reward).where(Reward.status == "notified")):
        window = claim_clock(session, reward)
        if window is not None and window.due_on is not None and window.due_on < today:
            claimed, paid_rows = claims_of(session, reward), payments_of(session, reward)
            unclaimed = open_shares(session, reward)
            action = ("forfeit" if not claimed else
                      "forfeit_shares_paid" if set(claimed) <= set(paid_rows) else "forfeit_shares")
            apply_reward(session, reward=reward, action=action, actor=SYSTEM)
            clocks.finish(session, window, today)
            window.met = False
            _audit(session, now, reward, "forfeited", None, due=window.due_on.isoformat(),
                   **({"shares": unclaimed} if claimed else {}))
            count += 1
    session.commit()
    return count


def revoke(session: Session, *, now: dt.datetime, reward: Reward, actor: Actor, reason: str) -> None:
    """Refuse or recover a reward for fraud (forged material, concealed facts, false accusation)."""
    check_reward(session, reward=reward, action="revoke", actor=actor)
    if len((reason or "").strip()) < 4:
        raise ValidationFailed("reason", fields={"reason": "required"})
    was_paid = apply_reward(session, reward=reward, action="revoke", actor=actor) == "paid"
    reward.revoked_reason = reason.strip()
    _audit(session, now, reward, "revoked", actor, reason=reason.strip(), recovery=was_paid)
