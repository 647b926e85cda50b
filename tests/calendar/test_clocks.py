"""Clock arithmetic: periods, extensions, stops and carry-over (pure, no database)."""
from __future__ import annotations

import datetime as dt

import pytest

from tipline.calendar.services import Result, WorkCalendar
from tipline.cases.deadlines.arithmetic import days_left, due_date

D = dt.date
cal = WorkCalendar()
STOP = [(D(2026, 3, 10), D(2026, 3, 20))]


def test_plain_clocks():
    assert due_date(cal, D(2026, 2, 10), 15, "workdays") == Result(D(2026, 3, 9), False)
    assert due_date(cal, D(2026, 9, 20), 11, "days") == Result(D(2026, 10, 8), False)


def test_extensions_keep_the_clock_unit():
    assert due_date(cal, D(2026, 2, 10), 15, "workdays", extensions=[15]) == cal.add_workdays(D(2026, 2, 10), 30)
    assert due_date(cal, D(2026, 1, 5), 90, "days", extensions=[30]).date == D(2026, 5, 6)  # 5 May -> 6 May
    with pytest.raises(ValueError):
        due_date(cal, D(2026, 1, 5), 90, "days", extensions=[0])


def test_workday_clock_carries_over_after_a_stop():
    # Used 3, 4, 5, 6, 9 Mar and the stop day 10 Mar (6, Art. 80); 9 remain after Fri 20 Mar:
    # 23-27, 30, 31 Mar, 1, 2 Apr.
    assert due_date(cal, D(2026, 3, 2), 15, "workdays", suspensions=STOP) == Result(D(2026, 4, 2), False)
    assert due_date(cal, D(2026, 3, 2), 15, "workdays").date == D(2026, 3, 23)


def test_day_clock_carries_over_after_a_stop():
    # Used 3-10 Mar (8, the stop day included); 7 remain from 20 Mar -> Fri 27 Mar.
    assert due_date(cal, D(2026, 3, 2), 15, "days", suspensions=STOP) == Result(D(2026, 3, 27), False)


def test_two_stops_and_an_open_stop():
    stops = [(D(2026, 3, 10), D(2026, 3, 20)), (D(2026, 3, 25), D(2026, 3, 27))]
    # After the first stop 9 remain; 23, 24, 25 used (3); 6 remain after Fri 27 Mar: 30, 31, 1-3 Apr,
    # (6 Apr Qingming) 7 Apr.
    assert due_date(cal, D(2026, 3, 2), 15, "workdays", suspensions=stops).date == D(2026, 4, 7)
    assert due_date(cal, D(2026, 3, 2), 15, "workdays", suspensions=[(D(2026, 3, 10), None)]) is None


def test_a_stop_after_the_clock_ran_out_changes_nothing():
    late = [(D(2026, 3, 25), None)]
    assert due_date(cal, D(2026, 3, 2), 15, "workdays", suspensions=late).date == D(2026, 3, 23)
    assert due_date(cal, D(2026, 3, 2), 5, "days", suspensions=late).date == D(2026, 3, 9)


def test_stop_spanning_spring_festival_and_year_end():
    # Stopped before the holiday, resumed after: the holiday costs nothing extra.
    stop = [(D(2026, 2, 12), D(2026, 2, 26))]
    # used 11, 12 Feb (2); 3 remain after 26 Feb: 27, 28 (Sat make-up), 2 Mar.
    assert due_date(cal, D(2026, 2, 10), 5, "workdays", suspensions=stop).date == D(2026, 3, 2)
    stop = [(D(2026, 12, 2), D(2026, 12, 30))]
    result = due_date(cal, D(2026, 12, 1), 5, "workdays", suspensions=stop)
    # the stop day 2 Dec used (1); 4 after 30 Dec: 31 Dec, (1 Jan projected), 4-6 Jan
    assert result == Result(D(2027, 1, 6), True)


def test_bad_input():
    for kwargs in ({"unit": "weeks"}, {"length": 0}, {"suspensions": [(D(2026, 3, 1), None)]},
                   {"suspensions": [(D(2026, 3, 10), D(2026, 3, 9))]},
                   {"suspensions": [(D(2026, 3, 10), None), (D(2026, 3, 12), D(2026, 3, 13))]}):
        args = {"length": 15, "unit": "workdays"} | kwargs
        with pytest.raises(ValueError):
            due_date(cal, D(2026, 3, 2), args.pop("length"), args.pop("unit"), **args)


@pytest.mark.parametrize("length, unit, stops, due", [
    (15, "workdays", [(D(2026, 3, 2), D(2026, 3, 5))], D(2026, 3, 26)),    # stopped on the start day: 0 used
    (15, "workdays", [(D(2026, 3, 10), D(2026, 3, 10))], D(2026, 3, 23)),  # resumed the same day: no change
    (15, "workdays", [(D(2026, 3, 10), D(2026, 3, 12)), (D(2026, 3, 12), D(2026, 3, 13))], D(2026, 3, 26)),
    (5, "workdays", [(D(2026, 3, 9), D(2026, 3, 12))], D(2026, 3, 12)),    # stopped on its last day
    (5, "days", [(D(2026, 3, 7), D(2026, 3, 14))], D(2026, 3, 16)),        # stopped on Sat 7, its moved last day
    (5, "workdays", [(D(2026, 3, 10), D(2026, 3, 12))], D(2026, 3, 9)),    # the day after it ran out
])
def test_stop_edges(length, unit, stops, due):
    assert due_date(cal, D(2026, 3, 2), length, unit, suspensions=stops) == Result(due, False)


def test_a_stop_into_an_unpublished_year_makes_the_due_date_provisional():
    stop = [(D(2026, 12, 21), D(2027, 1, 8))]  # 21 Dec used; 4 after Fri 8 Jan 2027
    assert due_date(cal, D(2026, 12, 20), 5, "workdays", suspensions=stop) == Result(D(2027, 1, 14), True)


def test_a_provisional_stretch_before_a_stop_keeps_the_due_date_provisional():
    # 2027 provisional, 2028 entered as official: the due date lies in 2028, but 2 Dec 2027 was
    # counted from a projection, so the result is still provisional, even after a second stop.
    c = WorkCalendar(official_years={2028})
    stops = [(D(2027, 12, 2), D(2028, 1, 10)), (D(2028, 1, 11), D(2028, 1, 12))]
    # used 2 Dec 2027 and 11 Jan 2028; 3 remain after 12 Jan: 13, 14, 17 Jan
    assert due_date(c, D(2027, 12, 1), 5, "workdays", suspensions=stops) == Result(D(2028, 1, 17), True)
    assert due_date(c, D(2028, 1, 3), 5, "workdays", suspensions=stops[1:]) == Result(D(2028, 1, 10), False)


@pytest.mark.parametrize("kwargs, message", [
    ({"unit": "weeks"}, "unit must be one of workdays, days, not 'weeks'"),
    ({"length": 0}, "clock length must be a whole number >= 1, not 0"),
    ({"length": True}, "clock length must be a whole number >= 1, not True"),
    ({"length": 1.5}, "clock length must be a whole number >= 1, not 1.5"),
    ({"extensions": [5, 0]}, "an extension must be a whole number >= 1, not 0"),
    ({"extensions": [True]}, "an extension must be a whole number >= 1, not True"),
    ({"suspensions": [(D(2026, 3, 1), None)]}, "suspension from 2026-03-01 starts before 2026-03-02"),
    ({"suspensions": [(D(2026, 3, 10), D(2026, 3, 9))]},
     "suspension from 2026-03-10 resumes before it stops (2026-03-09)"),
    ({"suspensions": [(D(2026, 3, 10), None), (D(2026, 3, 12), D(2026, 3, 13))]},
     "suspension from 2026-03-10 is still open but later ones exist"),
    ({"suspensions": [(D(2026, 3, 12), D(2026, 3, 20)), (D(2026, 3, 10), D(2026, 3, 15))]},
     "suspension from 2026-03-12 starts before 2026-03-15"),
    ({"suspensions": [(D(2026, 3, 10), D(2026, 3, 12)), (D(2026, 3, 10), D(2026, 3, 10))]},
     "suspension from 2026-03-10 starts before 2026-03-12"),
])
def test_bad_input_messages(kwargs, message):
    args = {"length": 15, "unit": "workdays"} | kwargs
    with pytest.raises(ValueError) as info:
        due_date(cal, D(2026, 3, 2), args.pop("length"), args.pop("unit"), **args)
    assert str(info.value) == message


def test_extensions_add_up():
    assert due_date(cal, D(2026, 3, 2), 1, "workdays", extensions=[1]) == Result(D(2026, 3, 4), False)
    assert due_date(cal, D(2026, 3, 2), 5, "workdays", extensions=[3, 2]) == cal.add_workdays(D(2026, 3, 2), 10)
    assert due_date(cal, D(2026, 3, 2), 5, "days", extensions=(x for x in [3, 2])).date == D(2026, 3, 12)


def test_days_left():
    due = Result(D(2026, 3, 9), False)  # a Monday
    assert days_left(cal, D(2026, 3, 6), due) == 1
    assert days_left(cal, D(2026, 3, 9), due) == 0
    assert days_left(cal, D(2026, 3, 10), due) == -1
    assert days_left(cal, D(2026, 3, 12), due) == -3
    assert days_left(cal, D(2026, 2, 13), D(2026, 2, 24)) == 2  # 14 (Sat make-up), 24
    assert days_left(cal, D(2026, 3, 7), D(2026, 3, 6)) == -1  # the weekend after a Friday due date
    assert days_left(cal, D(2026, 3, 6), D(2026, 3, 9), unit="days") == 3
    assert days_left(cal, D(2026, 3, 10), D(2026, 3, 9), unit="days") == -1
    with pytest.raises(ValueError, match="^unit must be one of workdays, days, not 'weeks'$"):
        days_left(cal, D(2026, 3, 6), due, unit="weeks")
