"""The account lockout does not tell which usernames exist: a name without an account is counted,
locked, answered and worked on (one Argon2 verification per attempt) exactly like a real account."""
from __future__ import annotations

import re

import pytest

from tipline.auth import services
from tipline.errors import InvalidCredentials, Throttled

from ..conftest import csrf_token


def attempt(app, username: str, n: int):
    c = app.test_client()
    c.environ_base["REMOTE_ADDR"] = f"203.0.113.{n}"  # a fresh client each time: only the name counts
    page = c.get("/staff/login").get_data(as_text=True)
    return c.post("/staff/login", data={"csrf_token": csrf_token(page), "username": username,
                                        "password": "not the password"})


def visible(resp) -> tuple[int, str]:
    body = resp.get_data(as_text=True)
    body = re.sub(r'value="[^"]*"', "", body)  # CSRF tokens and the echoed username differ
    return resp.status_code, body.replace("realofficer", "NAME").replace("ghostofficer", "NAME")


def test_unknown_username_locks_out_like_a_real_one(app, make_user):
    make_user(username="realofficer")
    real = [visible(attempt(app, "realofficer", i)) for i in range(7)]
    ghost = [visible(attempt(app, "ghostofficer", 100 + i)) for i in range(7)]
    assert [s for s, _ in real] == [200] * 5 + [429, 429]
    assert [s for s, _ in ghost] == [s for s, _ in real]
    assert [b for _, b in ghost] == [b for _, b in real]  # same message, same page


def test_unknown_username_costs_the_same_argon2_work(session, clock, make_user, monkeypatch):
    make_user(username="realofficer")
    calls = []
    real_verify = services._verify_password
    monkeypatch.setattr(services, "_verify_password",
                        lambda stored, pw: calls.append(stored) or real_verify(stored, pw))
    outcomes = {}
    for name in ("realofficer", "ghostofficer"):
        calls.clear()
        seen = []
        for i in range(7):
            try:
                services.authenticate(session, now=clock(), username=name, password="nope", client=f"c{name}{i}")
                seen.append("ok")
            except InvalidCredentials:
                seen.append("bad")
            except Throttled:
                seen.append("locked")
            session.commit()
        outcomes[name] = (seen, len(calls))
    assert outcomes["realofficer"] == outcomes["ghostofficer"] == (["bad"] * 5 + ["locked"] * 2, 7)


def test_unknown_name_lock_ends_after_the_lockout(session, clock):
    for i in range(5):
        with pytest.raises(InvalidCredentials):
            services.authenticate(session, now=clock(), username="ghost", password="x", client=f"c{i}")
        session.commit()
    with pytest.raises(Throttled):
        services.authenticate(session, now=clock(), username="ghost", password="x", client="c9")
    clock.advance(minutes=16)
    with pytest.raises(InvalidCredentials):
        services.authenticate(session, now=clock(), username="ghost", password="x", client="c9")
