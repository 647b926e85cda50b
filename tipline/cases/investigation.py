"""Investigation and substantiation: notes, tasks, inspections, the evidence log, stopped clocks,
extensions, the decision and closing. Writers are the case's investigators and supervisors."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import events
from ..actors import Actor
from ..audit import services as audit
from ..calendar.services import WorkCalendar
from ..errors import Conflict, Forbidden, ValidationFailed
from ..jurisdiction import can_see
from ..timesource import local_date
from . import assignment, workflow
from .deadlines import clocks
from .models import (
    MEASURES,
    OUTCOMES,
    SUSPENSION_REASONS,
    Case,
    CaseNote,
    CaseTask,
    Entity,
    EvidenceItem,
    ExtensionRequest,
    Inspection,
    Suspension,
)

CLOCKS = ("decision",)  # the filing clock ends when the case is filed, before a case page exists


def can_work(session: Session, case: Case, actor: Actor) -> bool:
    if not can_see(actor, case.division_code):
        return False
    if actor.has_role("supervisor"):
        return True
    return actor.has_role("officer") and actor.id in assignment.active_investigators(session, case.id)


def _require(session, case, actor: Actor) -> None:
    if not can_work(session, case, actor):
        raise Forbidden("only the case's investigators and supervisors")
    if case.state == "closed":
        raise Conflict("case closed", kind="state")


def _text(value: str, name: str, maximum: int = 20000) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed("required", fields={name: "required"})
    if len(value) > maximum:
        raise ValidationFailed("too long", fields={name: "too_long"})
    return value


def add_note(session, *, now, case, actor: Actor, body: str) -> CaseNote:
    _require(session, case, actor)
    note = CaseNote(case_id=case.id, author_id=actor.id, body=_text(body, "body"), created_at=now)
    session.add(note)
    session.flush()
    audit.record(session, now=now, action="case.note", actor=actor, object_type="case", object_id=case.id,
                 details={"note": note.id})
    return note


def add_task(session, *, now, case, actor: Actor, title: str, due_on: dt.date | None) -> CaseTask:
    _require(session, case, actor)
    task = CaseTask(case_id=case.id, title=_text(title, "title", 200), due_on=due_on, created_at=now,
                    assignee_id=actor.id)
    session.add(task)
    session.flush()
    audit.record(session, now=now, action="case.task", actor=actor, object_type="case", object_id=case.id,
                 details={"task": task.id, "due": due_on.isoformat() if due_on else None})
    return task


def complete_task(session, *, now, case, actor: Actor, task_id: int) -> None:
    _require(session, case, actor)
    task = session.get(CaseTask, task_id)
    if task is None or task.case_id != case.id:
        raise ValidationFailed("no such task", fields={"task": "invalid"})
    task.done_at = now
    audit.record(session, now=now, action="case.task_done", actor=actor, object_type="case", object_id=case.id,
                 details={"task": task.id})


def add_inspection(session, *, now, case, actor: Actor, inspected_on: dt.date, place: str, officers: str,
                   findings: str, problems_found: int = 0) -> Inspection:
    _require(session, case, actor)
    if inspected_on > local_date(now):
        raise ValidationFailed("future", fields={"inspected_on": "future"})
    row = Inspection(case_id=case.id, inspected_on=inspected_on, place=_text(place, "place", 300),
                     officers=_text(officers, "officers", 300), findings=_text(findings, "findings"),
                     problems_found=max(0, int(problems_found or 0)), created_at=now)
    session.add(row)
    session.flush()
    audit.record(session, now=now, action="case.inspection", actor=actor, object_type="case", object_id=case.id,
                 details={"inspection": row.id, "on": inspected_on.isoformat()})
    return row


def add_evidence(session, *, now, case, actor: Actor, item: str, source: str, received_on: dt.date,
                 sha256: str = "", custodian: str = "") -> EvidenceItem:
    _require(session, case, actor)
    sha256 = (sha256 or "").strip().lower()
    if sha256 and (len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256)):
        raise ValidationFailed("bad hash", fields={"sha256": "invalid"})
    row = EvidenceItem(case_id=case.id, item=_text(item, "item", 300), source=_text(source, "source", 300),
                       received_on=received_on, sha256=sha256, custodian=(custodian or actor.username)[:120],
                       created_at=now)
    session.add(row)
    session.flush()
    audit.record(session, now=now, action="case.evidence", actor=actor, object_type="case", object_id=case.id,
                 details={"item": row.id, "sha256": sha256})
    return row


def transfer_custody(session, *, now, case, actor: Actor, item_id: int, to: str) -> None:
    _require(session, case, actor)
    row = session.get(EvidenceItem, item_id)
    if row is None or row.case_id != case.id:
        raise ValidationFailed("no such item", fields={"item": "invalid"})
    to = _text(to, "to", 120)
    row.custody_log += f"{local_date(now).isoformat()}: {row.custodian} -> {to}\n"
    row.custodian = to
    audit.record(session, now=now, action="case.custody", actor=actor, object_type="case", object_id=case.id,
                 details={"item": row.id, "to": to})


def suspend(session, *, now, case, actor: Actor, version, reason: str, note: str, on: dt.date) -> Suspension:
    """Stop the clock (testing, appraisal, hearing...). Raises as workflow.apply_case."""
    if reason not in SUSPENSION_REASONS:
        raise ValidationFailed("bad reason", fields={"reason": "invalid"})
    _require(session, case, actor)
    workflow.apply_case(session, now=now, case=case, action="suspend", actor=actor,
                        version=version, reason=reason, on=on, details={"note": note})
    row = Suspension(case_id=case.id, reason=reason, note=(note or "")[:300], stopped_on=on)
    session.add(row)
    session.flush()
    clocks.refresh_case(session, case.id, WorkCalendar.load(session))
    return row


def resume(session, *, now, case, actor: Actor, version, on: dt.date, note: str = "resumed") -> None:
    _require(session, case, actor)
    open_row = session.scalar(select(Suspension).where(Suspension.case_id == case.id,
                                                       Suspension.resumed_on.is_(None)))
    if open_row is not None and on < open_row.stopped_on:
        raise ValidationFailed("before stop", fields={"on": "before_stop"})
    workflow.apply_case(session, now=now, case=case, action="resume", actor=actor,
                        version=version, reason=note or "resumed", on=on)
    if open_row is not None:
        open_row.resumed_on = on
    session.flush()
    clocks.refresh_case(session, case.id, WorkCalendar.load(session))


def extension_rule(session: Session, case: Case, clock_kind: str):
    """(running clock, the deadline-rule version it started under). The rule says how long one
    extension may be, how many there may be, who approves them and what is possible beyond them
    (《市场监督管理行政处罚程序规定》Art. 64 ¶1 for the decision clock: one of at most 30 days,
    approved by the head, then only a collective decision). Raises Conflict with no running clock."""
    clock = clocks.running(session, clock_kind, case_id=case.id)
    if clock is None:
        raise Conflict("no running clock", kind="state")
    return clock, clocks.rule_for(session, clock_kind, clock.rule_from)


def approved_extensions(session: Session, case_id: int, clock_kind: str) -> int:
    return len(session.scalars(select(ExtensionRequest.id).where(
        ExtensionRequest.case_id == case_id, ExtensionRequest.clock == clock_kind,
        ExtensionRequest.approved.is_(True))).all())


def _extension_allowed(session: Session, case: Case, clock_kind: str, rule) -> None:
    """Raises Conflict when the rule allows no (further) extension by approval."""
    if rule.extension_count < 1 or rule.extension < 1:
        raise Conflict("this clock cannot be extended", kind="extension_none")
    if approved_extensions(session, case.id, clock_kind) >= rule.extension_count:
        raise Conflict("extensions used up", kind="extension_collective" if rule.beyond == "collective"
                       else "extension_once")


def request_extension(session, *, now, case, actor: Actor, clock: str, length: int, reason: str) -> ExtensionRequest:
    """Ask for more time on the decision clock. The rule version the clock started under decides:
    at most `extension` days, at most `extension_count` approved requests, one open at a time.
    Raises Conflict (kind extension_open, extension_collective, extension_once, extension_none),
    ValidationFailed (length above the rule's maximum, no reason)."""
    _require(session, case, actor)
    if clock not in CLOCKS:
        raise ValidationFailed("bad clock", fields={"clock": "invalid"})
    running, rule = extension_rule(session, case, clock)
    if session.scalar(select(ExtensionRequest.id).where(ExtensionRequest.case_id == case.id,
                                                        ExtensionRequest.clock == clock,
                                                        ExtensionRequest.approved.is_(None))) is not None:
        raise Conflict("a request is open", kind="extension_open")
    _extension_allowed(session, case, clock, rule)
    try:
        length = int(length)
    except (TypeError, ValueError):
        length = 0
    if not 1 <= length <= rule.extension:
        raise ValidationFailed("bad length", fields={"length": "invalid"})
    row = ExtensionRequest(case_id=case.id, clock=clock, length=length, reason=_text(reason, "reason", 500),
                           requested_by=actor.id, requested_at=now)
    session.add(row)
    session.flush()
    audit.record(session, now=now, action="case.extension_requested", actor=actor, object_type="case",
                 object_id=case.id, details={"request": row.id, "clock": clock, "length": length,
                                             "rule_from": running.rule_from.isoformat(), "maximum": rule.extension})
    return row


def open_extension_request(session, *, actor: Actor, division_code: str, request_id: int, belongs) -> ExtensionRequest:
    """The undecided request `request_id` for a supervisor to decide. Raises Forbidden for anyone else
    and for the requester themselves, Conflict when there is no such open request on this record."""
    if not actor.has_role("supervisor") or not can_see(actor, division_code):
        raise Forbidden("supervisors decide extensions")
    row = session.get(ExtensionRequest, request_id)
    if row is None or not belongs(row) or row.approved is not None:
        raise Conflict("no open request", kind="state")
    if row.requested_by == actor.id:
        raise Forbidden("nobody approves their own request")
    return row


def decide_extension(session, *, now, case, actor: Actor, request_id: int, approve: bool) -> None:
    """The rule's approver (the department head: a supervisor) approves or refuses; nobody decides
    their own request, and an approval never goes past the rule's number of extensions."""
    row = open_extension_request(session, actor=actor, division_code=case.division_code, request_id=request_id,
                                 belongs=lambda r: r.case_id == case.id)
    clock, rule = extension_rule(session, case, row.clock)
    if not actor.has_role(rule.approver):
        raise Forbidden("the rule names another approver")
    if approve:
        _extension_allowed(session, case, row.clock, rule)
    before = clock.due_on
    row.approved, row.decided_by, row.decided_at = approve, actor.id, now
    if approve:
        clocks.extend(session, clock, row.length, WorkCalendar.load(session))
    audit.record(session, now=now, action="case.extension_" + ("approved" if approve else "refused"), actor=actor,
                 object_type="case", object_id=case.id,
                 details={"request": row.id, "article": "市场监督管理行政处罚程序规定 第六十四条第一款",
                          "due_before": before.isoformat() if before else None,
                          "due_after": clock.due_on.isoformat() if approve and clock.due_on else None})


def _money(value, name: str) -> Decimal:
    try:
        amount = Decimal(str(value if value not in (None, "") else "0")).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise ValidationFailed("bad amount", fields={name: "invalid"}) from None
    if amount < 0 or amount >= Decimal("1e12"):
        raise ValidationFailed("bad amount", fields={name: "invalid"})
    return amount


def decide(session, *, now, case, actor: Actor, version, outcome: str, decision_number: str,
           decision_date: dt.date, fines=0, confiscated_gains=0, confiscated_property=0,
           measures: Sequence[str] = (), legal_basis: str = "") -> None:
    """Record the decision. A violation needs a penalty decision number and legal basis; it raises
    the entity's history and flags it for more frequent inspection."""
    _require(session, case, actor)
    fields = {}
    if outcome not in OUTCOMES:
        fields["outcome"] = "invalid"
    if outcome == "violation" and not (decision_number or "").strip():
        fields["decision_number"] = "required"
    if outcome == "violation" and not (legal_basis or "").strip():
        fields["legal_basis"] = "required"
    if decision_date > local_date(now):
        fields["decision_date"] = "future"
    if any(m not in MEASURES for m in measures):
        fields["measures"] = "invalid"
    amounts = {}
    for name, value in (("fines", fines), ("confiscated_gains", confiscated_gains),
                        ("confiscated_property", confiscated_property)):
        try:
            amounts[name] = _money(value, name)
        except ValidationFailed as exc:
            fields.update(exc.details["fields"])
    if fields:
        raise ValidationFailed("invalid decision", fields=fields)
    workflow.apply_case(session, now=now, case=case, action="decide", actor=actor,
                        version=version, document=decision_number or "", on=decision_date,
                        details={"outcome": outcome, **{k: str(v) for k, v in amounts.items()},
                                 "measures": list(measures)})
    case.outcome, case.decision_number, case.decision_date = outcome, (decision_number or "").strip(), decision_date
    case.fines, case.confiscated_gains, case.confiscated_property = (
        amounts["fines"], amounts["confiscated_gains"], amounts["confiscated_property"])
    case.measures, case.legal_basis = ",".join(measures), (legal_basis or "").strip()
    clocks.finish(session, clocks.running(session, "decision", case_id=case.id), decision_date)
    if outcome in ("violation", "criminal_transfer"):
        entity = session.get(Entity, case.entity_id)
        entity.substantiated += 1
        entity.flagged_at = entity.flagged_at or now


def close(session, *, now, case, actor: Actor, version, executed_on: dt.date, closed_on: dt.date,
          reason: str = "") -> None:
    """A supervisor closes (结案) once the decision is executed."""
    if executed_on < (case.decision_date or executed_on) or closed_on < executed_on:
        raise ValidationFailed("dates out of order", fields={"closed_on": "order"})
    if closed_on > local_date(now):
        raise ValidationFailed("future", fields={"closed_on": "future"})
    workflow.apply_case(session, now=now, case=case, action="close", actor=actor,
                        version=version, reason=reason, on=closed_on)
    case.executed_on, case.closed_on = executed_on, closed_on
    closing = clocks.start(session, kind="closing", on=executed_on, division_code=case.division_code, now=now,
                           cal=WorkCalendar.load(session), case_id=case.id)
    clocks.finish(session, closing, closed_on)
    events.publish(session, events.CaseClosed(now=now, case=case))  # rewards reacts; it is never imported here
