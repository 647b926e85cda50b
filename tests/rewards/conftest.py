"""Fixtures shared by the reward tests."""
from __future__ import annotations

import pytest

from .. import factories


@pytest.fixture
def bureau(session, clock):
    people = {n: factories.user(session, now=clock(), username=n, role=r, division_code="410105")
              for n, r in (("tri", "officer"), ("inv1", "officer"), ("inv2", "officer"), ("boss", "supervisor"),
                           ("boss2", "supervisor"), ("fin1", "finance"), ("fin2", "finance"))}
    session.commit()
    return people
