"""Random assignment of investigators ("double random"): reproducible and audited."""
from __future__ import annotations

import datetime as dt
import random
import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..audit import services as audit
from ..auth.models import User
from ..errors import Conflict, Forbidden, ValidationFailed
from ..intake.models import Tip
from .models import Assignment, Case, ConflictDeclaration

DEFAULT_INVESTIGATORS = 2


def eligible_pool(session: Session, case: Case, exclude_triage: bool) -> tuple[list[int], dict[int, str]]:
    """Active officers of the case's division, minus declared conflicts (and the triaging officers)."""
    officers = session.scalars(select(User.id).where(User.role == "officer", User.active.is_(True),
                                                     User.division_code == case.division_code)
                               .order_by(User.id)).all()
    excluded: dict[int, str] = {}
    for uid in session.scalars(select(ConflictDeclaration.user_id).where(
            ConflictDeclaration.entity_id == case.entity_id)):
        excluded[uid] = "conflict"
    if exclude_triage:
        for uid in session.scalars(select(Tip.triaged_by_id).where(Tip.case_id == case.id)):
            if uid is not None:
                excluded.setdefault(uid, "triage")
    return [u for u in officers if u not in excluded], excluded


def pick(pool: list[int], n: int, seed: int) -> list[int]:
    """The draw itself: the same pool and seed always give the same result (replayable)."""
    return sorted(random.Random(seed).sample(sorted(pool), min(n, len(pool))))


def draw(session: Session, *, now: dt.datetime, case: Case, actor, n: int = DEFAULT_INVESTIGATORS,
         exclude_triage: bool = True, reason: str = "", seed: int | None = None) -> list[int]:
    """Draw investigators and record pool, seed and result in the audit trail.
    Raises Conflict when nobody is eligible."""
    pool, excluded = eligible_pool(session, case, exclude_triage)
    if not pool:
        raise Conflict("no eligible officers", kind="empty_pool")
    seed = secrets.randbits(63) if seed is None else seed
    chosen = pick(pool, n, seed)
    event = audit.record(session, now=now, action="case.draw", actor=actor, object_type="case", object_id=case.id,
                         details={"pool": pool, "excluded": {str(k): v for k, v in excluded.items()},
                                  "seed": seed, "n": n, "result": chosen, "reason": reason})
    for uid in chosen:
        session.add(Assignment(case_id=case.id, user_id=uid, draw_event_id=event.id, assigned_at=now))
    session.flush()
    return chosen


def redraw(session: Session, *, now: dt.datetime, case: Case, actor, reason: str, exclude_triage: bool = True,
           n: int = DEFAULT_INVESTIGATORS) -> list[int]:
    """A supervisor replaces the investigators. Raises Forbidden for other roles,
    ValidationFailed without a reason, Conflict when nobody is eligible."""
    if not actor.has_role("supervisor"):
        raise Forbidden("only a supervisor may redraw")
    if len((reason or "").strip()) < 2:
        raise ValidationFailed("reason required", fields={"reason": "required"})
    session.execute(update(Assignment).where(Assignment.case_id == case.id, Assignment.active.is_(True))
                    .values(active=False).execution_options(synchronize_session="fetch"))
    return draw(session, now=now, case=case, actor=actor, n=n, exclude_triage=exclude_triage, reason=reason)


def declare_conflict(session: Session, *, now: dt.datetime, user, entity_id: int, reason: str) -> None:
    if len((reason or "").strip()) < 2:
        raise ValidationFailed("reason required", fields={"reason": "required"})
    exists = session.scalar(select(ConflictDeclaration).where(ConflictDeclaration.user_id == user.id,
                                                              ConflictDeclaration.entity_id == entity_id))
    if exists is None:
        session.add(ConflictDeclaration(user_id=user.id, entity_id=entity_id, reason=reason.strip(), declared_at=now))
        audit.record(session, now=now, action="conflict.declared", actor=user, object_type="entity",
                     object_id=entity_id, details={"reason": reason.strip()})


def active_investigators(session: Session, case_id: int) -> list[int]:
    return list(session.scalars(select(Assignment.user_id).where(Assignment.case_id == case_id,
                                                                 Assignment.active.is_(True))))
