"""Who is reminded when, before and after a statutory deadline: the `reminders` section of
tipline/data/deadlines.json, the one source (reminders.py holds no number of its own).

Each entry is either `{"rule", "workdays_before": N, "to"}` or `{"rule", "overdue": true, "to"}`:

- `workdays_before` N > 0: once per due date, on any day from N working days before it up to and
  including the due day (a scheduler that was down past the due day does not send it late);
- `workdays_before` 0: once per due date, on the due day or, when the scheduler was down, the
  first sweep after it;
- `overdue`: every day after the due date, one escalation a day (not a backlog);
- `to`: "handlers" (the case's investigators, else the tip's triager, else the supervisors) or
  "supervisors" (of the clock's division and its city).

`rule` is the name stored on each reminder and in-app notice; it must have its text in
tipline/cases/reminder_text.py (mail) and tipline/cases/labels.py (the deadlines page).

Errors: `load_reminder_rules` raises DeadlineDataError (a ValueError) whose message names the file
and the field, e.g. "tipline/data/deadlines.json: reminders.0.workdays_before: must be a whole
number from 0 to 30, got -1"; create_app lets it stop start-up.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from ...calendar.services import WorkCalendar
from .reminder_text import RULE_ZH

SHIPPED = "tipline/data/deadlines.json"
AUDIENCES = ("handlers", "supervisors")
MAX_WORKDAYS_BEFORE = 30  # further ahead than the longest workday clock is half its length: a typo
_KEYS = {"rule", "workdays_before", "overdue", "to"}


class DeadlineDataError(ValueError):
    """deadlines.json is unreadable or holds a bad value; the message names the file and field."""

    def __init__(self, path: Path | str, field: str | None, reason: str):
        self.path, self.field, self.reason = str(path), field, reason
        super().__init__(f"{path}: {field}: {reason}" if field else f"{path}: {reason}")


@dataclass(frozen=True)
class ReminderRule:
    rule: str
    to: str
    workdays_before: int | None  # None: the daily overdue escalation

    def moment(self, cal: WorkCalendar, today: dt.date, due: dt.date) -> dt.date | None:
        """The moment this rule reminds of for a clock due on `due`, when it is due on `today`."""
        if self.workdays_before is None:
            return today if today > due else None
        if self.workdays_before == 0:
            return due if today >= due else None
        return due if today <= due and cal.workdays_between(today, due) <= self.workdays_before else None


@dataclass(frozen=True)
class ReminderRules:
    rules: tuple[ReminderRule, ...]

    @property
    def look_ahead(self) -> int:
        """Working days ahead of today that a due date can be and still need a reminder."""
        return max((r.workdays_before or 0 for r in self.rules), default=0)

    def due(self, cal: WorkCalendar, today: dt.date, due: dt.date) -> list[tuple[str, dt.date, str]]:
        """(rule, moment, audience) due on `today` for a clock due on `due`."""
        out = []
        for r in self.rules:
            moment = r.moment(cal, today, due)
            if moment is not None:
                out.append((r.rule, moment, r.to))
        return out

    def workdays_before(self, rule: str) -> int | None:
        return next((r.workdays_before for r in self.rules if r.rule == rule), None)


def parse(data: object, path: str = SHIPPED) -> ReminderRules:
    """Validate the `reminders` section of a parsed deadlines.json. Raises DeadlineDataError."""
    if not isinstance(data, dict) or not isinstance(data.get("reminders"), list):
        raise DeadlineDataError(path, "reminders", "must be a list of reminder rules")
    rules, seen = [], set()
    for i, entry in enumerate(data["reminders"]):
        where = f"reminders.{i}"
        if not isinstance(entry, dict):
            raise DeadlineDataError(path, where, "must be an object")
        unknown = set(entry) - _KEYS
        if unknown:
            raise DeadlineDataError(path, f"{where}.{sorted(unknown)[0]}", "unknown key")
        name = entry.get("rule")
        if name not in RULE_ZH:
            raise DeadlineDataError(path, f"{where}.rule", f"must be one of {', '.join(RULE_ZH)} (the rules that "
                                                          f"have text in reminder_text.py), got {name!r}")
        if name in seen:
            raise DeadlineDataError(path, f"{where}.rule", f"{name!r} appears twice")
        seen.add(name)
        if entry.get("to") not in AUDIENCES:
            raise DeadlineDataError(path, f"{where}.to",
                                    f"must be one of {', '.join(AUDIENCES)}, got {entry.get('to')!r}")
        overdue, before = entry.get("overdue", False), entry.get("workdays_before")
        if overdue is not True and overdue is not False:
            raise DeadlineDataError(path, f"{where}.overdue", f"must be true or false, got {overdue!r}")
        if overdue == (before is not None):
            raise DeadlineDataError(path, where, "needs exactly one of workdays_before and overdue: true")
        if before is not None and (type(before) is not int or not 0 <= before <= MAX_WORKDAYS_BEFORE):
            raise DeadlineDataError(path, f"{where}.workdays_before",
                                    f"must be a whole number from 0 to {MAX_WORKDAYS_BEFORE}, got {before!r}")
        rules.append(ReminderRule(rule=name, to=entry["to"], workdays_before=None if overdue else before))
    return ReminderRules(tuple(rules))


def load_reminder_rules(path: Path | str | None = None) -> ReminderRules:
    """The reminder rules from `path`, or from the shipped deadlines.json. Raises DeadlineDataError."""
    try:
        if path is None:
            text = resources.files("tipline.data").joinpath("deadlines.json").read_text("utf-8")
        else:
            text = Path(path).read_text("utf-8")
        data = json.loads(text)
    except (OSError, ValueError) as exc:
        raise DeadlineDataError(path or SHIPPED, None, f"cannot be read: {exc}") from exc
    return parse(data, str(path or SHIPPED))


@lru_cache(maxsize=1)
def shipped_reminder_rules() -> ReminderRules:
    return load_reminder_rules()
