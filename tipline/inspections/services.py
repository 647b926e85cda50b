"""The annual plan: creating it, drawing its sample and officers, and verifying a draw afterwards.

Services take the session and `now`, raise domain errors, write an audit event with every change,
and leave committing to the caller (house style, see intake.services.submit).

A plan is drawn once. The draw freezes the candidate list (every active body of the division with
its tier on the draw date, ordered by credit code), stores it with its SHA-256 digest, takes a seed
from `secrets`, and records seed, digest and result in the audit chain. `verify` recomputes the
draw from what is stored and compares it with the plan and with the audit record, so a changed
list, seed or result is detected; a second draw is refused (Conflict), never done unseen.
"""
from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import false, select
from sqlalchemy.orm import Session

from ..actors import Actor
from ..audit import services as audit
from ..audit.models import AuditEvent
from ..auth.models import User
from ..calendar.services import Result
from ..cases.deadlines.models import Clock
from ..cases.models import ConflictDeclaration
from ..errors import Conflict, NotFound, ValidationFailed
from ..jurisdiction import code_prefix
from ..timesource import local_date
from . import bulk
from . import draw as drawing
from .models import BodyInspection, InspectionOfficer, InspectionPlan, SupervisedBody
from .tiers import TierTable, classify, grounds

OFFICERS_PER_INSPECTION = 2
PROVINCE = "410000"


def in_division(column, code: str):
    """The division and what lies within it (a city: its counties; the province: everything)."""
    from sqlalchemy import true
    if code == PROVINCE:
        return true()
    if code.endswith("00"):
        return code_prefix(column, code[:4])
    return column == code


def plan_ratios(plan: InspectionPlan) -> list[list[str]]:
    return json.loads(plan.ratios)


def create_plan(session: Session, *, now: dt.datetime, year: int, division_code: str, tiers: TierTable,
                known_division, departments: Sequence[str] | str = (), ratios: dict[str, str] | None = None,
                actor: Actor | None = None, actor_label: str | None = None) -> InspectionPlan:
    """Raises ValidationFailed (fields) or Conflict (a plan for that year and division exists)."""
    problems = {}
    if not 2000 <= int(year) <= 2100:
        problems["year"] = "invalid"
    if not known_division(division_code):
        problems["division_code"] = "invalid"
    if isinstance(departments, str):
        departments = [d.strip() for d in departments.splitlines()]
    departments = [d for d in departments if d]
    if any(len(d) > 100 for d in departments):
        problems["departments"] = "too_long"
    version = None
    for day in (dt.date(int(year), 1, 1), dt.date(int(year), 12, 31)):  # the version in force on 1 January,
        try:                                                              # else the year's first one
            version = tiers.for_date(day)
            break
        except (LookupError, ValueError):
            continue
    if version is None:
        problems["year"] = "no_tier_rules"
    chosen = []
    if version:
        for tier in version.tiers:
            raw = (ratios or {}).get(tier.code, tier.ratio)
            try:
                value = Decimal(str(raw).strip())
            except InvalidOperation:
                value = Decimal(-1)
            if not Decimal(0) <= value <= Decimal(1):
                problems[f"ratio_{tier.code}"] = "invalid"
            chosen.append([tier.code, str(value)])
    if problems or version is None:  # no version: problems["year"] says so
        raise ValidationFailed("invalid plan", fields=problems)
    if session.scalar(select(InspectionPlan.id).where(InspectionPlan.year == int(year),
                                                      InspectionPlan.division_code == division_code)):
        raise Conflict("a plan for this year and division exists", kind="plan_exists")
    plan = InspectionPlan(year=int(year), division_code=division_code, departments="\n".join(departments),
                          ratios=json.dumps(chosen), tier_version=version.effective_from, state="draft",
                          created_by_id=getattr(actor, "id", None), created_at=now)
    session.add(plan)
    session.flush()
    audit.record(session, now=now, action="plan.created", actor=actor, actor_label=actor_label,
                 object_type="inspection_plan", object_id=plan.id,
                 details={"year": plan.year, "division": division_code, "departments": departments, "ratios": chosen})
    return plan


def _candidates(session: Session, division_code: str, tiers: TierTable, today: dt.date):
    """The frozen list, and the rows it was made from, (credit code, entity id, body id, division
    code) in the same order (the draw needs them for the drawn bodies; a second lookup by code cost
    ~100 ms at 50,000)."""
    version = tiers.for_date(today)
    where = (SupervisedBody.status == "active", in_division(SupervisedBody.division_code, division_code))
    rows = session.execute(select(SupervisedBody.uscc, SupervisedBody.entity_id, SupervisedBody.id,
                                  SupervisedBody.division_code).where(*where)
                           .order_by(SupervisedBody.uscc)).all()
    found = grounds(session, select(SupervisedBody.entity_id).where(*where).scalar_subquery(), version, today)
    tier_of = {eid: classify(g, version)[0].code for eid, g in found.items()}  # bodies with events on record
    default = version.tiers[-1].code  # the rest: the catch-all tier (classify(None) gives it)
    return [[uscc, tier_of.get(eid, default)] for uscc, eid, _id, _div in rows], rows


def officer_pool(session: Session, division_code: str, entity_id: int | None = None) -> tuple[list[int], list[int]]:
    """(eligible officers, excluded for a declared conflict with the entity)."""
    officers = list(session.scalars(select(User.id).where(User.role == "officer", User.active.is_(True),
                                                          in_division(User.division_code, division_code))
                                    .order_by(User.id)))
    excluded = []
    if entity_id is not None:
        excluded = list(session.scalars(select(ConflictDeclaration.user_id)
                                        .where(ConflictDeclaration.entity_id == entity_id)))
    return [u for u in officers if u not in excluded], sorted(set(excluded) & set(officers))


@dataclass
class DrawResult:
    plan: InspectionPlan
    drawn: list[str]
    inspection_ids: list[int]
    session: Session

    @property
    def inspections(self) -> list[BodyInspection]:
        """The tasks as ORM objects, loaded when asked for (the draw itself writes plain rows)."""
        found = {i.id: i for start in range(0, len(self.inspection_ids), 500) for i in self.session.scalars(
            select(BodyInspection).where(BodyInspection.id.in_(self.inspection_ids[start:start + 500])))}
        return [found[i] for i in self.inspection_ids]


@bulk.cycle_collector_paused()
def draw_plan(session: Session, *, now: dt.datetime, plan: InspectionPlan, tiers: TierTable, cal,
              actor: Actor | None = None, actor_label: str | None = None, seed: int | None = None) -> DrawResult:
    """Draw the plan's bodies and each inspection's officers. Raises Conflict when the plan was
    drawn already (kind="already_drawn") or a drawn body has fewer than two eligible officers
    (kind="too_few_officers"); nothing is stored then."""
    if plan.state != "draft":
        raise Conflict("this plan has been drawn; a draw is final", kind="already_drawn")
    today = local_date(now)
    version = tiers.for_date(today)
    frozen, rows = _candidates(session, plan.division_code, tiers, today)
    ratios = plan_ratios(plan)
    seed = secrets.randbits(63) if seed is None else int(seed)
    drawn = drawing.draw_sample(frozen, ratios, seed)
    # Look-ups for the drawn bodies only (~7% of the list), not dicts of all 50,000.
    wanted = set(drawn)
    bodies = {uscc: (bid, eid, div) for uscc, eid, bid, div in rows if uscc in wanted}
    tier_of = {uscc: tier for uscc, tier in frozen if uscc in wanted}
    pool, _ = officer_pool(session, plan.division_code)
    conflicts: dict[int, set[int]] = {}
    for uid, eid in session.execute(select(ConflictDeclaration.user_id, ConflictDeclaration.entity_id)
                                    .where(ConflictDeclaration.user_id.in_(pool) if pool else false())):
        conflicts.setdefault(eid, set()).add(uid)
    officer_seed = secrets.randbits(63)
    assigned: dict[str, list[int]] = {}
    excluded: dict[str, list[int]] = {}
    for uscc in drawn:
        body_id, entity_id, _division = bodies[uscc]
        eligible = [u for u in pool if u not in conflicts.get(entity_id, ())]
        if len(eligible) < OFFICERS_PER_INSPECTION:
            name = session.scalar(select(SupervisedBody.name).where(SupervisedBody.id == body_id))
            raise Conflict(f"{name} ({uscc}): {len(eligible)} eligible officer(s) in division "
                           f"{plan.division_code}, at least {OFFICERS_PER_INSPECTION} are needed",
                           kind="too_few_officers")
        if len(eligible) != len(pool):
            excluded[uscc] = sorted(set(pool) - set(eligible))
        assigned[uscc] = drawing.pick_officers(eligible, OFFICERS_PER_INSPECTION, f"{officer_seed}:{uscc}")
    plan.seed, plan.candidates = str(seed), drawing.canonical(frozen)
    plan.candidates_digest, plan.drawn = drawing.text_digest(plan.candidates), json.dumps(drawn)
    plan.state, plan.drawn_at = "drawn", now
    event = audit.record(session, now=now, action="plan.drawn", actor=actor, actor_label=actor_label,
                         object_type="inspection_plan", object_id=plan.id,
                         details={"seed": str(seed), "candidates": len(frozen),
                                  "candidates_digest": plan.candidates_digest,
                                  "ratios": ratios, "drawn": drawn, "officer_seed": str(officer_seed),
                                  "officer_pool": pool, "officers_excluded": excluded, "officers": assigned})
    plan.draw_event_id = event.id
    session.flush()
    # Clocks, then tasks, then officers: one statement per table, whatever the number of rows
    # (bulk.insert_rows; the ORM's batched INSERT ... RETURNING cost 10 of 16 s at 50,000 bodies).
    planned = []
    dues: dict[int, Result] = {}  # every task of round n has the same due date (the calendar walk costs ~20 ms)
    for uscc in drawn:
        tier = version.tier(tier_of[uscc]) if tier_of[uscc] in version.codes else version.tiers[-1]
        for n in range(1, tier.frequency + 1):
            due = dues.get(n) or dues.setdefault(n, cal.add_workdays(today, version.due_workdays * n))
            planned.append((uscc, n, due))
    clock_ids = bulk.insert_rows(session, Clock.__table__, [
        {"kind": "inspection", "tip_id": None, "case_id": None, "division_code": bodies[uscc][2],
         "start_on": today, "length": version.due_workdays * n, "unit": "workdays",
         "rule_from": version.effective_from, "extended": 0, "state": "running", "due_on": due.date,
         "provisional": due.provisional, "created_at": now} for uscc, n, due in planned], want_ids=True)
    inspection_ids = bulk.insert_rows(session, BodyInspection.__table__, [
        {"plan_id": plan.id, "body_id": bodies[uscc][0], "round": n, "tier": tier_of[uscc], "due_on": due.date,
         "clock_id": clock_id, "state": "open", "problem_kinds": "", "problems_count": 0, "findings": ""}
        for (uscc, n, due), clock_id in zip(planned, clock_ids, strict=True)], want_ids=True)
    bulk.insert_rows(session, InspectionOfficer.__table__, [
        {"inspection_id": iid, "user_id": uid, "draw_event_id": event.id, "active": True, "assigned_at": now}
        for (uscc, *_rest), iid in zip(planned, inspection_ids, strict=True) for uid in assigned[uscc]])
    return DrawResult(plan, drawn, inspection_ids, session)


@dataclass
class Verification:
    ok: bool
    reason: str = ""


def verify(session: Session, plan_id: int) -> Verification:
    """Recompute the plan's draw from its recorded seed and frozen list; compare with the plan, its
    audit record and its inspections. Raises NotFound for an unknown plan."""
    plan = session.get(InspectionPlan, plan_id)
    if plan is None:
        raise NotFound("plan")
    if plan.state != "drawn" or plan.candidates is None:
        return Verification(False, "the plan has not been drawn")
    try:
        frozen = json.loads(plan.candidates)
        recorded = json.loads(plan.drawn or "")  # missing: ValueError, as a TypeError before
        seed = int(plan.seed or "")
    except (TypeError, ValueError):
        return Verification(False, "the stored candidate list, seed or result is not readable")
    if drawing.digest(frozen) != plan.candidates_digest:
        return Verification(False, "the frozen candidate list does not match its digest")
    event = session.get(AuditEvent, plan.draw_event_id) if plan.draw_event_id else None
    if event is None or event.action != "plan.drawn" or event.object_id != str(plan.id):
        return Verification(False, "the draw's audit event is missing")
    details = json.loads(event.details)
    if details.get("seed") != plan.seed:
        return Verification(False, "the seed differs from the one in the audit record")
    if details.get("candidates_digest") != plan.candidates_digest:
        return Verification(False, "the candidate list differs from the one in the audit record")
    if details.get("ratios") != plan_ratios(plan):
        return Verification(False, "the ratios differ from those in the audit record")
    if drawing.draw_sample(frozen, plan_ratios(plan), seed) != recorded or details.get("drawn") != recorded:
        return Verification(False, "the recomputed draw differs from the recorded one")
    inspected = set(session.scalars(select(SupervisedBody.uscc).join(BodyInspection,
                                                                     BodyInspection.body_id == SupervisedBody.id)
                                    .where(BodyInspection.plan_id == plan.id)))
    if inspected != set(recorded):
        return Verification(False, "the plan's inspections do not match the drawn bodies")
    return Verification(True)


def plan_summary(session: Session, plan: InspectionPlan) -> dict:
    """What `tipline plan draw` prints."""
    names = dict(session.execute(select(SupervisedBody.uscc, SupervisedBody.name)
                                 .where(SupervisedBody.uscc.in_(json.loads(plan.drawn or "[]")))).all())
    tiers = dict(map(tuple, json.loads(plan.candidates or "[]")))
    return {"plan_id": plan.id, "year": plan.year, "division": plan.division_code, "seed": plan.seed,
            "candidates": len(tiers), "candidates_digest": plan.candidates_digest, "ratios": plan_ratios(plan),
            "drawn": [{"uscc": u, "name": names.get(u, ""), "tier": tiers.get(u)}
                      for u in json.loads(plan.drawn or "[]")]}
