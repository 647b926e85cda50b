"""The reward periods, from the reward's rule set (the only source; deadlines.json has no reward
clocks): the notice period (notice_workdays) from the case's closing, the claim window
(claim_window_workdays) from the notice, and a late claim's reopened window (late_claim_workdays).

A reward keeps the rule set it was computed with (`Reward.rule_set`, `rule_set_version`); before
the proposal records one, the set in force on the case's decision date applies (the one the
proposal will use). The clocks are ordinary `Clock` rows, so reminders, the case page and the
official-calendar recomputation treat them like the others.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..calendar.services import WorkCalendar
from ..cases.deadlines import clocks
from ..cases.deadlines.models import Clock
from ..cases.models import Case
from ..intake.models import Tip
from .models import Reward
from .rules import RuleSet, RuleSets, load_rule_sets


def loaded_rule_sets() -> RuleSets:
    """The app's rule sets (instance overrides included); the shipped ones outside an app."""
    try:
        from flask import current_app
        rule_sets: RuleSets = current_app.extensions["reward_rules"]
        return rule_sets
    except (RuntimeError, KeyError):
        return load_rule_sets(None)


def rules_for_case(rule_sets: RuleSets, case: Case) -> RuleSet:
    return rule_sets.for_date(case.decision_date or case.filed_on, family="henan")


def rules_of(session: Session, reward: Reward, rule_sets: RuleSets | None = None) -> RuleSet:
    """The set the reward was computed with; before the proposal, the case's."""
    rule_sets = rule_sets or loaded_rule_sets()
    if reward.rule_set:
        try:
            return rule_sets.get(reward.rule_set, reward.rule_set_version)
        except LookupError:  # the file was removed from the instance: fall back to the case's set
            pass
    return rules_for_case(rule_sets, session.get_one(Case, reward.case_id))  # case_id is a non-null foreign key


def start(session: Session, *, kind: str, reward: Reward, on: dt.date, workdays: int, rules: RuleSet,
          now: dt.datetime, cal: WorkCalendar | None = None) -> Clock:
    """A reward clock of `workdays` working days from `on`; rule_from records the rule set's date."""
    tip = session.get_one(Tip, reward.tip_id)  # tip_id is a non-null foreign key
    clock = Clock(kind=kind, tip_id=reward.tip_id, division_code=tip.division_code, start_on=on, length=workdays,
                  unit="workdays", rule_from=rules.effective_from, created_at=now)
    session.add(clock)
    clocks.recompute(session, clock, cal or WorkCalendar.load(session))
    session.flush()
    return clock


def claim_clock(session: Session, reward: Reward) -> Clock | None:
    return session.scalar(select(Clock).where(Clock.kind == "reward_claim", Clock.tip_id == reward.tip_id)
                          .order_by(Clock.id.desc()).limit(1))
