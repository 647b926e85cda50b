"""From a closed case to an approved reward: review tasks, eligibility, proposal, approvals.

Nobody approves their own proposal or a reward on a case they worked; at the joint-approval
threshold two different finance approvers are needed; an insider uplift needs finance's consent.
Each step can send the reward back with a reason. Every step is audited.
"""
from __future__ import annotations

import datetime as dt
import json
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..actors import Actor
from ..audit import services as audit
from ..calendar.services import WorkCalendar
from ..cases.deadlines import clocks
from ..cases.models import Assignment, Case
from ..errors import Forbidden, ValidationFailed
from ..gate import SYSTEM
from ..intake.models import Tip
from . import periods
from .models import Reward, RewardApproval
from .quote import QuoteError, quote
from .rules import RuleSet, RuleSets
from .workflow import OPEN, apply_reward, check_reward  # noqa: F401 (OPEN re-exported)

REWARDABLE_OUTCOMES = ("violation", "criminal_transfer")
MAJOR_MEASURES = ("suspend_business", "closure", "licence_revoked")


def _audit(session: Session, now: dt.datetime, reward: Reward, action: str, actor: Actor | None,
           **details: Any) -> None:
    audit.record(session, now=now, action=f"reward.{action}", actor=actor, object_type="reward",
                 object_id=reward.id, details={"case": reward.case_id, **details})


def case_workers(session: Session, case_id: int) -> set[int]:
    """Everyone who triaged or investigated the case: none of them may approve its rewards."""
    people = set(session.scalars(select(Assignment.user_id).where(Assignment.case_id == case_id)))
    people |= {u for u in session.scalars(select(Tip.triaged_by_id).where(Tip.case_id == case_id)) if u}
    return people


def open_reviews(session: Session, now: dt.datetime, case: Case, rule_sets: RuleSets | None = None) -> list[Reward]:
    """Registered as a case-closed hook: every report merged into a rewardable case gets a review,
    ordered by time of receipt (the first is the one rewarded; later ones need an allocation).
    The notice clock runs for the rule set's notice_workdays."""
    if case.outcome not in REWARDABLE_OUTCOMES:
        return []
    rules = periods.rules_for_case(rule_sets or periods.loaded_rule_sets(), case)
    tips = session.scalars(select(Tip).where(Tip.case_id == case.id, Tip.kind != "complaint")
                           .order_by(Tip.received_at, Tip.id)).all()
    cal = WorkCalendar.load(session)
    created: list[Reward] = []
    for order, tip in enumerate(tips, start=1):
        if session.scalar(select(Reward.id).where(Reward.tip_id == tip.id)) is not None:
            continue
        reward = Reward(case_id=case.id, tip_id=tip.id, order_in_case=order, created_at=now,
                        share_percent=100 if order == 1 else 0)
        session.add(reward)
        session.flush()
        periods.start(session, kind="reward_notice", reward=reward, on=case.closed_on or clocks.local_date(now),
                      workdays=rules.notice_workdays, rules=rules, now=now, cal=cal)
        _audit(session, now, reward, "review_opened", None, tip=tip.id, order=order)
        created.append(reward)
    return created


def major_basis(case: Case, party_type: str, rules: RuleSet) -> str | None:
    if case.outcome == "criminal_transfer":
        return "criminal"
    if any(m in MAJOR_MEASURES for m in case.measure_list):
        return "measure"
    threshold = rules.large_fines_natural_person if party_type == "natural_person" else rules.large_fines_organisation
    if case.penalty_total >= threshold:
        return "large_fines"
    return None


_rules_for = periods.rules_for_case


def propose(session: Session, *, now: dt.datetime, reward: Reward, actor: Actor, rule_sets: RuleSets,
            version: int | None, natural_person: bool, exclusion: str, unknown_to_regulator: bool,
            party_type: str, insider: bool, level: int | None, uplift: Decimal | None = None,
            proposed_amount: Decimal | None = None, share_percent: int | None = None,
            allocation_reason: str = "", signatories: int = 1, exclusion_reason: str = "",
            adjusted_amount: Decimal | None = None, adjustment_reason: str = "") -> Reward:
    """The officer's eligibility checklist and proposal. An ineligible reporter ends here (and is
    told so in plain words). An exclusion the rule set marks reason_required needs
    `exclusion_reason`. `adjusted_amount` (discretion within the rules: between the level's floor
    and the cap) replaces the computed amount and needs `adjustment_reason`, which the approvers
    see. Raises Forbidden, Conflict (state or stale version), ValidationFailed."""
    case = session.get_one(Case, reward.case_id)  # case_id is a non-null foreign key
    check_reward(session, reward=reward, action="propose", actor=actor, version=version)
    if actor.has_role("officer") and actor.id not in case_workers(session, case.id):
        raise Forbidden("only the case's officers propose")
    rules = _rules_for(rule_sets, case)
    if party_type not in ("natural_person", "organisation"):
        raise ValidationFailed("party type", fields={"party_type": "invalid"})
    by_code = {e.code: e for e in rules.exclusions}
    if exclusion and exclusion not in by_code:
        raise ValidationFailed("exclusion", fields={"exclusion": "invalid"})
    exclusion_reason = (exclusion_reason or "").strip()
    if natural_person and exclusion and by_code[exclusion].reason_required and len(exclusion_reason) < 4:
        raise ValidationFailed("exclusion reason", fields={"exclusion_reason": "required"})
    basis = major_basis(case, party_type, rules)
    reason = ("not_natural_person" if not natural_person else exclusion if exclusion else
              "already_known" if not unknown_to_regulator else "not_major" if basis is None else "")
    reward.natural_person, reward.exclusion = natural_person, exclusion or None
    reward.unknown_to_regulator, reward.party_type, reward.major_basis = unknown_to_regulator, party_type, basis
    reward.insider, reward.proposed_by = insider, actor.id
    reward.exclusion_reason = exclusion_reason if exclusion else ""
    if reason:
        apply_reward(session, reward=reward, action="find_not_eligible", actor=actor)
        reward.ineligible_reason = reason
        _audit(session, now, reward, "not_eligible", actor, reason=reason)
        return reward
    if reward.order_in_case > 1 and len(allocation_reason.strip()) < 4:
        raise ValidationFailed("allocation", fields={"allocation_reason": "required"})
    share = 100 if reward.order_in_case == 1 and share_percent is None else int(share_percent or 0)
    others = session.scalar(select(func.coalesce(func.sum(Reward.share_percent), 0)).where(
        Reward.case_id == case.id, Reward.id != reward.id, Reward.status.notin_(("not_eligible", "revoked")))) or 0
    if not 1 <= share <= 100 or others + share > 100:
        raise ValidationFailed("share", fields={"share_percent": "invalid"})
    try:
        q = quote(rules, level=level or 0, fines_and_confiscations=case.penalty_total,
                  insider_uplift=uplift if insider else None,
                  proposed_no_fine_amount=proposed_amount if case.penalty_total == 0 else None,
                  adjusted_amount=adjusted_amount, signatories=signatories)
    except QuoteError as exc:
        if str(exc).startswith("adjusted_amount"):
            raise ValidationFailed(str(exc), fields={"adjusted_amount": "out_of_bounds"}) from None
        raise ValidationFailed(str(exc), fields={"level": str(exc)}) from None
    adjustment_reason = (adjustment_reason or "").strip()
    if q.adjusted and len(adjustment_reason) < 4:
        raise ValidationFailed("adjustment reason", fields={"adjustment_reason": "required"})
    amount = (q.amount * share / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    computed = q.computed_amount if q.computed_amount is not None else q.amount  # quote() always sets it
    reward.computed_amount = (computed * share / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    reward.adjustment_reason = adjustment_reason if q.adjusted else ""
    reward.rule_set, reward.rule_set_version, reward.level = q.rule_set, q.rule_set_version, q.level
    reward.base, reward.uplift, reward.amount = q.base, (q.uplift if insider else None), amount
    reward.share_percent, reward.signatories, reward.allocation_reason = share, signatories, allocation_reason.strip()
    reward.joint_finance_approval = q.joint_finance_approval
    reward.computation = json.dumps({**q.as_json(), "steps": q.steps,
                                     "step_messages": [[st.msgid, st.values] for st in q.steps],
                                     "share_percent": share,
                                     "amount_after_share": str(amount)}, ensure_ascii=False)
    apply_reward(session, reward=reward, action="propose", actor=actor)
    reward.returned_reason = ""
    _audit(session, now, reward, "proposed", actor, level=q.level, amount=str(amount), rule_set=q.rule_set,
           version=q.rule_set_version, **({"computed": str(reward.computed_amount), "adjustment_reason":
                                             reward.adjustment_reason} if q.adjusted else {}))
    return reward


def _approvals(session: Session, reward: Reward, step: str) -> list[RewardApproval]:
    return list(session.scalars(select(RewardApproval).where(RewardApproval.reward_id == reward.id,
                                                             RewardApproval.step == step,
                                                             RewardApproval.active.is_(True))))


def _independent(session: Session, reward: Reward, actor: Actor) -> None:
    if actor.id == reward.proposed_by:
        raise Forbidden("nobody approves their own proposal")
    if actor.id in case_workers(session, reward.case_id):
        raise Forbidden("nobody approves a reward on a case they worked")


def send_back(session: Session, *, now: dt.datetime, reward: Reward, actor: Actor, reason: str) -> None:
    """A supervisor or finance returns the reward to the officer with a reason."""
    apply_reward(session, reward=reward, action="send_back", actor=actor, reason=reason)
    for a in _approvals(session, reward, "review") + _approvals(session, reward, "finance"):
        a.active = False
    reward.returned_reason = reason.strip()
    _audit(session, now, reward, "sent_back", actor, reason=reason.strip())


def review(session: Session, *, now: dt.datetime, reward: Reward, actor: Actor,
           version: int | None) -> None:
    """The supervisor confirms the level and amount. Raises Forbidden (role, jurisdiction, their own
    proposal or a case they worked), Conflict (state or stale version)."""
    check_reward(session, reward=reward, action="review", actor=actor, version=version)
    _independent(session, reward, actor)
    session.add(RewardApproval(reward_id=reward.id, user_id=actor.id, step="review", at=now))
    apply_reward(session, reward=reward, action="review", actor=actor)
    reward.reviewed_by = actor.id
    _audit(session, now, reward, "reviewed", actor)


def finance_approve(session: Session, *, now: dt.datetime, reward: Reward, actor: Actor, version: int | None,
                    uplift_consent: bool = False, rule_sets: RuleSets | None = None) -> None:
    """One finance approval; two different ones at the joint-approval threshold. The last one
    notifies the reporter and starts the claim clock. Raises Forbidden, Conflict, ValidationFailed."""
    check_reward(session, reward=reward, action="finance_approve", actor=actor, version=version)
    _independent(session, reward, actor)
    if actor.id == reward.reviewed_by:
        raise Forbidden("the reviewer cannot also approve")
    done = _approvals(session, reward, "finance")
    if any(a.user_id == actor.id for a in done):
        raise Forbidden("a second approval must come from someone else", kind="already_approved")
    if reward.uplift and reward.uplift > 1 and not (uplift_consent or reward.uplift_consent_by):
        raise ValidationFailed("consent", fields={"uplift_consent": "required"})
    if reward.uplift and reward.uplift > 1 and uplift_consent and not reward.uplift_consent_by:
        reward.uplift_consent_by = actor.id
    session.add(RewardApproval(reward_id=reward.id, user_id=actor.id, step="finance", at=now))
    _audit(session, now, reward, "finance_approved", actor, approval=len(done) + 1)
    if len(done) + 1 >= (2 if reward.joint_finance_approval else 1):
        apply_reward(session, reward=reward, action="approve", actor=actor)
        notify(session, now=now, reward=reward, rule_sets=rule_sets)


def notify(session: Session, *, now: dt.datetime, reward: Reward, rule_sets: RuleSets | None = None) -> None:
    """The reporter's status page now shows the reward and how to claim it; the claim clock starts
    for the claim_window_workdays of the rule set the reward was computed with."""
    today = clocks.local_date(now)
    apply_reward(session, reward=reward, action="notify", actor=SYSTEM)
    reward.notified_on = today
    rules = periods.rules_of(session, reward, rule_sets)
    clocks.finish(session, clocks.running(session, "reward_notice", tip_id=reward.tip_id), today)
    window = periods.start(session, kind="reward_claim", reward=reward, on=today,
                           workdays=rules.claim_window_workdays, rules=rules, now=now)
    reward.claim_due_told, reward.claim_due_was = window.due_on, None
    _audit(session, now, reward, "notified", None, claim_due=window.due_on.isoformat() if window.due_on else None,
           claim_workdays=rules.claim_window_workdays, rule_set=f"{rules.name}@{rules.version}")
