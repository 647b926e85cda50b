"""Data builders for tests."""
from __future__ import annotations

import itertools

from tipline.auth import services as auth

PASSWORD = "correct horse battery"
_seq = itertools.count(1)


def user(session, *, now, username=None, role="officer", division_code="410100", password=PASSWORD, **extra):
    u = auth.create_user(session, now=now, username=username or f"user{next(_seq)}", password=password,
                         role=role, division_code=division_code, display_name=extra.pop("display_name", ""))
    for key, value in extra.items():
        setattr(u, key, value)
    return u
