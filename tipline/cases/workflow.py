"""The one place every tip and case state change goes through.

`apply_tip` and `apply_case` check that the transition is allowed from the current state, that the
actor's role and jurisdiction allow it, and that the record is the version the actor saw
(optimistic locking), then write the audit event in the same transaction. The reporter's status
page reads `Tip.status`, which `sync_tip_status` keeps in step with the case.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from ..actors import Actor
from ..audit import services as audit
from ..errors import Conflict
from ..gate import SYSTEM, Transition, check  # noqa: F401 (SYSTEM: re-exported)
from ..intake.models import Tip
from ..timesource import local_date

TRIAGE_ROLES = frozenset({"officer", "supervisor"})
SUPERVISOR = frozenset({"supervisor"})
OPEN_TIP_STATES = frozenset({"received", "in_triage", "transferred"})


TIP_TRANSITIONS = {
    "start_triage": Transition(frozenset({"received", "transferred"}), "in_triage", TRIAGE_ROLES),
    "file_case": Transition(OPEN_TIP_STATES, "case_filed", TRIAGE_ROLES, needs_document=True),
    "join_case": Transition(OPEN_TIP_STATES, "case_filed", TRIAGE_ROLES, needs_reason=True),
    "split": Transition(OPEN_TIP_STATES, "in_triage", TRIAGE_ROLES, needs_reason=True),
    "mark_complaint": Transition(OPEN_TIP_STATES, "complaint", TRIAGE_ROLES, needs_reason=True),
    "merge": Transition(OPEN_TIP_STATES, "merged", TRIAGE_ROLES, needs_reason=True),
    "transfer_division": Transition(OPEN_TIP_STATES, "transferred", TRIAGE_ROLES, needs_reason=True),
    "transfer_department": Transition(OPEN_TIP_STATES, "transferred_out", TRIAGE_ROLES, needs_reason=True),
    "reject": Transition(OPEN_TIP_STATES, "not_accepted", TRIAGE_ROLES, needs_reason=True),
    # The same reporter reported the same matter again: not processed again, or merged into the
    # earlier report; the reporter is told either way.
    "mark_repeat": Transition(OPEN_TIP_STATES, "repeat", TRIAGE_ROLES, needs_reason=True),
}

# The complaint track (tips of kind "complaint"; Tip.status is the complaint's state). A target of
# None records the action without changing the state. "expire_mediation" is the scheduler's.
COMPLAINT_OPEN = frozenset({"received", "in_triage", "transferred", "complaint"})
MEDIATING = frozenset({"mediation", "mediation_stopped"})
SYSTEM_ROLES = frozenset({"system"})
COMPLAINT_TRANSITIONS = {
    "accept": Transition(COMPLAINT_OPEN, "mediation", TRIAGE_ROLES),
    "not_accept": Transition(COMPLAINT_OPEN, "complaint_refused", TRIAGE_ROLES, needs_reason=True),
    "record_session": Transition(frozenset({"mediation"}), None, TRIAGE_ROLES),
    "stop_mediation": Transition(frozenset({"mediation"}), "mediation_stopped", TRIAGE_ROLES, needs_reason=True),
    "resume_mediation": Transition(frozenset({"mediation_stopped"}), "mediation", TRIAGE_ROLES),
    "end_mediation": Transition(MEDIATING, "complaint_ended", TRIAGE_ROLES, needs_reason=True),
    "expire_mediation": Transition(frozenset({"mediation"}), "complaint_ended", SYSTEM_ROLES),
    "refer_violation": Transition(MEDIATING | frozenset({"complaint_ended"}), None, TRIAGE_ROLES, needs_reason=True),
    "follow_up": Transition(frozenset({"complaint_ended"}), None, TRIAGE_ROLES),
}


CASE_TRANSITIONS = {
    "suspend": Transition(frozenset({"under_investigation"}), "suspended", TRIAGE_ROLES, needs_reason=True),
    "resume": Transition(frozenset({"suspended"}), "under_investigation", TRIAGE_ROLES, needs_reason=True),
    "decide": Transition(frozenset({"under_investigation"}), "decided", TRIAGE_ROLES),
    "close": Transition(frozenset({"decided"}), "closed", SUPERVISOR),
}

# What the reporter sees while the case moves (Tip.status values; wording in intake.status).
CASE_STATE_TO_TIP_STATUS = {
    "under_investigation": "under_investigation",
    "suspended": "suspended",
    "decided": "decided",
    "closed": "closed",
}


def apply_tip(session: Session, *, now: dt.datetime, tip: Tip, action: str, actor: Actor,
              version: int | None, reason: str = "", document: str = "", on: dt.date | None = None,
              details: dict | None = None) -> str:
    """Move `tip` by `action`. Raises Conflict (unknown action, wrong state, stale version),
    Forbidden (role or jurisdiction), ValidationFailed (reason or document number missing).
    Returns the previous status."""
    transition = check(TIP_TRANSITIONS, action, state=tip.status, actor=actor, division_code=tip.division_code,
                       version=version, current_version=tip.version, reason=reason, document=document)
    if transition.target is None:  # every tip transition names its target; only complaint steps may not
        raise ValueError(f"tip action {action!r} has no target state")
    previous = tip.status
    tip.status = transition.target
    tip.status_changed_at = now
    tip.triaged_by_id = actor.id
    audit.record(session, now=now, action=f"tip.{action}", actor=actor, object_type="tip", object_id=tip.id,
                 details={"from": previous, "to": tip.status, "reason": reason, "document": document,
                          "on": (on or local_date(now)).isoformat(), **(details or {})})
    return previous


def apply_complaint(session: Session, *, now: dt.datetime, tip: Tip, action: str, actor: Actor,
                    version: int | None, reason: str = "", on: dt.date | None = None,
                    details: dict | None = None) -> str:
    """Move complaint `tip` by `action`; raises as `apply_tip`, and Conflict for a tip that is not a
    complaint. Returns the previous status."""
    transition = check(COMPLAINT_TRANSITIONS, action, state=tip.status, actor=actor, division_code=tip.division_code,
                       version=version, current_version=tip.version, reason=reason)
    if tip.kind != "complaint":
        raise Conflict(f"cannot {action}: not a complaint", kind="state")
    previous = tip.status
    if transition.target is not None:
        tip.status = transition.target
        tip.status_changed_at = now
    if actor.id is not None:
        tip.triaged_by_id = actor.id
    audit.record(session, now=now, action=f"complaint.{action}", actor=actor, object_type="tip", object_id=tip.id,
                 details={"from": previous, "to": tip.status, "reason": reason,
                          "on": (on or local_date(now)).isoformat(), **(details or {})})
    return previous


def apply_case(session: Session, *, now: dt.datetime, case, action: str, actor: Actor,
               version: int | None, reason: str = "", document: str = "", on: dt.date | None = None,
               details: dict | None = None) -> str:
    """Move `case` by `action`; raises as `apply_tip`. Keeps the linked tips' public status in step."""
    transition = check(CASE_TRANSITIONS, action, state=case.state, actor=actor, division_code=case.division_code,
                       version=version, current_version=case.version, reason=reason, document=document)
    previous = case.state
    case.state = transition.target
    audit.record(session, now=now, action=f"case.{action}", actor=actor, object_type="case", object_id=case.id,
                 details={"from": previous, "to": case.state, "reason": reason, "document": document,
                          "on": (on or local_date(now)).isoformat(), **(details or {})})
    sync_tip_status(session, case, now)
    return previous


def sync_tip_status(session: Session, case, now: dt.datetime) -> None:
    status = CASE_STATE_TO_TIP_STATUS[case.state]
    session.execute(update(Tip).where(Tip.case_id == case.id).values(status=status, status_changed_at=now)
                    .execution_options(synchronize_session="fetch"))


def link_tips_to_case(session: Session, tip: Tip, case) -> None:
    """The filed tip and every tip merged into it follow the case."""
    tip.case_id = case.id
    session.execute(update(Tip).where(or_(Tip.merged_into_id == tip.id)).values(case_id=case.id)
                    .execution_options(synchronize_session="fetch"))
    session.flush()
