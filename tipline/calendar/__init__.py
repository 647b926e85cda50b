"""Working-day calendar and statutory clock arithmetic (domain spec section 3, "The case clock").

`service.WorkCalendar` answers "is this a working day?" from the chinesecalendar package, the
official days an administrator imported, and (for years with neither) a provisional projection
by rule (`holidays`). `clocks.due_date` turns a clock's start, length, extensions and
suspensions into a due date.
"""
