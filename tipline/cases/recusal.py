"""A party's application for an investigator's recusal (申请回避, 《行政处罚法》Art. 43 ¶2-3: the
organ examines it and its head decides (here a supervisor); the investigation does not stop
before the decision, so the officer stays on the case until then).

Recorded by anyone working the case, decided by a supervisor who is not the officer concerned. An
upheld application removes the officer and draws a replacement in the same transaction.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..actors import Actor
from ..audit import services as audit
from ..errors import Conflict, Forbidden, ValidationFailed
from ..jurisdiction import can_see
from ..timesource import local_date
from . import assignment
from .models import Case
from .procedure_models import RecusalApplication

ART_43 = "行政处罚法 第四十三条"


def record_application(session: Session, *, now: dt.datetime, case: Case, actor: Actor, officer_id: int,
                       applicant: str, grounds: str, received_on: dt.date) -> RecusalApplication:
    """Record a party's recusal application against one of the case's investigators.
    Raises Forbidden, Conflict (case closed), ValidationFailed."""
    from .investigation import can_work
    if not can_work(session, case, actor):
        raise Forbidden("only the case's investigators and supervisors")
    if case.state == "closed":
        raise Conflict("case closed", kind="state")
    fields = {}
    if officer_id not in assignment.active_investigators(session, case.id):
        fields["officer"] = "invalid"
    applicant, grounds = (applicant or "").strip(), (grounds or "").strip()
    if not applicant or len(applicant) > 200:
        fields["applicant"] = "required" if not applicant else "too_long"
    if len(grounds) < 2 or len(grounds) > 5000:
        fields["grounds"] = "required" if len(grounds) < 2 else "too_long"
    if received_on is None or received_on > local_date(now):
        fields["on"] = "future"
    if fields:
        raise ValidationFailed("invalid application", fields=fields)
    row = RecusalApplication(case_id=case.id, officer_id=officer_id, applicant=applicant, grounds=grounds,
                             received_on=received_on, recorded_by=actor.id, recorded_at=now)
    session.add(row)
    session.flush()
    audit.record(session, now=now, action="case.recusal_applied", actor=actor, object_type="case", object_id=case.id,
                 details={"application": row.id, "officer": officer_id, "on": received_on.isoformat(),
                          "article": ART_43})
    return row


def decide_application(session: Session, *, now: dt.datetime, case: Case, actor: Actor,
                       application_id: int, upheld: bool, note: str = "") -> list[int]:
    """The head decides. Upheld: the officer leaves the case and a replacement is drawn (if too few
    officers are eligible, nothing is saved: the supervisor widens the pool or asks the city first).
    Returns the officers drawn. Raises Forbidden (not a supervisor, the officer concerned), Conflict
    (no open application; too_few_officers), ValidationFailed (a refusal without a reason)."""
    if not actor.has_role("supervisor") or not can_see(actor, case.division_code):
        raise Forbidden("the head decides recusal")
    row = session.get(RecusalApplication, application_id)
    if row is None or row.case_id != case.id or row.upheld is not None:
        raise Conflict("no open application", kind="state")
    if row.officer_id == actor.id:
        raise Forbidden("nobody decides their own recusal")
    note = (note or "").strip()
    if not upheld and len(note) < 2:
        raise ValidationFailed("reason required", fields={"reason": "required"})
    row.upheld, row.decided_by, row.decided_at, row.decision_note = bool(upheld), actor.id, now, note[:500]
    audit.record(session, now=now, action="case.recusal_" + ("upheld" if upheld else "refused"), actor=actor,
                 object_type="case", object_id=case.id,
                 details={"application": row.id, "officer": row.officer_id, "note": row.decision_note,
                          "article": ART_43})
    if not upheld:
        return []
    if row.officer_id not in assignment.active_investigators(session, case.id):
        return []  # already off the case (a conflict declared meanwhile)
    removal = assignment._remove(session, now=now, case=case, officer_id=row.officer_id, reason="recusal",
                                 text=f"{row.applicant}: {row.grounds}"[:500], actor=actor, ordered_by=None)
    return assignment._replace(session, now=now, case=case, actor=actor, redraw_row=removal)


def applications(session: Session, case_id: int) -> Sequence[RecusalApplication]:
    return session.scalars(select(RecusalApplication).where(RecusalApplication.case_id == case_id)
                           .order_by(RecusalApplication.id)).all()
