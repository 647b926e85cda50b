"""Authentication services, without HTTP."""
from __future__ import annotations

import datetime as dt

import pyotp
import pytest
from sqlalchemy import select

from tipline.auth import services
from tipline.auth.models import StaffSession
from tipline.errors import InvalidCredentials, Throttled, ValidationFailed

from ..factories import PASSWORD

IDLE = dt.timedelta(minutes=30)
ABSOLUTE = dt.timedelta(hours=12)


def test_passwords_are_argon2id(make_user):
    user = make_user()
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_create_user_rejects_bad_input(session, clock, make_user):
    make_user(username="taken")
    with pytest.raises(ValidationFailed) as info:
        services.create_user(session, now=clock(), username="Taken", password="short", role="king",
                             division_code="999999", known_division=lambda c: c.startswith("41"))
    assert info.value.details["fields"] == {
        "username": "taken", "password": "too_short", "role": "unknown_role", "division_code": "unknown_division"}


def test_wrong_password_and_unknown_account_look_the_same(session, clock, make_user):
    make_user(username="alice")
    errors = []
    for name in ("alice", "nobody"):
        with pytest.raises(InvalidCredentials) as info:
            services.authenticate(session, now=clock(), username=name, password="wrong password", client="c1")
        errors.append((type(info.value), info.value.message))
    assert errors[0] == errors[1]


def test_account_locks_after_repeated_failures_then_unlocks(session, clock, make_user):
    make_user(username="bob")
    for i in range(5):
        with pytest.raises(InvalidCredentials):
            services.authenticate(session, now=clock(), username="bob", password="nope", client=f"c{i}")
        session.commit()
    with pytest.raises(Throttled):  # even the right password is refused while locked
        services.authenticate(session, now=clock(), username="bob", password=PASSWORD, client="c9")
    clock.advance(minutes=16)
    user = services.authenticate(session, now=clock(), username="bob", password=PASSWORD, client="c9")
    assert user.username == "bob"


def test_client_is_throttled_across_accounts_without_storing_its_address(session, clock, make_user):
    from tipline.auth.models import ClientThrottle
    client = "c:" + "ab" * 16  # what ratelimit.client_key produces: an HMAC, never an address
    for i in range(services.CLIENT_MAX_FAILURES):
        with pytest.raises(InvalidCredentials):
            services.authenticate(session, now=clock(), username=f"guess{i}", password="x", client=client)
        session.commit()
    make_user(username="carol")
    with pytest.raises(Throttled):
        services.authenticate(session, now=clock(), username="carol", password=PASSWORD, client=client)
    keys = [r.key for r in session.scalars(select(ClientThrottle))]
    # Besides the client's row, only keyed hashes of the guessed names ("n:..."), never a name itself.
    assert [k for k in keys if not k.startswith("n:")] == [client]
    assert not any("guess" in k for k in keys)


def test_disabled_account_cannot_sign_in(session, clock, make_user):
    make_user(username="dave", active=False)
    session.commit()
    with pytest.raises(InvalidCredentials):
        services.authenticate(session, now=clock(), username="dave", password=PASSWORD, client="c")


def test_session_idle_and_absolute_timeouts(session, clock, make_user):
    user = make_user()
    token = services.start_session(session, now=clock(), user=user, method="password")
    session.commit()
    assert services.load_session(session, now=clock.advance(minutes=29), token=token, idle=IDLE, absolute=ABSOLUTE)
    assert services.load_session(session, now=clock.advance(minutes=29), token=token, idle=IDLE, absolute=ABSOLUTE)
    assert services.load_session(session, now=clock.advance(minutes=31), token=token, idle=IDLE,
                                 absolute=ABSOLUTE) is None
    row = session.scalars(select(StaffSession)).one()
    assert row.end_reason == "idle_timeout"

    token2 = services.start_session(session, now=clock(), user=user, method="password")
    session.commit()
    for _ in range(28):  # active all day (11h40), never idle
        assert services.load_session(session, now=clock.advance(minutes=25), token=token2, idle=IDLE, absolute=ABSOLUTE)
    assert services.load_session(session, now=clock.advance(minutes=25), token=token2, idle=IDLE,
                                 absolute=ABSOLUTE) is None


def test_password_change_ends_other_sessions(session, clock, make_user):
    user = make_user()
    other = services.start_session(session, now=clock(), user=user, method="password")
    mine = services.start_session(session, now=clock(), user=user, method="password")
    session.commit()
    user.current_sid = mine
    with pytest.raises(InvalidCredentials):
        services.change_password(session, now=clock(), user=user, current="wrong", new="a new long password")
    services.change_password(session, now=clock(), user=user, current=PASSWORD, new="a new long password")
    session.commit()
    assert services.load_session(session, now=clock(), token=other, idle=IDLE, absolute=ABSOLUTE) is None
    assert services.load_session(session, now=clock(), token=mine, idle=IDLE, absolute=ABSOLUTE) is not None


def test_disabling_an_account_ends_its_sessions(session, clock, make_user):
    admin = make_user(role="admin")
    user = make_user()
    token = services.start_session(session, now=clock(), user=user, method="password")
    services.set_active(session, now=clock(), actor=admin, user=user, active=False)
    session.commit()
    assert services.load_session(session, now=clock(), token=token, idle=IDLE, absolute=ABSOLUTE) is None


def test_totp_enrolment_codes_and_replay(session, clock, make_user):
    user = make_user()
    enrol = services.begin_totp(session, user=user)
    assert enrol.qr_svg_data_uri.startswith("data:image/svg+xml;base64,")
    assert "secret=" + enrol.secret in enrol.uri and "issuer=Tipline" in enrol.uri
    with pytest.raises(InvalidCredentials):
        services.confirm_totp(session, now=clock(), user=user, code="000000")
    totp = pyotp.TOTP(enrol.secret)
    codes = services.confirm_totp(session, now=clock(), user=user, code=totp.at(clock()))
    session.commit()
    assert user.totp_enabled and len(codes) == 10 and len(set(codes)) == 10
    # The code used for enrolment cannot be replayed; the next time step's can.
    with pytest.raises(InvalidCredentials):
        services.verify_second_factor(session, now=clock(), user=user, code=totp.at(clock()))
    clock.advance(seconds=30)
    assert services.verify_second_factor(session, now=clock(), user=user, code=totp.at(clock())) == "totp"
    # A recovery code works once.
    assert services.verify_second_factor(session, now=clock(), user=user, code=codes[0]) == "recovery"
    with pytest.raises(InvalidCredentials):
        services.verify_second_factor(session, now=clock(), user=user, code=codes[0])


def test_totp_secret_is_encrypted_at_rest(session, clock, make_user):
    from sqlalchemy import text
    user = make_user()
    enrol = services.begin_totp(session, user=user)
    services.confirm_totp(session, now=clock(), user=user, code=pyotp.TOTP(enrol.secret).at(clock()))
    session.commit()
    raw = session.execute(text("SELECT totp_secret FROM staff_user WHERE id = :id"), {"id": user.id}).scalar()
    assert enrol.secret.encode() not in bytes(raw)
