"""Reminders before and after statutory deadlines, sent exactly once whatever runs at once.

A sweep (1) works out which reminders are due now and inserts them under a unique key
(clock, rule, moment, person), ignoring those that exist; (2) claims pending ones, with
FOR UPDATE SKIP LOCKED on PostgreSQL and a conditional UPDATE on SQLite, so two schedulers
never take the same row; (3) sends one digest per person and records the outcome. Failures
are retried with backoff and never hold up other reminders. Because moments are derived from
due dates, not from when the sweep runs, a scheduler that was down catches up when it returns.
"""
from __future__ import annotations

import datetime as dt
import json
import secrets
from collections import defaultdict
from dataclasses import dataclass
from email.message import EmailMessage

from sqlalchemy import and_, func, or_, select, tuple_, update
from sqlalchemy.orm import Session

from ...auth.models import User
from ...calendar.services import WorkCalendar
from ...db import insert_ignoring_conflicts
from ...mail import SEND_ERRORS, deliver
from ...timesource import local_date
from ..complaints import expire_mediations
from .models import Clock, Notice, Reminder
from .people import People
from .reminder_rules import ReminderRules, shipped_reminder_rules
from .reminder_text import body_for

BACKOFF_MINUTES = (1, 5, 30, 120, 360)
STALE_CLAIM = dt.timedelta(minutes=15)
BATCH = 200


@dataclass
class SweepResult:
    created: int = 0
    sent: int = 0
    failed: int = 0
    mails: int = 0


def _insert_ignore(session: Session, rows: list[dict]) -> int:
    if not rows:
        return 0
    stmt = insert_ignoring_conflicts(session, Reminder, ["clock_id", "rule", "moment", "user_id"]).values(rows)
    # RETURNING counts what was really inserted (psycopg reports -1 as the rowcount here).
    return len(session.execute(stmt.returning(Reminder.id)).all())


def generate(session: Session, now: dt.datetime, cal: WorkCalendar, rules: ReminderRules | None = None) -> int:
    """Insert the reminders due at `now` under `rules` (default: deadlines.json's). Only clocks due
    within the rules' look-ahead are read, so the cost follows the number of deadlines that need
    attention, not the number of open clocks."""
    rules = rules or shipped_reminder_rules()
    today = local_date(now)
    horizon = cal.add_workdays(today, rules.look_ahead).date
    created, last = 0, None
    while True:
        # Paged in due-date order on ix_clock_state_due: paging by id let PostgreSQL walk the whole
        # primary key of a million far-off clocks to find the last, empty page.
        stmt = select(Clock).where(Clock.state == "running", Clock.due_on <= horizon)
        if last is not None:
            stmt = stmt.where(tuple_(Clock.due_on, Clock.id) > tuple_(*last))
        clocks = session.scalars(stmt.order_by(Clock.due_on, Clock.id).limit(BATCH)).all()
        if not clocks:
            break
        rows = []
        people_of = People(session, clocks)
        for clock in clocks:
            due_on = clock.due_on
            if due_on is not None:  # always: the query asks for due_on <= horizon
                for rule, moment, audience in rules.due(cal, today, due_on):
                    people = (people_of.handlers(clock) if audience == "handlers"
                              else people_of.supervisors(clock.division_code))
                    rows += [dict(clock_id=clock.id, rule=rule, moment=moment, user_id=uid, status="pending",
                                  attempts=0, next_attempt_at=now, created_at=now, error="") for uid in people]
            last = (clock.due_on, clock.id)
        created += _insert_ignore(session, rows)
        session.commit()
    return created


def claim(session: Session, now: dt.datetime, worker: str) -> list[Reminder]:
    """Take pending reminders for this worker; no other worker can take the same rows."""
    session.execute(update(Reminder).where(Reminder.status == "sending", Reminder.claimed_at < now - STALE_CLAIM)
                    .values(status="pending"))
    candidates = select(Reminder.id).where(Reminder.status == "pending", Reminder.next_attempt_at <= now) \
        .order_by(Reminder.id).limit(BATCH)
    if session.get_bind().dialect.name == "postgresql":
        ids = list(session.scalars(candidates.with_for_update(skip_locked=True)))
    else:
        ids = list(session.scalars(candidates))
    if ids:
        # The status condition makes the claim safe even where SKIP LOCKED does not exist.
        session.execute(update(Reminder).where(Reminder.id.in_(ids), Reminder.status == "pending")
                        .values(status="sending", claimed_by=worker, claimed_at=now))
    session.commit()
    return list(session.scalars(select(Reminder).where(Reminder.claimed_by == worker,
                                                       Reminder.status == "sending").order_by(Reminder.id)))


def _digest(user: User, items: list[tuple[Reminder, Clock]], settings) -> EmailMessage:
    msg = EmailMessage()
    msg["To"] = user.email
    msg["Subject"] = f"【举报受理平台】期限提醒 {len(items)} 项 / Deadline reminders: {len(items)}"
    msg.set_content(body_for(user, items, settings), charset="utf-8")
    return msg


def send_claimed(session: Session, now: dt.datetime, claimed: list[Reminder], settings) -> SweepResult:
    result = SweepResult()
    by_user: dict[int, list[Reminder]] = defaultdict(list)
    for r in claimed:
        by_user[r.user_id].append(r)
    for user_id, reminders in by_user.items():
        user = session.get(User, user_id)
        clocks = {c.id: c for c in session.scalars(select(Clock).where(Clock.id.in_([r.clock_id for r in reminders])))}
        items = [(r, clocks[r.clock_id]) for r in reminders]
        error = ""
        if user is not None and user.email:  # without an address: the notices only
            try:
                deliver(settings, _digest(user, items, settings))
                result.mails += 1
            except SEND_ERRORS as exc:
                error = type(exc).__name__
        for r, clock in items:
            if error:
                r.attempts += 1
                r.error = error
                if r.attempts >= len(BACKOFF_MINUTES):
                    r.status = "failed"
                    result.failed += 1
                else:
                    r.status = "pending"
                    r.next_attempt_at = now + dt.timedelta(minutes=BACKOFF_MINUTES[r.attempts - 1])
                r.claimed_by = None
            else:
                r.status, r.sent_at = "sent", now
                session.add(Notice(user_id=user_id, kind=r.rule, clock_id=clock.id, created_at=now,
                                   params=json.dumps({"due": clock.due_on.isoformat() if clock.due_on else None,
                                                      "kind": clock.kind})))
                result.sent += 1
        session.commit()  # per person: one failure never holds up the others
    return result


def sweep(session: Session, now: dt.datetime, settings, cal: WorkCalendar | None = None,
          worker: str | None = None, rules: ReminderRules | None = None) -> SweepResult:
    """The scheduler job: generate, then claim and send until nothing is left for this worker."""
    cal = cal or WorkCalendar.load(session)
    worker = worker or secrets.token_hex(8)
    expire_mediations(session, now)  # an ended mediation's clock is done before reminders are worked out
    session.commit()
    total = SweepResult(created=generate(session, now, cal, rules))
    while True:
        claimed = claim(session, now, worker)
        if not claimed:
            break
        part = send_claimed(session, now, claimed, settings)
        total.sent += part.sent
        total.failed += part.failed
        total.mails += part.mails
    return total


def failures(session: Session, limit: int = 200) -> list[Reminder]:
    """What admins see: reminders that failed or are waiting to be retried."""
    return list(session.scalars(select(Reminder).where(or_(Reminder.status == "failed",
                                                           and_(Reminder.status == "pending", Reminder.attempts > 0)))
                                .order_by(Reminder.id.desc()).limit(limit)))


def count_by_status(session: Session) -> dict[str, int]:
    return dict(session.execute(select(Reminder.status, func.count(Reminder.id)).group_by(Reminder.status)).all())
