"""Random assignment of investigators ("double random"): reproducible and audited.

Law: at least two law-enforcement officers investigate (《行政处罚法》Art. 42; 《市场监督管理行政处罚
程序规定》Art. 19 ¶2: two or more officers are designated when a case is filed). A party may apply for
an officer's recusal (申请回避, 《行政处罚法》Art. 43), decided by the head (a supervisor). Every draw,
re-draw, removal and refusal is an audit event; the case page lists them all.
"""
from __future__ import annotations

import datetime as dt
import random
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..actors import Actor
from ..audit import services as audit
from ..auth.models import User
from ..errors import Conflict, Forbidden, ValidationFailed
from ..intake.models import Tip
from ..jurisdiction import code_prefix
from .models import Assignment, Case, ConflictDeclaration

DEFAULT_INVESTIGATORS = 2
MIN_INVESTIGATORS = 2  # 《行政处罚法》Art. 42; 程序规定 Art. 19 ¶2
REDRAW_REASONS = ("recusal", "absence", "conflict_declared")
WIDEN = ("city",)
# What a supervisor can do when the division has fewer than two eligible officers: draw from the
# officers of the whole city, or transfer the tip / ask the city bureau to assign officers.
WAYS_OUT = ("widen_to_city", "ask_city")


class TooFewOfficers(Conflict):
    """Fewer eligible officers than the draw needs; details: eligible, needed, ways_out."""


def removed_officers(session: Session, case_id: int) -> set[int]:
    """Officers taken off this case (re-drawn away, recused, conflicted): never drawn for it again."""
    from .procedure_models import Redraw
    return set(session.scalars(select(Redraw.officer_id).where(Redraw.case_id == case_id)))


def eligible_pool(session: Session, case: Case, exclude_triage: bool,
                  widen: str | None = None) -> tuple[list[int], dict[int, str]]:
    """Active officers of the case's division (of its whole city with widen="city"), minus declared
    conflicts, officers removed from this case (and the triaging officers)."""
    where = (code_prefix(User.division_code, case.division_code[:4]) if widen == "city"
             else User.division_code == case.division_code)
    officers = session.scalars(select(User.id).where(User.role == "officer", User.active.is_(True), where)
                               .order_by(User.id)).all()
    excluded: dict[int, str] = {}
    for uid in session.scalars(select(ConflictDeclaration.user_id).where(
            ConflictDeclaration.entity_id == case.entity_id)):
        excluded[uid] = "conflict"
    for uid in removed_officers(session, case.id):
        excluded.setdefault(uid, "removed")
    if exclude_triage:
        for triager in session.scalars(select(Tip.triaged_by_id).where(Tip.case_id == case.id)):
            if triager is not None:
                excluded.setdefault(triager, "triage")
    return [u for u in officers if u not in excluded], excluded


def pick(pool: list[int], n: int, seed: int) -> list[int]:
    """The draw itself: the same pool and seed always give the same result (replayable)."""
    return sorted(random.Random(seed).sample(sorted(pool), min(n, len(pool))))  # noqa: S311 - replayable; seed from `secrets`


def draw(session: Session, *, now: dt.datetime, case: Case, actor: Actor, n: int = DEFAULT_INVESTIGATORS,
         exclude_triage: bool = True, reason: str = "", seed: int | None = None, widen: str | None = None,
         replacing: int | None = None) -> list[int]:
    """Draw investigators until the case has `n` (the active ones stay) and record pool, seed and
    result in the audit trail. Raises ValidationFailed for n < 2, TooFewOfficers (a Conflict, kind
    too_few_officers) when fewer officers are eligible than needed: nobody is assigned then."""
    if n < MIN_INVESTIGATORS:
        raise ValidationFailed("at least two investigators", fields={"investigators": "too_few"})
    if widen is not None and widen not in WIDEN:
        raise ValidationFailed("bad pool", fields={"widen": "invalid"})
    kept = active_investigators(session, case.id)
    pool, excluded = eligible_pool(session, case, exclude_triage, widen)
    pool = [u for u in pool if u not in kept]
    needed = n - len(kept)
    if needed <= 0:
        return []
    if len(pool) < needed:
        ways = [w for w in WAYS_OUT if not (w == "widen_to_city" and widen == "city")]
        audit.record(session, now=now, action="case.draw_refused", actor=actor, object_type="case",
                     object_id=case.id, details={"eligible": pool, "needed": needed, "kept": kept, "widen": widen,
                                                 "excluded": {str(k): v for k, v in excluded.items()},
                                                 "ways_out": ways, "reason": reason})
        raise TooFewOfficers("fewer than two eligible officers", kind="too_few_officers", eligible=len(pool),
                             needed=needed, ways_out=ways)
    seed = secrets.randbits(63) if seed is None else seed
    chosen = pick(pool, needed, seed)
    event = audit.record(session, now=now, action="case.draw", actor=actor, object_type="case", object_id=case.id,
                         details={"pool": pool, "excluded": {str(k): v for k, v in excluded.items()},
                                  "seed": seed, "n": needed, "result": chosen, "reason": reason, "kept": kept,
                                  "widen": widen, "replacing": replacing})
    for uid in chosen:
        session.add(Assignment(case_id=case.id, user_id=uid, draw_event_id=event.id, assigned_at=now))
    session.flush()
    return chosen


def _remove(session: Session, *, now: dt.datetime, case: Case, officer_id: int, reason: str, text: str,
            actor: Actor, ordered_by: int | None):
    """Take `officer_id` off the case and record why (a Redraw row, an audit event)."""
    from .procedure_models import Redraw
    row = session.scalar(select(Assignment).where(Assignment.case_id == case.id, Assignment.user_id == officer_id,
                                                  Assignment.active.is_(True)))
    if row is None:
        raise ValidationFailed("not an investigator of this case", fields={"officer": "invalid"})
    row.active = False
    redraw_row = Redraw(case_id=case.id, officer_id=officer_id, reason=reason, text=text, ordered_by=ordered_by,
                        created_at=now)
    session.add(redraw_row)
    session.flush()
    audit.record(session, now=now, action="case.investigator_removed", actor=actor, object_type="case",
                 object_id=case.id, details={"officer": officer_id, "reason": reason, "text": text})
    return redraw_row


def _replace(session: Session, *, now: dt.datetime, case: Case, actor: Actor, redraw_row, widen: str | None = None,
             must: bool = True) -> list[int]:
    """Draw a replacement for the officer just removed. With must=False a refusal (too few eligible)
    is recorded and leaves the case short of an officer, for a supervisor to complete."""
    try:
        chosen = draw(session, now=now, case=case, actor=actor, reason=f"{redraw_row.reason}: {redraw_row.text}",
                      widen=widen, replacing=redraw_row.officer_id)
    except TooFewOfficers:
        if must:
            raise
        return []
    redraw_row.draw_event_id = audit_last_draw(session, case.id)
    return chosen


def audit_last_draw(session: Session, case_id: int) -> int | None:
    from ..audit.models import AuditEvent
    return session.scalar(select(AuditEvent.id).where(AuditEvent.action == "case.draw",
                                                      AuditEvent.object_type == "case",
                                                      AuditEvent.object_id == str(case_id))
                          .order_by(AuditEvent.id.desc()).limit(1))


def redraw(session: Session, *, now: dt.datetime, case: Case, actor: Actor, officer_id: int, reason: str, text: str,
           widen: str | None = None) -> list[int]:
    """A supervisor replaces one investigator on a stated ground (REDRAW_REASONS) with its text.
    Limits: an officer removed from a case is never drawn for it again (one re-draw per stated
    ground), and the supervisor who ordered the case's last re-draw cannot order the next one (a
    second needs another supervisor). Raises Forbidden (not a supervisor), ValidationFailed (ground,
    text, officer), Conflict (kind redraw_other_supervisor; too_few_officers: then nothing changes)."""
    from .procedure_models import Redraw
    if not actor.has_role("supervisor"):
        raise Forbidden("only a supervisor may redraw")
    if case.state == "closed":
        raise Conflict("case closed", kind="state")
    fields = {}
    if reason not in REDRAW_REASONS:
        fields["reason_code"] = "invalid"
    text = (text or "").strip()
    if len(text) < 2:
        fields["reason"] = "required"
    elif len(text) > 500:
        fields["reason"] = "too_long"
    if officer_id not in active_investigators(session, case.id):
        fields["officer"] = "invalid"
    if fields:
        raise ValidationFailed("invalid re-draw", fields=fields)
    last = session.scalar(select(Redraw).where(Redraw.case_id == case.id, Redraw.ordered_by.is_not(None))
                          .order_by(Redraw.id.desc()).limit(1))
    if last is not None and last.ordered_by == actor.id:
        raise Conflict("a second re-draw needs another supervisor", kind="redraw_other_supervisor")
    row = _remove(session, now=now, case=case, officer_id=officer_id, reason=reason, text=text, actor=actor,
                  ordered_by=actor.id)
    return _replace(session, now=now, case=case, actor=actor, redraw_row=row, widen=widen)


def complete_team(session: Session, *, now: dt.datetime, case: Case, actor: Actor, widen: str | None = None,
                  reason: str = "") -> list[int]:
    """A supervisor draws the officers a case lacks (after a removal with too few eligible), if
    need be from the whole city. Raises Forbidden, Conflict (too_few_officers)."""
    if not actor.has_role("supervisor"):
        raise Forbidden("only a supervisor may draw")
    if case.state == "closed":
        raise Conflict("case closed", kind="state")
    if len(active_investigators(session, case.id)) >= MIN_INVESTIGATORS:
        raise Conflict("the case has its investigators", kind="state")
    return draw(session, now=now, case=case, actor=actor, widen=widen, reason=reason or "complete")


def declare_conflict(session: Session, *, now: dt.datetime, user, entity_id: int, reason: str) -> list[int]:
    """An officer declares a conflict of interest with a business: excluded from its draws, and taken
    off its open cases with a replacement drawn (when too few are eligible the case shows it is short
    of an officer). Returns the cases the officer was removed from."""
    if len((reason or "").strip()) < 2:
        raise ValidationFailed("reason required", fields={"reason": "required"})
    exists = session.scalar(select(ConflictDeclaration).where(ConflictDeclaration.user_id == user.id,
                                                              ConflictDeclaration.entity_id == entity_id))
    if exists is None:
        session.add(ConflictDeclaration(user_id=user.id, entity_id=entity_id, reason=reason.strip(), declared_at=now))
        audit.record(session, now=now, action="conflict.declared", actor=user, object_type="entity",
                     object_id=entity_id, details={"reason": reason.strip()})
        session.flush()
    removed = []
    cases = session.scalars(select(Case).join(Assignment, Assignment.case_id == Case.id).where(
        Case.entity_id == entity_id, Case.state != "closed", Assignment.user_id == user.id,
        Assignment.active.is_(True)).order_by(Case.id)).all()
    for case in cases:
        row = _remove(session, now=now, case=case, officer_id=user.id, reason="conflict_declared",
                      text=reason.strip(), actor=user, ordered_by=None)
        _replace(session, now=now, case=case, actor=user, redraw_row=row, must=False)
        removed.append(case.id)
    return removed


def active_investigators(session: Session, case_id: int) -> list[int]:
    return list(session.scalars(select(Assignment.user_id).where(Assignment.case_id == case_id,
                                                                 Assignment.active.is_(True))))
