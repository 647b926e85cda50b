"""Statutory clocks, in one place: their lengths (the deadline table, `models.DeadlineRule`, seeded from
tipline/data/deadlines.json), the arithmetic over the working-day calendar (`arithmetic`, pure),
starting, stopping and extending them (`clocks`), the filing-decision threshold the queue uses
(`filing`), the reminders and escalations the scheduler sends (`reminders`, `reminder_rules`,
`reminder_text`) and who they go to (`people`).

A sub-package of cases because the clocks stop and restart with case events (suspensions, complaint
mediation stops, tip procedure stops) and reminders go to a case's investigators; packages above
cases (rewards, inspections) use it as they use the rest of cases. The wall-clock time source is
tipline/timesource.py, not a clock in this sense."""
