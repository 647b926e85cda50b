"""Case procedure beyond the ordinary steps (issue 21): a collective decision to extend the
decision period further, and stopping the filing-decision clock before a case exists.

Law (《市场监督管理行政处罚程序规定》, SAMR Order No. 2 of 2018 as amended 2021):
- Art. 64 ¶1: 90 days from filing; the head may approve one extension of 30 days; when that is not
  enough, the heads decide collectively (集体讨论) whether to extend further and, if so, fix the
  period. The rule data (tipline/data/deadlines.json, `beyond: "collective"`) says whether this
  step exists for a clock.
- Art. 18 ¶2: the time needed for testing, inspection, quarantine, appraisal and identification by
  the rights holder does not count towards the 15 working days to decide whether to file.
Services take the session and `now`; the caller commits. Every change writes an audit event.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..actors import Actor
from ..audit import services as audit
from ..calendar.services import WorkCalendar
from ..errors import Conflict, Forbidden, ValidationFailed
from ..intake.models import Tip
from ..jurisdiction import can_see
from ..timesource import local_date
from . import workflow
from .deadlines import clocks
from .investigation import approved_extensions, extension_rule
from .models import FILING_STOP_REASONS, Case
from .procedure_models import CollectiveDecision, TipSuspension

ART_64 = "市场监督管理行政处罚程序规定 第六十四条第一款"
ART_18 = "市场监督管理行政处罚程序规定 第十八条第二款"
MIN_PARTICIPANTS = 2  # a collective decision is made by more than one head; no quorum is set in Art. 64 (unconfirmed)
MAX_COLLECTIVE_DAYS = 365  # Art. 64 asks for "a reasonable period" and sets no maximum: a sanity bound only


def participants_of(text: str) -> list[str]:
    """Names separated by new lines, commas or the Chinese enumeration comma, each once."""
    names: list[str] = []
    for name in re.split(r"[\n,，、;；]+", text or ""):
        name = name.strip()
        if name and name not in names:
            names.append(name[:60])
    return names


def record_collective_decision(session: Session, *, now: dt.datetime, case: Case, actor: Actor,
                               decided_on: dt.date, participants: str, length: int, reason: str,
                               clock_kind: str = "decision") -> CollectiveDecision:
    """Record the heads' collective decision to extend `clock_kind` by `length` units beyond the
    approved extensions, and extend the clock. Raises Forbidden (not a supervisor, outside the
    jurisdiction), Conflict (the rule has no collective step: kind no_collective; the ordinary
    extension not used yet: kind extension_first; case closed or clock not running: kind state),
    ValidationFailed (date, participants, length, reason)."""
    if not actor.has_role("supervisor") or not can_see(actor, case.division_code):
        raise Forbidden("a supervisor records the heads' collective decision")
    if case.state == "closed":
        raise Conflict("case closed", kind="state")
    clock, rule = extension_rule(session, case, clock_kind)
    if rule.beyond != "collective":
        raise Conflict("no collective step for this clock", kind="no_collective")
    if approved_extensions(session, case.id, clock_kind) < rule.extension_count:
        raise Conflict("the ordinary extension comes first", kind="extension_first")
    fields = {}
    names = participants_of(participants)
    if len(names) < MIN_PARTICIPANTS:
        fields["participants"] = "too_few"
    elif len("\n".join(names)) > 500:
        fields["participants"] = "too_long"
    if decided_on is None or decided_on > local_date(now):
        fields["on"] = "future"
    elif decided_on < case.filed_on:
        fields["on"] = "order"
    try:
        length = int(length)
    except (TypeError, ValueError):
        length = 0
    if not 1 <= length <= MAX_COLLECTIVE_DAYS:
        fields["length"] = "invalid"
    reason = (reason or "").strip()
    if len(reason) < 2:
        fields["reason"] = "required"
    elif len(reason) > 500:
        fields["reason"] = "too_long"
    if fields:
        raise ValidationFailed("invalid collective decision", fields=fields)
    before = clock.due_on
    clocks.extend(session, clock, length, WorkCalendar.load(session))
    row = CollectiveDecision(case_id=case.id, clock=clock_kind, decided_on=decided_on, participants="\n".join(names),
                             length=length, reason=reason, recorded_by=actor.id, recorded_at=now,
                             due_before=before, due_after=clock.due_on)
    session.add(row)
    session.flush()
    audit.record(session, now=now, action="case.collective_extension", actor=actor, object_type="case",
                 object_id=case.id, details={"decision": row.id, "on": decided_on.isoformat(), "length": length,
                                             "participants": names, "article": ART_64,
                                             "due_before": before.isoformat() if before else None,
                                             "due_after": clock.due_on.isoformat() if clock.due_on else None})
    return row


def extension_history(session: Session, case_id: int) -> list[dict]:
    """Every step that lengthened (or was asked to lengthen) a case's clocks, oldest first, with who
    asked, who decided and under which article."""
    from .models import ExtensionRequest
    steps = []
    for x in session.scalars(select(ExtensionRequest).where(ExtensionRequest.case_id == case_id)):
        steps.append({"kind": "extension", "at": x.requested_at, "row": x, "article": ART_64})
    for c in session.scalars(select(CollectiveDecision).where(CollectiveDecision.case_id == case_id)):
        steps.append({"kind": "collective", "at": c.recorded_at, "row": c, "article": ART_64})
    return sorted(steps, key=lambda s: (s["at"], s["kind"]))


# --- the filing-decision clock stops (Art. 18 ¶2) ---------------------------------------------

def _filing_clock(session: Session, tip: Tip, actor: Actor):
    if not actor.has_role(*workflow.TRIAGE_ROLES) or not can_see(actor, tip.division_code):
        raise Forbidden("not allowed")
    if tip.status not in workflow.OPEN_TIP_STATES:
        raise Conflict("tip no longer in triage", kind="state")
    clock = clocks.running(session, "filing", tip_id=tip.id)
    if clock is None:
        raise Conflict("no filing clock", kind="state")
    return clock


def open_filing_stop(session: Session, tip_id: int) -> TipSuspension | None:
    return session.scalar(select(TipSuspension).where(TipSuspension.tip_id == tip_id,
                                                      TipSuspension.resumed_on.is_(None)))


def stop_filing_clock(session: Session, *, now: dt.datetime, tip: Tip, actor: Actor, reason: str,
                      note: str, on: dt.date) -> TipSuspension:
    """Stop the 15-working-day filing clock for testing, inspection, quarantine, appraisal or the
    rights holder's identification. Raises ValidationFailed (reason, date), Conflict (already
    stopped, tip out of triage), Forbidden."""
    clock = _filing_clock(session, tip, actor)
    if reason not in FILING_STOP_REASONS:
        raise ValidationFailed("bad reason", fields={"reason": "invalid"})
    if on > local_date(now):
        raise ValidationFailed("future", fields={"on": "future"})
    if on < clock.start_on:
        raise ValidationFailed("before receipt", fields={"on": "order"})
    if open_filing_stop(session, tip.id) is not None:
        raise Conflict("already stopped", kind="state")
    last = session.scalar(select(TipSuspension.resumed_on).where(TipSuspension.tip_id == tip.id)
                          .order_by(TipSuspension.resumed_on.desc()).limit(1))
    if last is not None and on < last:
        raise ValidationFailed("before the last resume", fields={"on": "order"})
    row = TipSuspension(tip_id=tip.id, reason=reason, note=(note or "").strip()[:300], stopped_on=on,
                        created_by=actor.id)
    session.add(row)
    session.flush()
    clocks.recompute(session, clock, WorkCalendar.load(session))
    audit.record(session, now=now, action="tip.clock_stopped", actor=actor, object_type="tip", object_id=tip.id,
                 details={"reason": reason, "on": on.isoformat(), "note": row.note, "article": ART_18})
    return row


def resume_filing_clock(session: Session, *, now: dt.datetime, tip: Tip, actor: Actor, on: dt.date,
                        note: str = "") -> None:
    """Restart the filing clock. Raises Conflict (not stopped), ValidationFailed (date)."""
    clock = _filing_clock(session, tip, actor)
    row = open_filing_stop(session, tip.id)
    if row is None:
        raise Conflict("not stopped", kind="state")
    if on > local_date(now):
        raise ValidationFailed("future", fields={"on": "future"})
    if on < row.stopped_on:
        raise ValidationFailed("before stop", fields={"on": "before_stop"})
    row.resumed_on = on
    session.flush()
    clocks.recompute(session, clock, WorkCalendar.load(session))
    audit.record(session, now=now, action="tip.clock_resumed", actor=actor, object_type="tip", object_id=tip.id,
                 details={"on": on.isoformat(), "note": (note or "").strip()[:300],
                          "due": clock.due_on.isoformat() if clock.due_on else None})


def filing_stops(session: Session, tip_id: int) -> Sequence[TipSuspension]:
    return session.scalars(select(TipSuspension).where(TipSuspension.tip_id == tip_id)
                           .order_by(TipSuspension.stopped_on, TipSuspension.id)).all()
