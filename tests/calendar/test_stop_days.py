"""Day counting at a stop and a resume (《市场监督管理行政处罚程序规定》Art. 80: the first day of a
period is not counted). Every date below is worked out by hand on the 2026 calendar."""
from __future__ import annotations

import datetime as dt

import pytest

from tipline.calendar.services import Result, WorkCalendar
from tipline.cases.deadlines.arithmetic import due_date

D = dt.date
cal = WorkCalendar()


@pytest.mark.parametrize("day", [D(2026, 3, 4), D(2026, 3, 9), D(2026, 3, 7), D(2026, 3, 23)])
def test_a_stop_that_begins_and_ends_on_the_same_day_changes_nothing_workdays(day):
    # Filing clock from Mon 2 Mar 2026, 15 working days: 3-6, 9-13, 16-20, 23 Mar -> Mon 23 Mar.
    assert due_date(cal, D(2026, 3, 2), 15, "workdays") == Result(D(2026, 3, 23), False)
    assert due_date(cal, D(2026, 3, 2), 15, "workdays", suspensions=[(day, day)]) == Result(D(2026, 3, 23), False)


@pytest.mark.parametrize("day", [D(2026, 3, 10), D(2026, 4, 1), D(2026, 5, 30), D(2026, 5, 31)])
def test_a_stop_that_begins_and_ends_on_the_same_day_changes_nothing_days(day):
    # Decision clock from Mon 2 Mar 2026, 90 days: 31 May (a Sunday) -> Mon 1 Jun 2026.
    assert due_date(cal, D(2026, 3, 2), 90, "days") == Result(D(2026, 6, 1), False)
    assert due_date(cal, D(2026, 3, 2), 90, "days", suspensions=[(day, day)]) == Result(D(2026, 6, 1), False)


def test_a_one_day_stop_moves_the_due_date_by_one_day():
    # Stopped Wed 4 Mar, resumed Thu 5 Mar: 5 Mar does not count, so 23 Mar -> 24 Mar.
    assert due_date(cal, D(2026, 3, 2), 15, "workdays",
                    suspensions=[(D(2026, 3, 4), D(2026, 3, 5))]).date == D(2026, 3, 24)
    # Decision clock: 90 days from 2 Mar end Sun 31 May; one day later is Mon 1 Jun (already a
    # working day) -- the stop of one day moves the end day from 31 May to 1 Jun.
    assert due_date(cal, D(2026, 3, 2), 90, "days",
                    suspensions=[(D(2026, 3, 4), D(2026, 3, 5))]).date == D(2026, 6, 1)
    # From Mon 2 Mar, 10 days: Thu 12 Mar; a stop 4-5 Mar -> Fri 13 Mar.
    assert due_date(cal, D(2026, 3, 2), 10, "days").date == D(2026, 3, 12)
    assert due_date(cal, D(2026, 3, 2), 10, "days", suspensions=[(D(2026, 3, 4), D(2026, 3, 5))]).date == \
        D(2026, 3, 13)


def test_a_stop_on_the_due_day_is_due_on_the_resume_day():
    # Due Mon 23 Mar; stopped that very day and resumed Wed 25 Mar -> due Wed 25 Mar (two days later).
    assert due_date(cal, D(2026, 3, 2), 15, "workdays",
                    suspensions=[(D(2026, 3, 23), D(2026, 3, 25))]).date == D(2026, 3, 25)
    # ... resumed Sat 28 Mar -> the next working day, Mon 30 Mar.
    assert due_date(cal, D(2026, 3, 2), 15, "workdays",
                    suspensions=[(D(2026, 3, 23), D(2026, 3, 28))]).date == D(2026, 3, 30)
    # The day after the due date is too late: the clock had run out.
    assert due_date(cal, D(2026, 3, 2), 15, "workdays",
                    suspensions=[(D(2026, 3, 24), D(2026, 3, 30))]).date == D(2026, 3, 23)


def test_a_weekend_stop_costs_no_working_day_a_stop_ending_monday_does():
    # Stopped Sat 7 Mar, resumed Sun 8 Mar: no working day is excluded -> still 23 Mar.
    assert due_date(cal, D(2026, 3, 2), 15, "workdays",
                    suspensions=[(D(2026, 3, 7), D(2026, 3, 8))]).date == D(2026, 3, 23)
    # Stopped Fri 6 Mar, resumed Mon 9 Mar: Mon 9 Mar is excluded -> 24 Mar.
    assert due_date(cal, D(2026, 3, 2), 15, "workdays",
                    suspensions=[(D(2026, 3, 6), D(2026, 3, 9))]).date == D(2026, 3, 24)
