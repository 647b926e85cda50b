"""tipline.events: one wiring, done once however often apps are built, each event with its subscribers."""
from __future__ import annotations

import datetime as dt

import pytest

from tipline import create_app, events

EXPECTED = {
    events.TipReceived: ("_case_workflow_takes_tip",),
    # Order matters: the reporter is told of a moved claim deadline once the clocks were recomputed.
    events.CalendarImported: ("_provisional_deadlines_recomputed", "_reporters_told_of_moved_claim_deadlines"),
    events.CaseClosed: ("_reward_reviews_opened",),
}


def names(event_type) -> tuple[str, ...]:
    return tuple(s.__name__ for s in events.subscribers(event_type))


def test_every_event_has_its_subscribers_in_order(app):
    assert set(EXPECTED) == set(events.EVENTS)
    for event_type, expected in EXPECTED.items():
        assert names(event_type) == expected


def test_wire_is_idempotent(app, app_settings):
    before = {e: events.subscribers(e) for e in events.EVENTS}
    events.wire()
    events.wire()
    create_app(app_settings)  # a second app in the same process (tests, the CLI) wires again
    assert {e: events.subscribers(e) for e in events.EVENTS} == before


def test_publish_calls_subscribers_with_the_session_and_the_event(monkeypatch):
    monkeypatch.setattr(events, "_subscribers", {})
    seen = []
    events.subscribe(events.CaseClosed, lambda s, e: seen.append(("first", s, e)))
    events.subscribe(events.CaseClosed, lambda s, e: seen.append(("second", s, e)))
    event = events.CaseClosed(now=dt.datetime(2026, 3, 2, tzinfo=dt.timezone.utc), case=None)
    events.publish("session", event)
    events.publish("session", events.TipReceived(now=event.now, tip=None))  # nobody listens: nothing happens
    assert seen == [("first", "session", event), ("second", "session", event)]


def test_only_events_of_this_module_can_be_subscribed_to(monkeypatch):
    monkeypatch.setattr(events, "_subscribers", {})
    with pytest.raises(TypeError):
        events.subscribe(dict, lambda s, e: None)
