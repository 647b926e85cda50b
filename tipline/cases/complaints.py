"""The complaint (投诉) track, from the acceptance decision to every lawful ending and the follow-up.

Each action goes through workflow.apply_complaint (role, jurisdiction, state, version, audit event)
and then records its own facts and clocks. Services take the session and `now`; the caller commits.
Articles are those of Order No. 20 (2019); see complaint_models for why.
"""
from __future__ import annotations

import datetime as dt
import json
import secrets
from typing import overload

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..actors import Actor
from ..calendar.services import WorkCalendar
from ..errors import Conflict, ValidationFailed
from ..intake.models import EvidenceFile, Tip
from . import workflow
from .complaint_models import (
    FOLLOW_UP_RESULTS,
    MEDIATION_FORMS,
    NON_ACCEPTANCE_GROUNDS,
    OUTCOMES,
    STOP_REASONS,
    TERMINATION_GROUNDS,
    Complaint,
    MediationSession,
    MediationStop,
)
from .deadlines import clocks
from .deadlines.models import Clock, Notice

MAX_TEXT = 5000


@overload
def complaint_of(session: Session, tip: Tip, now: dt.datetime) -> Complaint: ...
@overload
def complaint_of(session: Session, tip: Tip, now: None = None) -> Complaint | None: ...
def complaint_of(session: Session, tip: Tip, now: dt.datetime | None = None) -> Complaint | None:
    """The complaint record of `tip`, created on first use when `now` is given."""
    row = session.scalar(select(Complaint).where(Complaint.tip_id == tip.id))
    if row is None and now is not None:
        row = Complaint(tip_id=tip.id, received_on=clocks.local_date(tip.received_at), created_at=now)
        session.add(row)
        session.flush()
    return row


def _text(value: str, name: str, required: bool = True) -> str:
    value = (value or "").strip()
    if required and len(value) < 2:
        raise ValidationFailed("required", fields={name: "required"})
    if len(value) > MAX_TEXT:
        raise ValidationFailed("too long", fields={name: "too_long"})
    return value


def _date(on: dt.date | None, now: dt.datetime, name: str = "on", not_before: dt.date | None = None) -> dt.date:
    on = on or clocks.local_date(now)
    if on > clocks.local_date(now):
        raise ValidationFailed("future", fields={name: "future"})
    if not_before is not None and on < not_before:
        raise ValidationFailed("too early", fields={name: "invalid"})
    return on


def _finish(session: Session, kind: str, tip: Tip, on: dt.date) -> None:
    clocks.finish(session, clocks.running(session, kind, tip_id=tip.id), on)


def accept(session: Session, *, now, tip: Tip, actor: Actor, version: int | None,
           on: dt.date | None = None, notice: str = "") -> Complaint:
    """Accept the complaint (Art. 14): the acceptance clock is answered and mediation's starts."""
    complaint = complaint_of(session, tip, now)
    on = _date(on, now, not_before=complaint.received_on)
    notice = _text(notice, "notice", required=False)
    workflow.apply_complaint(session, now=now, tip=tip, action="accept", actor=actor,
                             version=version, on=on)
    complaint.accepted_on = on
    tip.public_note = notice or None
    _finish(session, "complaint_acceptance", tip, on)
    _finish(session, "filing", tip, on)
    clocks.start(session, kind="mediation", on=on, division_code=tip.division_code, now=now,
                 cal=WorkCalendar.load(session), tip_id=tip.id)
    return complaint


def not_accept(session: Session, *, now, tip: Tip, actor: Actor, version: int | None, ground: str,
               notice: str, on: dt.date | None = None) -> Complaint:
    """Not accepted on a ground of Art. 15; `notice` is the written notice the complainant reads."""
    if ground not in NON_ACCEPTANCE_GROUNDS:
        raise ValidationFailed("ground", fields={"ground": "invalid"})
    complaint = complaint_of(session, tip, now)
    on = _date(on, now, not_before=complaint.received_on)
    notice = _text(notice, "notice")
    workflow.apply_complaint(session, now=now, tip=tip, action="not_accept", actor=actor,
                             version=version, reason=ground, on=on, details={"ground": ground})
    complaint.ground, complaint.ended_on, complaint.notice = ground, on, notice
    tip.public_note = notice
    _finish(session, "complaint_acceptance", tip, on)
    _finish(session, "filing", tip, on)
    return complaint


def record_session(session: Session, *, now, tip: Tip, actor: Actor, version: int | None,
                   held_on: dt.date | None, form: str, positions: str, mediator: str = "") -> MediationSession:
    """A mediation session (Art. 18): in person, by phone, online, or delegated (Art. 17) to the
    consumer association or mediation body named in `mediator`."""
    complaint = complaint_of(session, tip, now)
    fields = {}
    if form not in MEDIATION_FORMS:
        fields["form"] = "invalid"
    if form == "delegated" and len((mediator or "").strip()) < 2:
        fields["mediator"] = "required"
    if fields:
        raise ValidationFailed("invalid session", fields=fields)
    held_on = _date(held_on, now, "held_on", not_before=complaint.accepted_on)
    positions = _text(positions, "positions")
    workflow.apply_complaint(session, now=now, tip=tip, action="record_session", actor=actor,
                             version=version, on=held_on, details={"form": form})
    row = MediationSession(complaint_id=complaint.id, held_on=held_on, form=form,
                           mediator=(mediator or "").strip()[:200], positions=positions, recorded_by=actor.id,
                           created_at=now)
    session.add(row)
    tip.status_changed_at = now  # the complainant's page shows the new step
    session.flush()
    return row


def _mediation_clock(session: Session, tip: Tip) -> Clock | None:
    return clocks.running(session, "mediation", tip_id=tip.id)


def stop_mediation(session: Session, *, now, tip: Tip, actor: Actor, version: int | None, reason: str,
                   note: str = "", on: dt.date | None = None) -> MediationStop:
    """Testing or appraisal: its time is not counted in the mediation period (Art. 20)."""
    if reason not in STOP_REASONS:
        raise ValidationFailed("reason", fields={"reason": "invalid"})
    complaint = complaint_of(session, tip, now)
    on = _date(on, now, not_before=complaint.accepted_on)
    last = session.scalar(select(MediationStop).where(MediationStop.complaint_id == complaint.id)
                          .order_by(MediationStop.stopped_on.desc()).limit(1))
    if last is not None and last.resumed_on is not None and on < last.resumed_on:
        raise ValidationFailed("overlaps", fields={"on": "invalid"})
    workflow.apply_complaint(session, now=now, tip=tip, action="stop_mediation", actor=actor,
                             version=version, reason=reason, on=on, details={"note": note})
    row = MediationStop(complaint_id=complaint.id, reason=reason, note=(note or "")[:300], stopped_on=on)
    session.add(row)
    session.flush()
    clock = _mediation_clock(session, tip)
    if clock is not None:
        clocks.recompute(session, clock, WorkCalendar.load(session))
    return row


def resume_mediation(session: Session, *, now, tip: Tip, actor: Actor, version: int | None,
                     on: dt.date | None = None) -> None:
    complaint = complaint_of(session, tip, now)
    open_stop = session.scalar(select(MediationStop).where(MediationStop.complaint_id == complaint.id,
                                                           MediationStop.resumed_on.is_(None)))
    on = _date(on, now, not_before=open_stop.stopped_on if open_stop else None)
    workflow.apply_complaint(session, now=now, tip=tip, action="resume_mediation", actor=actor,
                             version=version, on=on)
    if open_stop is not None:
        open_stop.resumed_on = on
    session.flush()
    clock = _mediation_clock(session, tip)
    if clock is not None:
        clocks.recompute(session, clock, WorkCalendar.load(session))


def end_mediation(session: Session, *, now, tip: Tip, actor: Actor, version: int | None, outcome: str,
                  notice: str = "", terms: str = "", termination_ground: str = "", agreement_file_id: int | None = None,
                  on: dt.date | None = None) -> Complaint:
    """Mediation ends: an agreement (its terms, or a scanned agreement among the complaint's files),
    no agreement, withdrawal, or termination on a statutory ground (Art. 21)."""
    complaint = complaint_of(session, tip, now)
    fields = {}
    if outcome not in OUTCOMES or outcome == "expired":
        fields["outcome"] = "invalid"
    if outcome == "terminated" and termination_ground not in TERMINATION_GROUNDS:
        fields["termination_ground"] = "invalid"
    if agreement_file_id:
        f = session.get(EvidenceFile, agreement_file_id)
        if f is None or f.tip_id != tip.id:
            fields["agreement_file_id"] = "invalid"
    if outcome == "agreement" and len((terms or "").strip()) < 2 and not agreement_file_id:
        fields["terms"] = "required"
    if fields:
        raise ValidationFailed("invalid ending", fields=fields)
    on = _date(on, now, not_before=complaint.accepted_on)
    terms, notice = _text(terms, "terms", required=False), _text(notice, "notice", required=False)
    workflow.apply_complaint(session, now=now, tip=tip, action="end_mediation", actor=actor,
                             version=version, reason=outcome, on=on,
                             details={"outcome": outcome, "ground": termination_ground or None,
                                      "file": agreement_file_id})
    _end(session, now, tip, complaint, outcome, on)
    complaint.termination_ground = termination_ground if outcome == "terminated" else None
    complaint.agreement_terms = terms or None if outcome == "agreement" else None
    complaint.agreement_file_id = agreement_file_id if outcome == "agreement" else None
    complaint.notice = notice or None
    tip.public_note = notice or None
    return complaint


def _end(session: Session, now, tip: Tip, complaint: Complaint, outcome: str, on: dt.date) -> None:
    complaint.outcome, complaint.ended_on = outcome, on
    open_stop = session.scalar(select(MediationStop).where(MediationStop.complaint_id == complaint.id,
                                                           MediationStop.resumed_on.is_(None)))
    if open_stop is not None:
        open_stop.resumed_on = max(on, open_stop.stopped_on)
    _finish(session, "mediation", tip, on)
    try:  # follow-up (回访): a clock only where the table has a rule for it (none is shipped)
        clocks.start(session, kind="follow_up", on=on, division_code=tip.division_code, now=now,
                     cal=WorkCalendar.load(session), tip_id=tip.id)
    except LookupError:
        pass


def expire_mediations(session: Session, now: dt.datetime) -> int:
    """The scheduler's part: a mediation whose period ran out without agreement ends (Art. 21(5)),
    and its handlers get one notice. Returns the number ended."""
    today = clocks.local_date(now)
    rows = session.execute(select(Clock, Tip).join(Tip, Tip.id == Clock.tip_id)
                           .where(Clock.kind == "mediation", Clock.state == "running", Clock.due_on < today,
                                  Tip.status == "mediation")).all()
    if not rows:
        return 0
    from .deadlines.people import People
    people = People(session, [c for c, _ in rows])
    for clock, tip in rows:
        complaint = complaint_of(session, tip, now)
        due = clock.due_on
        if due is None:  # cannot happen: the query asks for due_on < today
            continue
        workflow.apply_complaint(session, now=now, tip=tip, action="expire_mediation", actor=workflow.SYSTEM,
                                 version=None, reason="expired", on=today,
                                 details={"due": due.isoformat()})
        _end(session, now, tip, complaint, "expired", today)
        for uid in people.handlers(clock):
            session.add(Notice(user_id=uid, kind="mediation_expired", clock_id=clock.id, created_at=now,
                               params=json.dumps({"due": due.isoformat(), "kind": "mediation"})))
    session.flush()
    return len(rows)


def refer_violation(session: Session, *, now, tip: Tip, actor: Actor, version: int | None,
                    reason: str) -> Tip:
    """The complaint reveals a suspected violation: a linked tip enters triage as a report (its own
    filing clock from today), and the complaint goes on."""
    complaint = complaint_of(session, tip, now)
    if complaint.lead_tip_id is not None:
        raise Conflict("already referred", kind="state")
    workflow.apply_complaint(session, now=now, tip=tip, action="refer_violation", actor=actor,
                             version=version, reason=reason)
    lead = Tip(channel=tip.channel, kind="report", category_code=tip.category_code, entity_name=tip.entity_name,
               entity_uscc=tip.entity_uscc, entity_address=tip.entity_address, division_code=tip.division_code,
               occurred_on=tip.occurred_on, description=tip.description, knowledge="customer", anonymous=True,
               status="in_triage", status_changed_at=now, received_at=now,
               receipt_hash="lead:" + secrets.token_hex(24), split_from_id=tip.id, entity_id=tip.entity_id,
               priority=tip.priority, triaged_by_id=actor.id)
    session.add(lead)
    session.flush()
    complaint.lead_tip_id = lead.id
    clocks.start(session, kind="filing", on=clocks.local_date(now), division_code=tip.division_code, now=now,
                 cal=WorkCalendar.load(session), tip_id=lead.id)
    from ..audit import services as audit
    audit.record(session, now=now, action="tip.lead_from_complaint", actor=actor, object_type="tip",
                 object_id=lead.id, details={"complaint": tip.id, "reason": reason})
    return lead


def record_follow_up(session: Session, *, now, tip: Tip, actor: Actor, version: int | None, result: str,
                     on: dt.date | None = None) -> Complaint:
    """The follow-up call or visit (回访) after the complaint was handled, and what it found."""
    if result not in FOLLOW_UP_RESULTS:
        raise ValidationFailed("result", fields={"result": "invalid"})
    complaint = complaint_of(session, tip, now)
    on = _date(on, now, not_before=complaint.ended_on)
    workflow.apply_complaint(session, now=now, tip=tip, action="follow_up", actor=actor,
                             version=version, on=on, details={"result": result})
    complaint.follow_up_result, complaint.follow_up_on = result, on
    _finish(session, "follow_up", tip, on)
    return complaint


def sessions_of(session: Session, complaint: Complaint | None) -> list[MediationSession]:
    if complaint is None:
        return []
    return list(session.scalars(select(MediationSession).where(MediationSession.complaint_id == complaint.id)
                                .order_by(MediationSession.held_on, MediationSession.id)))


def stops_of(session: Session, complaint: Complaint | None) -> list[MediationStop]:
    if complaint is None:
        return []
    return list(session.scalars(select(MediationStop).where(MediationStop.complaint_id == complaint.id)
                                .order_by(MediationStop.stopped_on, MediationStop.id)))
