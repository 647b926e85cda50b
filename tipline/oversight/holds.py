"""Placing and releasing legal holds (supervisors and admins, audited)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..actors import Actor
from ..audit import services as audit
from ..cases.models import Case
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..intake.models import Tip
from ..jurisdiction import can_see
from .models import HOLD_OBJECTS, LegalHold

HOLD_ROLES = ("supervisor", "admin")


def _division_of(session: Session, object_type: str, object_id: int) -> str | None:
    model = Tip if object_type == "tip" else Case
    return session.scalar(select(model.division_code).where(model.id == object_id))


def place(session: Session, *, now: dt.datetime, actor: Actor, object_type: str, object_id: int,
          reason: str) -> LegalHold:
    """Put a tip or case under hold. Raises ValidationFailed (bad type, no reason), NotFound (no such
    record), Forbidden (role, or a record outside the actor's jurisdiction), Conflict (already held)."""
    if not actor.has_role(*HOLD_ROLES):
        raise Forbidden("only supervisors and admins place holds")
    fields = {}
    if object_type not in HOLD_OBJECTS:
        fields["object_type"] = "invalid"
    if len((reason or "").strip()) < 2:
        fields["reason"] = "required"
    if fields:
        raise ValidationFailed("invalid hold", fields=fields)
    division = _division_of(session, object_type, object_id)
    if division is None:
        raise NotFound(f"no {object_type} {object_id}")
    if not can_see(actor, division):
        raise Forbidden("outside the actor's jurisdiction")
    if session.scalar(select(LegalHold.id).where(LegalHold.object_type == object_type,
                                                 LegalHold.object_id == object_id,
                                                 LegalHold.released_at.is_(None))):
        raise Conflict("already under hold", kind="state")
    hold = LegalHold(object_type=object_type, object_id=object_id, reason=reason.strip()[:2000],
                     placed_by=actor.id, placed_at=now)
    session.add(hold)
    session.flush()
    audit.record(session, now=now, action="hold.placed", actor=actor, object_type=object_type, object_id=object_id,
                 details={"hold": hold.id})
    return hold


def release(session: Session, *, now: dt.datetime, actor: Actor, hold_id: int) -> LegalHold:
    """Raises NotFound, Forbidden (role or jurisdiction), Conflict (already released)."""
    if not actor.has_role(*HOLD_ROLES):
        raise Forbidden("only supervisors and admins release holds")
    hold = session.get(LegalHold, hold_id)
    if hold is None:
        raise NotFound(f"no hold {hold_id}")
    division = _division_of(session, hold.object_type, hold.object_id)
    if division is not None and not can_see(actor, division):
        raise Forbidden("outside the actor's jurisdiction")
    if hold.released_at is not None:
        raise Conflict("already released", kind="state")
    hold.released_at = now
    audit.record(session, now=now, action="hold.released", actor=actor, object_type=hold.object_type,
                 object_id=hold.object_id, details={"hold": hold.id})
    return hold


def active(session: Session, actor: Actor) -> list[tuple[LegalHold, str | None]]:
    """Active holds with the division of what they hold, limited to what `actor` may see."""
    rows = []
    for hold in session.scalars(select(LegalHold).where(LegalHold.released_at.is_(None)).order_by(LegalHold.id)):
        division = _division_of(session, hold.object_type, hold.object_id)
        if division is None or can_see(actor, division):
            rows.append((hold, division))
    return rows
