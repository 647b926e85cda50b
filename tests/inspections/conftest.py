from __future__ import annotations

import pytest

from tipline.calendar.services import WorkCalendar
from tipline.inspections import bodies, register, services
from tipline.inspections.tiers import load_tiers
from tipline.public_pages import clear_cache

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


@pytest.fixture
def drawn(session, clock, tiers, known, cal, register_of, officers):
    """A Zhengzhou plan over 20 bodies, every body drawn (ratio 1), three officers, one supervisor."""
    register_of("410100", 20)
    team = officers(3)
    supervisor = factories.user(session, now=clock(), role="supervisor", division_code="410100",
                                email="zhao@example.org")
    session.commit()
    plan = services.create_plan(session, now=clock(), year=2026, division_code="410100", tiers=tiers,
                                known_division=known, ratios={"normal": "1"}, actor=supervisor)
    result = services.draw_plan(session, now=clock(), plan=plan, tiers=tiers, cal=cal, actor=supervisor)
    session.commit()
    clear_cache()
    return plan, result.inspections, team, supervisor
