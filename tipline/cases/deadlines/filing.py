"""Deadlines the queue needs: which tips have their filing decision due soon (domain.md section 3).
The filing period comes from the deadline table (tipline/data/deadlines.json, versioned), never a
copy of its number."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from ...calendar.services import WorkCalendar
from ...timesource import SHANGHAI
from .arithmetic import due_date
from .clocks import rule_for
from .models import DeadlineRule

DUE_SOON_WORKDAYS = 3


def _filing_versions(session: Session) -> Sequence[Row[dt.date, int, str]]:
    return session.execute(select(DeadlineRule.effective_from, DeadlineRule.length, DeadlineRule.unit)
                           .where(DeadlineRule.clock == "filing").order_by(DeadlineRule.effective_from.desc())).all()


def filing_due_threshold(session: Session, now: dt.datetime, cal: WorkCalendar | None = None) -> dt.datetime:
    """The latest receipt moment whose filing decision falls due within DUE_SOON_WORKDAYS working days.

    Receipt day D gives the due date of the filing rule in force on D; due dates grow with D, so the
    set of tips due soon is exactly those received on or before the last D whose due date is at most
    today + 3 working days."""
    cal = cal or WorkCalendar.load(session)
    today = now.astimezone(SHANGHAI).date()
    limit = cal.add_workdays(today, DUE_SOON_WORKDAYS).date
    versions = _filing_versions(session)  # one read, not one a day
    if not versions:
        rule_for(session, "filing", today)  # seeds the table for a database that skipped `tipline db upgrade`
        versions = _filing_versions(session)

    def due(day: dt.date) -> dt.date:
        _start, length, unit = next(v for v in versions if v.effective_from <= day)
        result = due_date(cal, day, length, unit)
        if result is None:  # cannot happen: None only while a suspension is open, and none is given
            raise ValueError("no due date without suspensions")
        return result.date

    day = today
    while due(day) > limit:
        day -= dt.timedelta(days=1)
    end_of_day = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), SHANGHAI)
    return (end_of_day - dt.timedelta(microseconds=1)).astimezone(dt.timezone.utc)
