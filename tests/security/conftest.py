"""Security tests sign many staff in: a cheap Argon2 profile keeps that fast.

Only the cost parameters change (argon2id, 1 pass, 1 MiB); hashing and verification run the same
code. Hashes made here verify with their own parameters, so nothing else is affected.
"""
from __future__ import annotations

import pytest
from argon2 import PasswordHasher


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch):
    from tipline.auth import services
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(services, "_hasher", cheap)
    monkeypatch.setattr(services, "_DUMMY_HASH", cheap.hash("not a password of anyone"))
