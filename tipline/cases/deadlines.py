"""Deadlines the queue needs before the full clock table lands: the filing decision
(15 working days from receipt, domain.md section 3)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from ..calendar.service import WorkCalendar
from ..clock import SHANGHAI

FILING_WORKDAYS = 15
DUE_SOON_WORKDAYS = 3


def filing_due_threshold(session: Session, now: dt.datetime, cal: WorkCalendar | None = None) -> dt.datetime:
    """The latest receipt moment whose filing decision falls due within DUE_SOON_WORKDAYS working days.

    Receipt day D gives the due date add_workdays(D, 15); due dates grow with D, so the set of
    tips due soon is exactly those received on or before the last D whose due date is at most
    today + 3 working days."""
    cal = cal or WorkCalendar.load(session)
    today = now.astimezone(SHANGHAI).date()
    limit = cal.add_workdays(today, DUE_SOON_WORKDAYS).date
    day = today
    while cal.add_workdays(day, FILING_WORKDAYS).date > limit:
        day -= dt.timedelta(days=1)
    end_of_day = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), SHANGHAI)
    return (end_of_day - dt.timedelta(microseconds=1)).astimezone(dt.timezone.utc)
