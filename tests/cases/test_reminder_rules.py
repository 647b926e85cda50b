"""The reminders section of deadlines.json is checked at start-up: a bad value names file and field."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tipline import create_app
from tipline.cases.deadlines import reminder_rules
from tipline.cases.deadlines.reminder_rules import DeadlineDataError, ReminderRule, load_reminder_rules, parse

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = json.loads((ROOT / "tipline/data/deadlines.json").read_text("utf-8"))


def test_the_shipped_rules():
    assert load_reminder_rules().rules == (ReminderRule("before_3", "handlers", 3),
                                           ReminderRule("due_day", "handlers", 0),
                                           ReminderRule("overdue_daily", "supervisors", None))


BAD = [  # (reminders section, field named, reason)
    ({"before_3": 1}, "reminders", "must be a list of reminder rules"),
    ([{"rule": "before_5", "workdays_before": 5, "to": "handlers"}], "reminders.0.rule",
     "must be one of before_3, due_day, overdue_daily"),
    ([{"rule": "due_day", "workdays_before": 0, "to": "handlers"},
      {"rule": "due_day", "workdays_before": 0, "to": "supervisors"}], "reminders.1.rule", "'due_day' appears twice"),
    ([{"rule": "due_day", "workdays_before": 0, "to": "everyone"}], "reminders.0.to",
     "must be one of handlers, supervisors, got 'everyone'"),
    ([{"rule": "before_3", "workdays_before": -1, "to": "handlers"}], "reminders.0.workdays_before",
     "must be a whole number from 0 to 30, got -1"),
    ([{"rule": "before_3", "workdays_before": "3", "to": "handlers"}], "reminders.0.workdays_before",
     "must be a whole number from 0 to 30, got '3'"),
    ([{"rule": "overdue_daily", "overdue": True, "workdays_before": 1, "to": "handlers"}], "reminders.0",
     "needs exactly one of workdays_before and overdue: true"),
    ([{"rule": "overdue_daily", "to": "handlers"}], "reminders.0", "needs exactly one of workdays_before and overdue"),
    ([{"rule": "overdue_daily", "overdue": "yes", "to": "handlers"}], "reminders.0.overdue",
     "must be true or false, got 'yes'"),
    ([{"rule": "due_day", "workdays_before": 0, "to": "handlers", "days_before": 2}], "reminders.0.days_before",
     "unknown key"),
]


@pytest.mark.parametrize("section, field, reason", BAD)
def test_a_bad_value_names_file_and_field(tmp_path, section, field, reason):
    path = tmp_path / "deadlines.json"
    path.write_text(json.dumps({**SHIPPED, "reminders": section}), "utf-8")
    with pytest.raises(DeadlineDataError) as err:
        load_reminder_rules(path)
    assert err.value.field == field
    assert str(err.value).startswith(f"{path}: {field}: {reason}")


def test_an_unreadable_file_is_named(tmp_path):
    path = tmp_path / "deadlines.json"
    path.write_text("{", "utf-8")
    with pytest.raises(DeadlineDataError, match=f"^{path}: cannot be read"):
        load_reminder_rules(path)


def test_a_bad_shipped_file_stops_start_up(monkeypatch, app_settings):
    broken = {**SHIPPED, "reminders": [{"rule": "due_day", "workdays_before": 0, "to": "nobody"}]}
    monkeypatch.setattr(reminder_rules, "shipped_reminder_rules", lambda: parse(broken))
    with pytest.raises(DeadlineDataError, match="deadlines.json: reminders.0.to: must be one of"):
        create_app(app_settings)
