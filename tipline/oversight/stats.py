"""Oversight figures: plain queries over a period and a division scope.

A period is two Asia/Shanghai calendar dates, both included. A scope is one GB/T 2260 code: the
province (everything), a city (it and its counties) or a county. No Flask here: the dashboard,
the exports, the public pages, the tests and the CLI all call these same functions, which is
what keeps a figure on screen and the same figure in a spreadsheet equal.
"""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, String, bindparam, cast, func, inspect, select, text
from sqlalchemy.orm import Session

from .. import categories
from ..audit.models import AuditEvent
from ..cases.deadlines.models import Clock
from ..cases.models import Case, Inspection
from ..db import UTCDateTime
from ..divisions import PROVINCE_CODE
from ..intake.models import CHANNELS, Tip
from ..reporting import Period, local_date, scope  # noqa: F401  (stats.Period, stats.scope: the oversight pages' names)

SHANGHAI = ZoneInfo("Asia/Shanghai")
ZERO = Decimal("0.00")
# The first triage decision on a tip ends the "received -> triage decision" stage.
TRIAGE_ACTIONS = {
    "tip.file_case": "case_filed", "tip.join_case": "case_filed", "tip.reject": "not_accepted",
    "tip.mark_complaint": "complaint", "tip.merge": "merged", "tip.transfer_division": "transferred",
    "tip.transfer_department": "transferred", "tip.mark_repeat": "merged",
}
TRIAGE_OUTCOMES = ("case_filed", "not_accepted", "complaint", "merged", "transferred")
OUTCOMES = ("violation", "no_violation", "criminal_transfer")
KEY_FIGURES = ("inspections", "violation_cases", "cases_filed", "problems_found", "rectification_notices",
               "certificates_revoked")
# Reward states from approval on (the rewards package's state machine).
REWARD_APPROVED_STATES = ("approved", "notified", "claimed", "paid")
ANSWER_CLOCKS = ("filing", "complaint_acceptance")
# Complaints by outcome: accepted, not accepted, mediated with agreement, without (no agreement,
# period expired, terminated), withdrawn or settled by the parties.
COMPLAINT_OUTCOMES = ("accepted", "not_accepted", "agreement", "no_agreement", "withdrawn")



def _in_days(column, period: Period):
    return column.between(period.start, period.end)


def _in_instants(column, period: Period):
    lo, hi = period.bounds
    return (column >= lo) & (column < hi)


# --- submissions and triage ---------------------------------------------------------------

def _submitted(period: Period, division: str):
    # A split creates a second record from one submission: counting it would count it twice.
    return (_in_instants(Tip.received_at, period), scope(Tip.division_code, division), Tip.split_from_id.is_(None))


def submissions_by_channel(session: Session, period: Period, division: str) -> dict[str, int]:
    rows = session.execute(select(Tip.channel, func.count()).where(*_submitted(period, division))
                           .group_by(Tip.channel)).all()
    result = {c: 0 for c in CHANNELS}
    result.update({c: n for c, n in rows})
    return result


def submissions_by_group(session: Session, period: Period, division: str) -> dict[str, int]:
    """Counts per category group (tipline/data/categories.json order); unknown codes count as "other"."""
    rows = session.execute(select(Tip.category_code, func.count()).where(*_submitted(period, division))
                           .group_by(Tip.category_code)).all()
    result = {g.code: 0 for g in categories.load()}
    for code, n in rows:
        cat = categories.get(code)
        key = cat.group if cat else "other"
        result[key] = result.get(key, 0) + n
    return result


def _triage_events(division: str):
    return (select(Tip.id, Tip.received_at, AuditEvent.action, AuditEvent.at)
            .join(AuditEvent, AuditEvent.object_id == cast(Tip.id, String))
            .where(AuditEvent.object_type == "tip", AuditEvent.action.in_(TRIAGE_ACTIONS),
                   scope(Tip.division_code, division)))


def triage_outcomes(session: Session, period: Period, division: str) -> dict[str, int]:
    """Triage decisions taken in the period, by kind. A tip moved to another division counts in
    the division it is in now (the audit trail keeps where it came from)."""
    result = {k: 0 for k in TRIAGE_OUTCOMES}
    for _id, _received, action, _at in session.execute(_triage_events(division)
                                                        .where(_in_instants(AuditEvent.at, period))):
        result[TRIAGE_ACTIONS[action]] += 1
    return result


# --- cases --------------------------------------------------------------------------------

def cases_filed(session: Session, period: Period, division: str) -> int:
    return session.scalar(select(func.count(Case.id)).where(_in_days(Case.filed_on, period),
                                                            scope(Case.division_code, division))) or 0


@dataclass
class Decisions:
    by_outcome: dict[str, int]
    fines: Decimal = ZERO
    confiscated_gains: Decimal = ZERO
    confiscated_property: Decimal = ZERO
    rectification_notices: int = 0
    certificates_revoked: int = 0

    @property
    def count(self) -> int:
        return sum(self.by_outcome.values())

    @property
    def penalties(self) -> Decimal:
        return self.fines + self.confiscated_gains + self.confiscated_property


def decisions(session: Session, period: Period, division: str) -> Decisions:
    """Decisions dated in the period: outcomes, amounts (yuan, Decimal) and measures. Measures are
    counted per case, matching whole tokens of the comma list."""
    result = Decisions({o: 0 for o in OUTCOMES})
    rows = session.execute(select(Case.outcome, Case.fines, Case.confiscated_gains, Case.confiscated_property,
                                  Case.measures)
                           .where(_in_days(Case.decision_date, period), scope(Case.division_code, division)))
    for outcome, fines, gains, prop, measures in rows:
        if outcome is not None:  # set together with the decision date (cases.investigation.decide)
            result.by_outcome[outcome] = result.by_outcome.get(outcome, 0) + 1
        result.fines += fines or ZERO
        result.confiscated_gains += gains or ZERO
        result.confiscated_property += prop or ZERO
        tokens = set((measures or "").split(","))
        result.rectification_notices += "rectification_notice" in tokens
        result.certificates_revoked += "certificate_revoked" in tokens
    return result


def inspections(session: Session, period: Period, division: str) -> tuple[int, int]:
    """(on-site inspections, problems found) recorded with an inspection date in the period."""
    count, problems = session.execute(
        select(func.count(Inspection.id), func.coalesce(func.sum(Inspection.problems_found), 0))
        .join(Case, Case.id == Inspection.case_id)
        .where(_in_days(Inspection.inspected_on, period), scope(Case.division_code, division))).one()
    return int(count or 0), int(problems or 0)


# --- handling times and deadlines -----------------------------------------------------------

def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = math.floor(k), math.ceil(k)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


@dataclass(frozen=True)
class Stage:
    count: int
    median: float | None
    p90: float | None


def _stage(days: Sequence[float]) -> Stage:
    def r(x):
        return None if x is None else round(x, 1)
    return Stage(len(days), r(percentile(days, 0.5)), r(percentile(days, 0.9)))


def handling_times(session: Session, period: Period, division: str) -> dict[str, Stage]:
    """Days per stage, for stages that ended in the period:
    triage = tip received -> its first triage decision (audit trail, fractional days);
    investigation = filing date -> decision date; closing = decision date -> closing date
    (the legal dates recorded on the case, whole days)."""
    first: dict[int, tuple[dt.datetime, dt.datetime]] = {}
    for tip_id, received, _action, at in session.execute(_triage_events(division)):
        if tip_id not in first or at < first[tip_id][1]:
            first[tip_id] = (received, at)
    lo, hi = period.bounds
    triage = [(at - received).total_seconds() / 86400 for received, at in first.values() if lo <= at < hi]
    # The dates filtered on below are never NULL in the rows (the `is not None` only tells mypy).
    investigation = [(d - f).days for f, d in session.execute(
        select(Case.filed_on, Case.decision_date).where(_in_days(Case.decision_date, period),
                                                        scope(Case.division_code, division))) if d is not None]
    closing = [(c - d).days for d, c in session.execute(
        select(Case.decision_date, Case.closed_on).where(_in_days(Case.closed_on, period),
                                                         Case.decision_date.is_not(None),
                                                         scope(Case.division_code, division)))
               if d is not None and c is not None]
    return {"triage": _stage(triage), "investigation": _stage(investigation), "closing": _stage(closing)}


def deadlines(session: Session, period: Period, division: str, kinds: tuple[str, ...] | None = None
              ) -> tuple[int, int]:
    """(met, missed) among clocks finished in the period, optionally of some kinds only."""
    stmt = (select(Clock.met, func.count()).where(Clock.state == "done", _in_days(Clock.done_on, period),
                                                  scope(Clock.division_code, division)).group_by(Clock.met))
    if kinds:
        stmt = stmt.where(Clock.kind.in_(kinds))
    counts = dict(session.execute(stmt).all())
    return counts.get(True, 0), counts.get(False, 0)


# --- rewards (the table belongs to the rewards package; it may be absent) -----------------------

@dataclass(frozen=True)
class Rewards:
    approved: int = 0
    approved_amount: Decimal = ZERO
    paid: int = 0
    paid_amount: Decimal = ZERO


def rewards(session: Session, period: Period, division: str) -> Rewards:
    """Rewards approved and paid. Reads the reward tables by name with plain SQL so oversight does
    not import the rewards package; returns zeros while the `reward` table does not exist.
    Approved: rewards in an approved-or-later state whose latest approval (or creation) falls in
    the period. Paid: payments (reward_payment.paid_on, or reward.paid_at) in the period."""
    insp = inspect(session.connection())
    if not insp.has_table("reward"):
        return Rewards()
    cols = {c["name"] for c in insp.get_columns("reward")}
    if not {"status", "amount"} <= cols or ("case_id" not in cols and division != PROVINCE_CODE):
        return Rewards()
    join = " JOIN case_file c ON c.id = r.case_id" if "case_id" in cols else ""
    where, params = " AND c.division_code LIKE :div" if join and division != PROVINCE_CODE else "", {}
    if where:
        params["div"] = division[:4] + "%" if division.endswith("00") else division
    lo, hi = period.bounds
    if insp.has_table("reward_approval"):
        when = "(SELECT MAX(a.at) FROM reward_approval a WHERE a.reward_id = r.id)"
    else:
        when = "r.approved_at" if "approved_at" in cols else "r.created_at"
    # The SQL below is built only from the constants above (join, where, when, states); values are bound.
    states = ", ".join(f"'{s}'" for s in REWARD_APPROVED_STATES)
    approved = session.execute(_typed(
        f"SELECT COUNT(*), COALESCE(SUM(r.amount), 0) FROM reward r{join} WHERE r.status IN ({states}) "  # noqa: S608 - constants only
        f"AND {when} >= :lo AND {when} < :hi{where}", UTCDateTime()), {**params, "lo": lo, "hi": hi}).one()
    paid: Sequence[Any]
    if insp.has_table("reward_payment"):
        paid = session.execute(_typed(
            f"SELECT COUNT(*), COALESCE(SUM(p.amount), 0) FROM reward_payment p JOIN reward r ON r.id = p.reward_id"  # noqa: S608 - constants only
            f"{join} WHERE p.paid_on >= :lo AND p.paid_on <= :hi{where}", Date()),
            {**params, "lo": period.start, "hi": period.end}).one()
    elif "paid_at" in cols:
        paid = session.execute(_typed(
            f"SELECT COUNT(*), COALESCE(SUM(r.amount), 0) FROM reward r{join} WHERE r.paid_at >= :lo "  # noqa: S608 - constants only
            f"AND r.paid_at < :hi{where}", UTCDateTime()), {**params, "lo": lo, "hi": hi}).one()
    else:
        paid = (0, 0)
    return Rewards(int(approved[0]), _money(approved[1]), int(paid[0]), _money(paid[1]))


def _typed(sql: str, kind):
    # Bound through the column type, so raw SQL compares times stored the way UTCDateTime stores them.
    return text(sql).bindparams(bindparam("lo", type_=kind), bindparam("hi", type_=kind))


def _money(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def complaints(session: Session, period: Period, division: str) -> dict[str, int]:
    """Complaint decisions and endings in the period, by COMPLAINT_OUTCOMES."""
    from ..cases.complaint_models import Complaint
    base = select(func.count(Complaint.id)).join(Tip, Tip.id == Complaint.tip_id) \
        .where(scope(Tip.division_code, division))
    ended = _in_days(Complaint.ended_on, period)
    return {
        "accepted": session.scalar(base.where(_in_days(Complaint.accepted_on, period))) or 0,
        "not_accepted": session.scalar(base.where(ended, Complaint.ground.is_not(None))) or 0,
        "agreement": session.scalar(base.where(ended, Complaint.outcome == "agreement")) or 0,
        "no_agreement": session.scalar(base.where(ended, Complaint.outcome.in_(("no_agreement", "expired",
                                                                                "terminated")))) or 0,
        "withdrawn": session.scalar(base.where(ended, Complaint.outcome == "withdrawn")) or 0,
    }


# --- everything at once ------------------------------------------------------------------------

@dataclass
class Overview:
    period: Period
    division: str
    by_channel: dict[str, int]
    by_group: dict[str, int]
    triage: dict[str, int]
    cases_filed: int
    decisions: Decisions
    inspections: int
    problems_found: int
    rewards: Rewards
    handling: dict[str, Stage]
    deadlines_met: int
    deadlines_missed: int
    answered_met: int
    answered_missed: int
    extra: dict = field(default_factory=dict)

    @property
    def submissions(self) -> int:
        return sum(self.by_channel.values())

    @property
    def key_figures(self) -> dict[str, int]:
        """The yearly figures the province announces, in its order."""
        return {"inspections": self.inspections, "violation_cases": self.decisions.count,
                "cases_filed": self.cases_filed, "problems_found": self.problems_found,
                "rectification_notices": self.decisions.rectification_notices,
                "certificates_revoked": self.decisions.certificates_revoked}

    @property
    def answered_percent(self) -> float | None:
        """Submissions answered within their legal deadlines, in percent (None: none answered yet)."""
        total = self.answered_met + self.answered_missed
        return None if total == 0 else round(100 * self.answered_met / total, 1)


def overview(session: Session, period: Period, division: str) -> Overview:
    decided = decisions(session, period, division)
    n_insp, problems = inspections(session, period, division)
    met, missed = deadlines(session, period, division)
    a_met, a_missed = deadlines(session, period, division, ANSWER_CLOCKS)
    return Overview(period, division, submissions_by_channel(session, period, division),
                    submissions_by_group(session, period, division), triage_outcomes(session, period, division),
                    cases_filed(session, period, division), decided, n_insp, problems,
                    rewards(session, period, division), handling_times(session, period, division),
                    met, missed, a_met, a_missed, extra={"complaints": complaints(session, period, division)})


def monthly(session: Session, year: int, division: str) -> list[dict]:
    """Twelve rows (month 1-12): submissions, cases filed, decisions and penalties (yuan)."""
    period = Period.year(year)
    months: list[dict[str, Any]] = [{"month": m, "submissions": 0, "cases_filed": 0, "decisions": 0, "penalties": ZERO}
              for m in range(1, 13)]
    for (received,) in session.execute(select(Tip.received_at).where(*_submitted(period, division))):
        months[local_date(received).month - 1]["submissions"] += 1
    for (filed,) in session.execute(select(Case.filed_on).where(_in_days(Case.filed_on, period),
                                                                scope(Case.division_code, division))):
        months[filed.month - 1]["cases_filed"] += 1
    for day, fines, gains, prop in session.execute(
            select(Case.decision_date, Case.fines, Case.confiscated_gains, Case.confiscated_property)
            .where(_in_days(Case.decision_date, period), scope(Case.division_code, division))):
        if day is None:  # never: the query filters on the decision date
            continue
        row = months[day.month - 1]
        row["decisions"] += 1
        row["penalties"] += (fines or ZERO) + (gains or ZERO) + (prop or ZERO)
    return months
