"""The working-day calendar and entering a year's official days.

Where a day's status comes from, first match wins:

1. a "correction" override row for that day;
2. an "official" override row for that day (import_official writes them only for the years it
   marks official; a WorkCalendar built by hand applies its `overrides` to any year);
3. the year is official (imported by an administrator): weekends are rest days and weekdays
   working days. The package's data for such a year is ignored, so an administrator can
   correct a whole year the package got wrong;
4. the chinesecalendar package, for the years it covers (2004-2026 in 1.11.0);
5. otherwise the year is PROVISIONAL: weekends plus the holidays projected by `holidays`.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import chinese_calendar
from chinese_calendar.constants import holidays as _package_holidays
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .. import events
from ..audit import services as audit
from .holidays import projected_holidays
from .models import CalendarOverride, CalendarYear

if TYPE_CHECKING:
    from ..actors import Actor

# The years chinesecalendar has data for; it raises NotImplementedError outside them.
PACKAGE_YEARS = range(min(_package_holidays).year, max(_package_holidays).year + 1)
ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Result:
    """A computed date; provisional when any day examined lies in a year without official data."""

    date: dt.date
    provisional: bool

    def as_json(self) -> dict[str, str | bool]:
        return {"date": self.date.isoformat(), "provisional": self.provisional}


@dataclass(frozen=True)
class DayInfo:
    day: dt.date
    is_workday: bool
    note: str
    provisional: bool

    @property
    def non_standard(self) -> bool:
        """A holiday on a weekday or a working day on a weekend."""
        return self.is_workday != (self.day.weekday() < 5)


class WorkCalendar:
    """Working days, immutable once built (build a new one after an import)."""

    def __init__(self, overrides: dict[dt.date, bool] | None = None, official_years: Iterable[int] = (),
                 corrections: dict[dt.date, bool] | None = None, notes: dict[dt.date, str] | None = None):
        self._overrides = dict(overrides or {})
        self._official = frozenset(official_years)
        self._corrections = dict(corrections or {})
        self._notes = dict(notes or {})

    @classmethod
    def load(cls, session: Session) -> "WorkCalendar":
        """Read all override rows and official years once (a few hundred rows at most)."""
        overrides: dict[dt.date, bool] = {}
        corrections: dict[dt.date, bool] = {}
        notes: dict[dt.date, str] = {}
        for row in session.scalars(select(CalendarOverride)):
            (corrections if row.source == "correction" else overrides)[row.day] = row.is_workday
            notes[row.day] = row.note
        years = session.scalars(select(CalendarYear.year).where(CalendarYear.official.is_(True)))
        return cls(overrides, set(years), corrections, notes)

    # -- single days -------------------------------------------------------------------------

    def is_provisional(self, d: dt.date) -> bool:
        return d.year not in self._official and d.year not in PACKAGE_YEARS

    def info(self, d: dt.date) -> DayInfo:
        """Everything known about one day.

        Raises holidays.ProjectionUnavailable for a provisional year beyond the projection table.
        """
        provisional = self.is_provisional(d)
        weekday = d.weekday() < 5
        if d in self._corrections:
            return DayInfo(d, self._corrections[d], self._notes.get(d, ""), provisional)
        if d in self._overrides:
            return DayInfo(d, self._overrides[d], self._notes.get(d, ""), provisional)
        if d.year in self._official:
            return DayInfo(d, weekday, "", False)
        if d.year in PACKAGE_YEARS:
            _, name = chinese_calendar.get_holiday_detail(d)
            return DayInfo(d, chinese_calendar.is_workday(d), name or "", False)
        name = projected_holidays(d.year).get(d)
        return DayInfo(d, weekday and name is None, name or "", True)

    def is_workday(self, d: dt.date) -> bool:
        """Raises holidays.ProjectionUnavailable as `info` does."""
        return self.info(d).is_workday

    # -- arithmetic --------------------------------------------------------------------------

    def add_workdays(self, start: dt.date, n: int) -> Result:
        """The Nth working day after `start`; `start` itself is never counted.

        Raises ValueError when n < 1 (and ProjectionUnavailable, OverflowError past the range).
        """
        if n < 1:
            raise ValueError("a period in working days needs at least 1 day")
        day, provisional = start, False
        while n:
            day += ONE_DAY
            provisional |= self.is_provisional(day)
            if self.is_workday(day):
                n -= 1
        return Result(day, provisional)

    def next_workday(self, d: dt.date) -> Result:
        """`d` itself if it is a working day, else the next working day."""
        provisional = self.is_provisional(d)
        while not self.is_workday(d):
            d += ONE_DAY
            provisional |= self.is_provisional(d)
        return Result(d, provisional)

    def add_days(self, start: dt.date, n: int) -> Result:
        """`start` + n calendar days, moved forward to the next working day if needed.

        Only the end day and the days it is moved over are examined (the days in between do not
        matter), so only they can make the result provisional. n = 0 means "start, moved forward".
        Raises ValueError when n < 0.
        """
        if n < 0:
            raise ValueError("a period in days cannot be negative")
        return self.next_workday(start + dt.timedelta(days=n))

    def count_workdays(self, a: dt.date, b: dt.date) -> tuple[int, bool]:
        """(working days in (a, b], whether any of those days is provisional); 0 when b <= a."""
        count, provisional, day = 0, False, a
        while day < b:
            day += ONE_DAY
            provisional |= self.is_provisional(day)
            count += self.is_workday(day)
        return count, provisional

    def workdays_between(self, a: dt.date, b: dt.date) -> int:
        """Working days in (a, b]; when b < a, minus the working days in (b, a]."""
        if b < a:
            return -self.count_workdays(b, a)[0]
        return self.count_workdays(a, b)[0]


# -- official data ---------------------------------------------------------------------------

def import_official(session: Session, now: dt.datetime, rows: Iterable[tuple[dt.date, bool, str]],
                    actor: Actor | None = None, *, years: Iterable[int] = (),
                    actor_label: str | None = None) -> set[int]:
    """Enter official days: each affected year's override rows (corrections included, since the
    published notice supersedes them) are replaced by `rows` with source "official", the year is
    marked official and one "calendar.imported" audit event per year is written, all in the
    caller's transaction. `years` names years to mark official even without any row (a year
    with no exception to the weekend rule). Returns the years affected.

    Raises ValueError when a day appears twice.
    """
    by_day: dict[dt.date, tuple[bool, str]] = {}
    for day, is_workday, note in rows:
        if day in by_day:
            raise ValueError(f"{day.isoformat()} appears twice")
        by_day[day] = (bool(is_workday), note or "")
    affected = set(years) | {d.year for d in by_day}
    for year in sorted(affected):
        session.execute(delete(CalendarOverride).where(
            CalendarOverride.day >= dt.date(year, 1, 1), CalendarOverride.day <= dt.date(year, 12, 31)))
        session.flush()  # the deletes must reach the database before re-inserting unique days
        mine = sorted(d for d in by_day if d.year == year)
        for d in mine:
            session.add(CalendarOverride(day=d, is_workday=by_day[d][0], note=by_day[d][1][:200],
                                         source="official", created_at=now))
        entry = session.get(CalendarYear, year)
        if entry is None:
            session.add(CalendarYear(year=year, official=True, entered_at=now))
        else:
            entry.official, entry.entered_at = True, now
        audit.record(session, now=now, action="calendar.imported", actor=actor, actor_label=actor_label,
                     object_type="calendar_year", object_id=year, details={
                         "holidays": [d.isoformat() for d in mine if not by_day[d][0]],
                         "workdays": [d.isoformat() for d in mine if by_day[d][0]],
                     })
    session.flush()
    # Provisional deadlines are recomputed by those who own them (tipline.events); this module imports none.
    events.publish(session, events.CalendarImported(now=now, years=frozenset(affected)))
    return affected


# -- official data files ---------------------------------------------------------------------

_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


class CalendarFileError(ValueError):
    """A calendar file that cannot be imported; the message names the line or field."""


def parse_date(text: str) -> dt.date:
    """Strict YYYY-MM-DD (fromisoformat alone also takes 20260210 and week dates).

    Raises ValueError naming the text.
    """
    text = (text or "").strip()
    try:
        if _ISO.fullmatch(text):
            return dt.date.fromisoformat(text)
    except ValueError:
        pass
    raise ValueError(f"not a date (YYYY-MM-DD): {text!r}")


def read_official_file(path: str | Path) -> tuple[list[tuple[dt.date, bool, str]], set[int]]:
    """Read a CSV (header date,type,note; type workday|holiday) or JSON file
    ({"year": Y, "holidays": [...], "workdays": [...]}, or a list of such objects).

    Returns (rows, years named explicitly). Raises CalendarFileError.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CalendarFileError(f"{path.name}: cannot read ({exc})") from None
    if path.suffix.lower() == ".json" or text.lstrip()[:1] in ("{", "["):
        return _read_json(text)
    return _read_csv(text), set()


def _read_csv(text: str) -> list[tuple[dt.date, bool, str]]:
    reader = csv.reader(text.splitlines())
    header = [h.strip().lower() for h in next(reader, [])]
    if header[:2] != ["date", "type"] or len(header) > 3 or header[2:] not in ([], ["note"]):
        raise CalendarFileError("line 1: header must be date,type,note")
    rows, seen = [], set()
    for line, fields in enumerate(reader, start=2):
        if not any(f.strip() for f in fields):
            continue
        if len(fields) < 2 or len(fields) > 3:
            raise CalendarFileError(f"line {line}: expected date,type,note")
        try:
            day = parse_date(fields[0])
        except ValueError as exc:
            raise CalendarFileError(f"line {line}: date: {exc}") from None
        kind = fields[1].strip().lower()
        if kind not in ("workday", "holiday"):
            raise CalendarFileError(f"line {line}: type must be workday or holiday, not {fields[1]!r}")
        if day in seen:
            raise CalendarFileError(f"line {line}: {day.isoformat()} appears twice")
        seen.add(day)
        rows.append((day, kind == "workday", fields[2].strip() if len(fields) > 2 else ""))
    return rows


def _read_json(text: str) -> tuple[list[tuple[dt.date, bool, str]], set[int]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CalendarFileError(f"line {exc.lineno}: invalid JSON ({exc.msg})") from None
    rows, years, seen = [], set(), set()
    for i, obj in enumerate(data if isinstance(data, list) else [data]):
        where = f"[{i}]." if isinstance(data, list) else ""
        if not isinstance(obj, dict):
            raise CalendarFileError(f"{where.rstrip('.') or 'file'}: expected an object with year, holidays, "
                                    "workdays")
        year = obj.get("year")
        if not isinstance(year, int) or isinstance(year, bool) or not 1900 <= year <= 9998:
            raise CalendarFileError(f"{where}year: expected a year such as 2027, not {year!r}")
        unknown = set(obj) - {"year", "holidays", "workdays"}
        if unknown:
            raise CalendarFileError(f"{where}{sorted(unknown)[0]}: unknown field")
        years.add(year)
        for key in ("holidays", "workdays"):
            values = obj.get(key, [])
            if not isinstance(values, list):
                raise CalendarFileError(f"{where}{key}: expected a list of dates")
            for j, value in enumerate(values):
                field = f"{where}{key}[{j}]"
                try:
                    day = parse_date(value if isinstance(value, str) else repr(value))
                except ValueError as exc:
                    raise CalendarFileError(f"{field}: {exc}") from None
                if day.year != year:
                    raise CalendarFileError(f"{field}: {day.isoformat()} is not in {year}")
                if day in seen:
                    raise CalendarFileError(f"{field}: {day.isoformat()} appears twice")
                seen.add(day)
                rows.append((day, key == "workdays", ""))
    return rows, years
