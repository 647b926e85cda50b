"""Starting, stopping, extending and ending statutory clocks, from the workflow's events.

Lengths come from the deadline table (DeadlineRule rows, seeded from tipline/data/deadlines.json,
versioned by effective date); arithmetic from tipline.calendar. Every clock remembers the rule
version it started under, so a later change to the table does not move running deadlines.
"""
from __future__ import annotations

import datetime as dt
import json
from functools import lru_cache
from importlib import resources

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ... import timesource
from ...actors import Actor
from ...audit import services as audit
from ...calendar.services import WorkCalendar
from ...errors import ValidationFailed
from ..models import Suspension
from .arithmetic import days_left, due_date
from .models import Clock, DeadlineRule, Notice
from .people import People

KINDS = ("filing", "notify_reporter", "complaint_acceptance", "decision", "closing", "reward_notice", "reward_claim",
         "mediation", "follow_up")


@lru_cache(maxsize=1)
def shipped() -> dict:
    return json.loads(resources.files("tipline.data").joinpath("deadlines.json").read_text("utf-8"))


def seed_rules(session: Session, now: dt.datetime) -> int:
    """Insert the shipped versions that the table does not have yet (idempotent)."""
    have = {(r.clock, r.effective_from) for r in session.scalars(select(DeadlineRule))}
    added = 0
    for version in shipped()["versions"]:
        start = dt.date.fromisoformat(version["effective_from"])
        for clock, spec in version["clocks"].items():
            if (clock, start) not in have:
                session.add(DeadlineRule(clock=clock, effective_from=start, length=spec["length"], unit=spec["unit"],
                                         extension=spec.get("extension", 0), created_at=now,
                                         **extension_rule(spec)))
                added += 1
    session.flush()
    return added


def extension_rule(spec: dict) -> dict:
    """The extension fields of one clock's entry in deadlines.json: how many extensions (default one
    when an extension length is given), who approves them, and what is possible beyond them."""
    approver, beyond = spec.get("approver", "supervisor"), spec.get("beyond")
    if approver not in ("supervisor", "admin") or beyond not in (None, "collective"):
        raise ValueError(f"deadlines.json: unknown approver {approver!r} or beyond {beyond!r}")
    count = spec.get("extensions", 1 if spec.get("extension") else 0)
    return {"extension_count": count, "approver": approver, "beyond": beyond}


def basis_of(kind: str, effective_from: dt.date) -> str:
    """The article a shipped rule names ("unconfirmed" where the text could not be checked); "" for a
    version an administrator added."""
    for version in shipped()["versions"]:
        if dt.date.fromisoformat(version["effective_from"]) == effective_from and kind in version["clocks"]:
            return version["clocks"][kind].get("basis", "")
    return ""


def rule_for(session: Session, kind: str, on: dt.date) -> DeadlineRule:
    rule = session.scalar(select(DeadlineRule).where(DeadlineRule.clock == kind, DeadlineRule.effective_from <= on)
                          .order_by(DeadlineRule.effective_from.desc()).limit(1))
    if rule is None:
        # `tipline db upgrade` seeds the table; this covers a database that skipped it. Several
        # first requests may get here at once: whichever loses the race re-reads the winner's rows.
        try:
            with session.begin_nested():
                seed_rules(session, dt.datetime.now(dt.timezone.utc))
        except IntegrityError:
            pass
        rule = session.scalar(select(DeadlineRule).where(DeadlineRule.clock == kind,
                                                         DeadlineRule.effective_from <= on)
                              .order_by(DeadlineRule.effective_from.desc()).limit(1))
    if rule is None:
        raise LookupError(f"no deadline rule for {kind} on {on}")
    return rule


def add_rule_version(session: Session, *, now: dt.datetime, actor: Actor, clock: str, effective_from: dt.date,
                     length: int, unit: str, extension: int = 0) -> DeadlineRule:
    """An administrator's new version of a clock's length. Raises ValidationFailed."""
    fields = {}
    if clock not in KINDS:
        fields["clock"] = "invalid"
    if unit not in ("workdays", "days"):
        fields["unit"] = "invalid"
    if not 1 <= length <= 365:
        fields["length"] = "invalid"
    if not 0 <= extension <= 365:
        fields["extension"] = "invalid"
    if fields:
        raise ValidationFailed("invalid rule", fields=fields)
    existing = session.scalar(select(DeadlineRule).where(DeadlineRule.clock == clock,
                                                         DeadlineRule.effective_from == effective_from))
    row = existing or DeadlineRule(clock=clock, effective_from=effective_from, created_at=now)
    if existing is None:
        # A new length does not change who approves an extension, how many there may be, or what
        # is possible beyond them (Art. 64 ¶1 for the decision clock): the previous version's rule.
        before = session.scalar(select(DeadlineRule).where(DeadlineRule.clock == clock,
                                                           DeadlineRule.effective_from < effective_from)
                                .order_by(DeadlineRule.effective_from.desc()).limit(1))
        if before is not None:
            row.extension_count, row.approver, row.beyond = before.extension_count, before.approver, before.beyond
    row.length, row.unit, row.extension = length, unit, extension
    session.add(row)
    session.flush()
    audit.record(session, now=now, action="deadline_rule.saved", actor=actor, object_type="deadline_rule",
                 object_id=row.id, details={"clock": clock, "from": effective_from.isoformat(), "length": length,
                                            "unit": unit, "extension": extension})
    return row


local_date = timesource.local_date  # one definition of "today in Henan" (tipline/timesource.py)


def _suspensions(session: Session, clock: Clock) -> list[tuple[dt.date, dt.date | None]]:
    if clock.kind == "filing" and clock.tip_id is not None:  # Art. 18 ¶2
        from ..procedure_models import TipSuspension
        rows = session.scalars(select(TipSuspension).where(TipSuspension.tip_id == clock.tip_id,
                                                           TipSuspension.stopped_on >= clock.start_on)
                               .order_by(TipSuspension.stopped_on)).all()
        return [(r.stopped_on, r.resumed_on) for r in rows]
    if clock.kind == "mediation" and clock.tip_id is not None:
        # Testing or appraisal during mediation is not counted in its period (Order 20 Art. 20).
        from ..complaint_models import Complaint, MediationStop
        stops = session.execute(select(MediationStop.stopped_on, MediationStop.resumed_on)
                                .join(Complaint, Complaint.id == MediationStop.complaint_id)
                                .where(Complaint.tip_id == clock.tip_id, MediationStop.stopped_on >= clock.start_on)
                                .order_by(MediationStop.stopped_on)).all()
        return [(a, b) for a, b in stops]
    if clock.case_id is None or clock.kind != "decision":
        return []
    suspensions = session.scalars(select(Suspension).where(Suspension.case_id == clock.case_id,
                                                           Suspension.stopped_on >= clock.start_on)
                                  .order_by(Suspension.stopped_on)).all()
    return [(r.stopped_on, r.resumed_on) for r in suspensions]


def recompute(session: Session, clock: Clock, cal: WorkCalendar) -> bool:
    """Recompute due date, state and provisional flag. Returns True when the due date moved."""
    before = clock.due_on
    if clock.state == "done":
        return False
    result = due_date(cal, clock.start_on, clock.length, clock.unit,
                      extensions=[clock.extended] if clock.extended else (), suspensions=_suspensions(session, clock))
    if result is None:
        clock.state, clock.due_on = "stopped", None
    else:
        clock.state, clock.due_on, clock.provisional = "running", result.date, result.provisional
    return clock.due_on != before


def start(session: Session, *, kind: str, on: dt.date, division_code: str, now: dt.datetime, cal: WorkCalendar,
          tip_id: int | None = None, case_id: int | None = None) -> Clock:
    rule = rule_for(session, kind, on)
    clock = Clock(kind=kind, tip_id=tip_id, case_id=case_id, division_code=division_code, start_on=on,
                  length=rule.length, unit=rule.unit, rule_from=rule.effective_from, created_at=now)
    # The due date is worked out before the clock joins the session, so that it is written by the
    # INSERT (recompute's suspension query would otherwise flush the clock half-made and then
    # UPDATE it).
    recompute(session, clock, cal)
    session.add(clock)
    session.flush()
    return clock


def running(session: Session, kind: str, *, tip_id: int | None = None, case_id: int | None = None) -> Clock | None:
    stmt = select(Clock).where(Clock.kind == kind, Clock.state != "done")
    stmt = stmt.where(Clock.tip_id == tip_id) if tip_id is not None else stmt.where(Clock.case_id == case_id)
    return session.scalar(stmt.order_by(Clock.id.desc()).limit(1))


def finish(session: Session, clock: Clock | None, on: dt.date) -> None:
    """The action the clock waited for was done on `on`: record whether it was in time."""
    if clock is None or clock.state == "done":
        return
    clock.state, clock.done_on = "done", on
    clock.met = clock.due_on is None or on <= clock.due_on


def refresh_case(session: Session, case_id: int, cal: WorkCalendar) -> None:
    for clock in session.scalars(select(Clock).where(Clock.case_id == case_id, Clock.state != "done")):
        recompute(session, clock, cal)


def extend(session: Session, clock: Clock, length: int, cal: WorkCalendar) -> None:
    clock.extended += length
    recompute(session, clock, cal)


def view(clock: Clock, cal: WorkCalendar, today: dt.date) -> dict:
    """What a clock page shows: due date, days left (in the clock's unit), state, provisional."""
    left = days_left(cal, today, clock.due_on, clock.unit) if clock.due_on and clock.state == "running" else None
    return {"clock": clock, "left": left, "overdue": left is not None and left < 0}


def recompute_provisional(session: Session, now: dt.datetime, years) -> list[Clock]:
    """Official days for `years` were entered: recompute every open clock whose date was provisional
    and touches those years, and tell the people handling those whose due date moved."""
    cal = WorkCalendar.load(session)
    moved: list[tuple[Clock, dt.date | None]] = []
    first = dt.date(min(years), 1, 1)
    for clock in session.scalars(select(Clock).where(Clock.state != "done", Clock.provisional.is_(True))):
        if clock.due_on is not None and clock.due_on < first:
            continue
        old = clock.due_on
        if recompute(session, clock, cal):
            moved.append((clock, old))
    people = People(session, [clock for clock, _ in moved])  # handlers of all moved clocks at once
    for clock, old in moved:
        for uid in people.handlers(clock):
            session.add(Notice(user_id=uid, kind="deadline_moved", clock_id=clock.id, created_at=now,
                               params=json.dumps({"due": clock.due_on.isoformat() if clock.due_on else None,
                                                  "was": old.isoformat() if old else None, "kind": clock.kind})))
    session.flush()
    return [clock for clock, _ in moved]
