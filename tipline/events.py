"""Cross-package reactions: typed events, their subscribers, and the one place that wires them.

A lower package announces what happened (intake: a tip was received; calendar: official days were
entered; cases: a case closed) without importing the packages that react to it. `wire()` is the only
place that knows who reacts: the factory calls it, and so does every test app built by the factory.

Subscribers run in the publisher's transaction, in the order `wire()` lists them, and are called as
`subscriber(session, event)`.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, TypeVar, Union

from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from .cases.models import Case
    from .intake.models import Tip


@dataclass(frozen=True)
class TipReceived:
    """A new tip was flushed (any channel), before its receipt event is recorded."""
    now: dt.datetime
    tip: "Tip"


@dataclass(frozen=True)
class CalendarImported:
    """Official working days were entered for `years`."""
    now: dt.datetime
    years: frozenset[int]


@dataclass(frozen=True)
class CaseClosed:
    """A supervisor closed a case (结案)."""
    now: dt.datetime
    case: "Case"


Event = Union[TipReceived, CalendarImported, CaseClosed]
EVENTS: tuple[type, ...] = (TipReceived, CalendarImported, CaseClosed)
E = TypeVar("E", TipReceived, CalendarImported, CaseClosed)
Subscriber = Callable[[Session, E], object]

_subscribers: dict[type, list[Callable[[Session, object], object]]] = {}


def subscribe(event_type: type[E], subscriber: Subscriber[E]) -> None:
    """Add `subscriber` for `event_type`; adding the same one twice keeps one."""
    if event_type not in EVENTS:
        raise TypeError(f"{event_type!r} is not an event of tipline.events")
    listeners = _subscribers.setdefault(event_type, [])
    if subscriber not in listeners:
        listeners.append(subscriber)  # type: ignore[arg-type]


def subscribers(event_type: type) -> tuple[Callable, ...]:
    return tuple(_subscribers.get(event_type, ()))


def publish(session: Session, event: Event) -> None:
    """Call every subscriber of the event's type, in order, in the caller's transaction."""
    for subscriber in _subscribers.get(type(event), ()):
        subscriber(session, event)


# -- the wiring ----------------------------------------------------------------------------------
# Named adapters: the subscribers keep their (session, now, ...) signatures, which their own tests
# and the CLI call directly.

def _case_workflow_takes_tip(session: Session, event: TipReceived) -> None:
    from .cases.entities import on_tip_received
    on_tip_received(session, event.now, event.tip)  # triage priority, entity register, duplicates


def _provisional_deadlines_recomputed(session: Session, event: CalendarImported) -> None:
    from .cases.deadlines.clocks import recompute_provisional
    recompute_provisional(session, event.now, event.years)


def _reporters_told_of_moved_claim_deadlines(session: Session, event: CalendarImported) -> None:
    from .rewards.late_claims import tell_moved_deadlines
    tell_moved_deadlines(session, event.now, event.years)


def _reward_reviews_opened(session: Session, event: CaseClosed) -> None:
    from .rewards.services import open_reviews
    open_reviews(session, event.now, event.case)


# Each subscriber takes its own event type; the pairs of one tuple cannot say so, hence Any (subscribe()
# checks that the type is an event).
WIRING: tuple[tuple[type[Any], Callable[[Session, Any], object]], ...] = (
    (TipReceived, _case_workflow_takes_tip),
    (CalendarImported, _provisional_deadlines_recomputed),
    (CalendarImported, _reporters_told_of_moved_claim_deadlines),  # after the recomputation above
    (CaseClosed, _reward_reviews_opened),
)


def wire() -> None:
    """Connect every subscriber; calling it again changes nothing (each app, each test, calls it)."""
    for event_type, subscriber in WIRING:
        subscribe(event_type, subscriber)
