"""Recording an inspection's result, the rectification follow-up, and officer recusal.

Deadlines are working days on the shared calendar (calendar.services.WorkCalendar). Each inspection
task and each rectification deadline is a row of the shared `clock` table (kinds "inspection" and
"rectification", no tip or case), so the existing reminder sweep (cases.reminders) reminds the
division's supervisors before and on the due day and when overdue, without changes to it.
"""
from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..actors import Actor
from ..audit import services as audit
from ..cases.deadlines.models import Clock
from ..divisions import packaged as divisions
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..timesource import local_date
from . import draw as drawing
from .models import PROBLEM_KINDS, RECUSAL_REASONS, RESULTS, BodyInspection, InspectionOfficer, InspectionPlan
from .services import OFFICERS_PER_INSPECTION, officer_pool
from .tiers import TierTable

STATUS_AFTER = {"suspended": "suspended", "revoked": "revoked"}
CASE_CATEGORY = {"testing": "test.false_report", "certification": "cert.untrue_conclusion"}


def active_officers(session: Session, inspection_id: int) -> list[int]:
    return list(session.scalars(select(InspectionOfficer.user_id).where(
        InspectionOfficer.inspection_id == inspection_id, InspectionOfficer.active.is_(True))
        .order_by(InspectionOfficer.user_id)))


def may_record(session: Session, actor: Actor, inspection: BodyInspection) -> bool:
    """The drawn officers, or a supervisor whose jurisdiction covers the body."""
    if actor.has_role("supervisor"):
        return actor.sees_all or divisions().is_within(inspection.body.division_code, actor.division_code or "")
    return actor.id in active_officers(session, inspection.id)


def _finish_clock(session: Session, clock_id: int | None, on: dt.date) -> None:
    if clock_id is None:
        return
    clock = session.get(Clock, clock_id)
    if clock is not None and clock.state == "running":
        met = clock.due_on is None or on <= clock.due_on  # as clocks.finish; inspection clocks always have one
        clock.state, clock.done_on, clock.met = "done", on, met


def record_result(session: Session, *, now: dt.datetime, inspection: BodyInspection, actor: Actor, result: str,
                  inspected_on: dt.date, tiers: TierTable, cal, problem_kinds: Sequence[str] = (),
                  problems_count: int = 0, findings: str = "", case_description: str = "") -> BodyInspection:
    """Record the result; it is final (and public) once recorded. Raises Forbidden, Conflict when a
    result exists, ValidationFailed(fields) for bad input. `case_opened` submits a tip to triage
    through intake.services.submit, linked to this inspection."""
    if not may_record(session, actor, inspection):
        raise Forbidden("only the drawn officers or a supervisor may record this inspection")
    if inspection.state != "open":
        raise Conflict("this inspection's result has been recorded", kind="recorded")
    problems = {}
    today = local_date(now)
    if result not in RESULTS:
        problems["result"] = "invalid"
    if inspected_on > today:
        problems["inspected_on"] = "future"
    kinds = [k for k in problem_kinds if k]
    if any(k not in PROBLEM_KINDS for k in kinds):
        problems["problem_kinds"] = "invalid"
    if result != "no_problem" and not kinds:
        problems["problem_kinds"] = "required"
    if result == "no_problem" and (kinds or problems_count):
        problems["problem_kinds"] = "not_with_no_problem"
    if problems_count < 0 or problems_count > 999:
        problems["problems_count"] = "invalid"
    if len(findings) > 5000:
        problems["findings"] = "too_long"
    if result == "case_opened" and len(case_description.strip() or findings.strip()) < 20:
        problems["findings"] = "too_short"
    if problems:
        raise ValidationFailed("invalid result", fields=problems)
    version = tiers.for_date(inspected_on if inspected_on >= tiers.versions[0].effective_from else today)
    body = inspection.body
    inspection.result, inspection.inspected_on = result, inspected_on
    inspection.problem_kinds = ",".join(kinds)
    inspection.problems_count = max(problems_count, len(kinds)) if result != "no_problem" else 0
    inspection.findings = findings.strip()
    inspection.state, inspection.recorded_by_id, inspection.recorded_at = "final", actor.id, now
    _finish_clock(session, inspection.clock_id, inspected_on)
    if result == "rectification":
        due = cal.add_workdays(inspected_on, version.rectification_workdays)
        clock = Clock(kind="rectification", division_code=body.division_code, start_on=inspected_on,
                      length=version.rectification_workdays, unit="workdays", rule_from=version.effective_from,
                      state="running", due_on=due.date, provisional=due.provisional, created_at=now)
        session.add(clock)
        session.flush()
        inspection.rectification_due, inspection.rectification_clock_id = due.date, clock.id
    if result in STATUS_AFTER:
        body.status, body.updated_at = STATUS_AFTER[result], now
    if result == "case_opened":
        from ..intake import services as intake
        data = intake.TipInput(kind="report", category_code=CASE_CATEGORY.get(body.kind, "test.false_report"),
                               entity_name=body.name, entity_uscc=body.uscc, division_code=body.division_code,
                               description=(case_description.strip() or findings.strip()), knowledge="other")
        tip = intake.submit(session, now=now, data=data, token=secrets.token_urlsafe(32),
                            known_division=lambda c: c in divisions(), actor_label=f"inspection:{inspection.id}",
                            sealed=False).tip  # no reporter to show a receipt to
        inspection.tip_id = tip.id
    session.flush()
    audit.record(session, now=now, action="inspection.recorded", actor=actor, object_type="body_inspection",
                 object_id=inspection.id, details={"result": result, "problems": kinds,
                                                   "rectification_due": inspection.rectification_due,
                                                   "tip": inspection.tip_id, "body": body.uscc})
    return inspection


def record_rectified(session: Session, *, now: dt.datetime, inspection: BodyInspection, actor: Actor,
                     rectified_on: dt.date) -> None:
    """The follow-up: the body has rectified. Raises Forbidden, Conflict, ValidationFailed."""
    if not may_record(session, actor, inspection):
        raise Forbidden("only the drawn officers or a supervisor may record the follow-up")
    if inspection.rectification_due is None or inspection.rectified_on is not None:
        raise Conflict("no rectification is outstanding", kind="no_rectification")
    if rectified_on > local_date(now) or (inspection.inspected_on and rectified_on < inspection.inspected_on):
        raise ValidationFailed("invalid date", fields={"rectified_on": "invalid"})
    inspection.rectified_on = rectified_on
    _finish_clock(session, inspection.rectification_clock_id, rectified_on)
    audit.record(session, now=now, action="inspection.rectified", actor=actor, object_type="body_inspection",
                 object_id=inspection.id, details={"rectified_on": rectified_on,
                                                   "in_time": rectified_on <= inspection.rectification_due})


def recuse(session: Session, *, now: dt.datetime, inspection: BodyInspection, user_id: int, reason: str,
           actor: Actor) -> list[int]:
    """Replace one drawn officer, for a reason from RECUSAL_REASONS, by a new seeded draw among the
    remaining eligible officers (recorded in the audit trail with its seed and pool). Raises
    Forbidden (supervisors only), ValidationFailed (reason), Conflict (too few officers left)."""
    if not actor.has_role("supervisor"):
        raise Forbidden("only a supervisor may replace an inspection officer")
    if reason not in RECUSAL_REASONS:
        raise ValidationFailed("reason required", fields={"reason": "required"})
    if inspection.state != "open":
        raise Conflict("this inspection's result has been recorded", kind="recorded")
    current = active_officers(session, inspection.id)
    if user_id not in current:
        raise ValidationFailed("not an officer of this inspection", fields={"user_id": "invalid"})
    plan = session.get(InspectionPlan, inspection.plan_id)
    if plan is None:  # plan_id is a NOT NULL foreign key
        raise NotFound("plan")
    pool, excluded = officer_pool(session, plan.division_code, inspection.body.entity_id)
    ever = set(session.scalars(select(InspectionOfficer.user_id)
                               .where(InspectionOfficer.inspection_id == inspection.id)))
    remaining = [u for u in current if u != user_id]
    candidates = [u for u in pool if u not in ever]
    needed = OFFICERS_PER_INSPECTION - len(remaining)
    if len(candidates) < needed:
        raise Conflict(f"{len(candidates)} eligible officer(s) left for this inspection, {needed} needed",
                       kind="too_few_officers")
    seed = secrets.randbits(63)
    chosen = drawing.pick_officers(candidates, needed, seed)
    session.execute(update(InspectionOfficer).where(InspectionOfficer.inspection_id == inspection.id,
                                                    InspectionOfficer.user_id == user_id,
                                                    InspectionOfficer.active.is_(True))
                    .values(active=False, ended_reason=reason).execution_options(synchronize_session="fetch"))
    event = audit.record(session, now=now, action="inspection.officer_redrawn", actor=actor,
                         object_type="body_inspection", object_id=inspection.id,
                         details={"recused": user_id, "reason": reason, "pool": candidates, "excluded": excluded,
                                  "seed": str(seed), "result": chosen})
    session.add_all(InspectionOfficer(inspection_id=inspection.id, user_id=uid, draw_event_id=event.id,
                                      active=True, assigned_at=now) for uid in chosen)
    session.flush()
    return sorted(remaining + chosen)
