"""Statutory clock arithmetic: pure functions over a WorkCalendar (no database).

A clock starts on the day of its trigger event (report received, case filed, ...) and runs for
`length` units, "workdays" or "days", plus any extensions (same unit as the clock). It stops
while the case is suspended and carries the remaining time over when it restarts.

Rules (domain spec section 3; 《市场监督管理行政处罚程序规定》Art. 80: the first day of a period is
not counted, and a period whose last day is a holiday ends on the next working day):

- the trigger day is not counted;
- a stop is itself a period (the time that does not count, Art. 18 ¶2 and Art. 64 ¶2): its first
  day, the day of the stop, still counts for the clock, and its days after that, up to and
  including the day of resumption, do not. Resumption restarts the clock like a new trigger,
  so its day is not counted. A stop that begins and ends on the same day therefore neither
  loses nor gains a day, and a stop of k days moves the due date by k days (k working days for
  a working-day clock when the stop's days after the first are working days);
- "workdays": the working days used before a stop are those in (start, stopped_on]; the rest is
  counted in working days after the resume date (a clock stopped on its last day is due on the
  resume date, or the next working day after it);
- "days": the calendar days used before a stop are those in (start, stopped_on]; the rest is
  counted in calendar days from the resume date, and the final day is moved forward to the next
  working day when it is not one. Only the final day moves: a stop is never "moved";
- a stop made after the clock had already run out (after its due date) does not revive it: the
  due date stays the day the clock ran out;
- while a suspension is open (resumed_on None) there is no due date: `due_date` returns None
  and callers show "stopped".

Worked example (2026 calendar; Spring Festival 15-23 Feb, make-up working days Sat 14 and 28 Feb,
Qingming Mon 6 Apr):

    >>> cal = WorkCalendar()
    >>> due_date(cal, date(2026, 2, 10), 15, "workdays")
    Result(date=datetime.date(2026, 3, 9), provisional=False)

    11, 12, 13, 14 (Saturday, make-up), 24, 25, 26, 27, 28 (Saturday, make-up) Feb, 2, 3, 4, 5,
    6, 9 Mar: the 15th working day is Monday 9 March.

    >>> stop = [(date(2026, 3, 10), date(2026, 3, 20))]
    >>> due_date(cal, date(2026, 3, 2), 15, "workdays", suspensions=stop)
    Result(date=datetime.date(2026, 4, 2), provisional=False)

    Used up to and including the stop on Tue 10 Mar: 3, 4, 5, 6, 9, 10 Mar = 6 working days; 9
    remain, counted after Fri 20 Mar: 23-27, 30, 31 Mar, 1, 2 Apr -> Thursday 2 April (without
    the stop: 23 March; the stop's 11-20 Mar hold 8 working days, and 23 Mar + 8 = 2 Apr).

    >>> due_date(cal, date(2026, 3, 2), 15, "days", suspensions=stop)
    Result(date=datetime.date(2026, 3, 27), provisional=False)

    Used: 3-10 Mar = 8 days; 7 remain from 20 Mar -> Friday 27 March (without the stop 17 Mar;
    the stop lasted 10 days).
    (tests/calendar/test_clocks.py and tests/calendar/test_stop_days.py check these.)
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from ...calendar.services import Result, WorkCalendar

UNITS = ("workdays", "days")


def total_length(length: int, extensions: Iterable[int] = ()) -> int:
    """Length plus extensions. Raises ValueError for a length < 1 or an extension < 1."""
    extensions = list(extensions)
    if isinstance(length, bool) or not isinstance(length, int) or length < 1:
        raise ValueError(f"clock length must be a whole number >= 1, not {length!r}")
    for ext in extensions:
        if isinstance(ext, bool) or not isinstance(ext, int) or ext < 1:
            raise ValueError(f"an extension must be a whole number >= 1, not {ext!r}")
    return length + sum(extensions)


def _checked(start: dt.date, suspensions: Iterable[tuple[dt.date, dt.date | None]]
             ) -> list[tuple[dt.date, dt.date | None]]:
    """Suspensions in order. Raises ValueError for a stop before the start, a resume before its
    stop, overlapping suspensions, or an open suspension that is not the last."""
    spans = sorted(suspensions, key=lambda s: s[0])
    previous_end = start
    for i, (stopped, resumed) in enumerate(spans):
        if stopped < previous_end:
            raise ValueError(f"suspension from {stopped} starts before {previous_end}")
        if resumed is None:
            if i != len(spans) - 1:
                raise ValueError(f"suspension from {stopped} is still open but later ones exist")
            break
        if resumed < stopped:
            raise ValueError(f"suspension from {stopped} resumes before it stops ({resumed})")
        previous_end = resumed
    return spans


def _finish(cal: WorkCalendar, anchor: dt.date, remaining: int, unit: str) -> Result:
    if remaining == 0:  # stopped on its last day: due on the resume date (a working day)
        return cal.next_workday(anchor)
    if unit == "workdays":
        return cal.add_workdays(anchor, remaining)
    return cal.add_days(anchor, remaining)


def due_date(cal: WorkCalendar, start: dt.date, length: int, unit: str, extensions: Sequence[int] = (),
             suspensions: Iterable[tuple[dt.date, dt.date | None]] = ()) -> Result | None:
    """The clock's due date, or None while a suspension is open.

    `provisional` is true when any day examined, before or after a stop, lies in a year
    without official data. Raises ValueError for an unknown unit, a bad length or extension,
    or inconsistent suspensions (see `_checked`).
    """
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {', '.join(UNITS)}, not {unit!r}")
    remaining = total_length(length, extensions)
    anchor, provisional = start, False
    for stopped, resumed in _checked(start, suspensions):
        if _finish(cal, anchor, remaining, unit).date < stopped:
            # The clock ran out before this stop; a later stop cannot give time back.
            break
        if resumed is None:
            return None
        if unit == "workdays":
            used, examined_provisional = cal.count_workdays(anchor, stopped)
        else:
            used, examined_provisional = (stopped - anchor).days, False
        provisional |= examined_provisional
        # A day clock stopped between its last day and the working day that day moved to has
        # nothing left: it is due on the resume date (moved to a working day).
        remaining = max(remaining - used, 0)
        anchor = resumed
    result = _finish(cal, anchor, remaining, unit)
    return Result(result.date, result.provisional or provisional)


def days_left(cal: WorkCalendar, today: dt.date, due: dt.date | Result, unit: str = "workdays") -> int:
    """Units left until `due`: 0 on the due day itself, negative once overdue.

    Workday clocks count working days in (today, due]; overdue, minus the working days in
    (due, today], but at least -1, so that the weekend right after a Friday due date already
    shows as overdue rather than as "due today". Day clocks count calendar days.
    Raises ValueError for an unknown unit.
    """
    due = due.date if isinstance(due, Result) else due
    if unit == "days":
        return (due - today).days
    if unit != "workdays":
        raise ValueError(f"unit must be one of {', '.join(UNITS)}, not {unit!r}")
    if today <= due:
        return cal.workdays_between(today, due)
    return min(cal.workdays_between(today, due), -1)
