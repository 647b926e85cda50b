from __future__ import annotations

import pytest

from tipline.calendar.service import WorkCalendar
from tipline.inspections import bodies, register
from tipline.inspections.tiers import load_tiers

from .. import factories


@pytest.fixture
def tiers():
    return load_tiers()


@pytest.fixture
def known():
    from tipline.divisions import packaged
    divs = packaged()
    return lambda c: c in divs


@pytest.fixture
def cal():
    return WorkCalendar()


@pytest.fixture
def register_of(session, clock, known):
    """Import `count` generated bodies of a city through the real importer; returns their rows."""
    def make(city="410100", count=40, start=1):
        items = register.rows(city, count, start=start)
        result = bodies.import_file(session, now=clock(), filename="bodies.csv", content=register.as_csv(items),
                                    known_division=known, actor_label="test")
        assert result.errors == []
        session.commit()
        return items
    return make


@pytest.fixture
def officers(session, clock):
    def make(n=3, division="410100"):
        users = [factories.user(session, now=clock(), role="officer", division_code=division) for _ in range(n)]
        session.commit()
        return users
    return make
