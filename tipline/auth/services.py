"""Staff authentication: passwords, throttling, server-side sessions and two-factor.

Every function takes the database session and `now`; none touches the request.
"""
from __future__ import annotations

import base64
import datetime as dt
import io
import secrets
from dataclasses import dataclass
from typing import Any, cast

import pyotp
import qrcode
import qrcode.image.svg
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import CursorResult, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from .. import crypto
from ..audit import services as audit
from ..errors import InvalidCredentials, Throttled, ValidationFailed
from .models import ClientThrottle, RecoveryCode, Role, SiteSetting, StaffSession, User

# Argon2id with argon2-cffi's RFC 9106 "low memory" profile: 64 MiB, 3 passes.
_hasher = PasswordHasher()
# Verified against when the account does not exist, so a missing account costs the same work.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))

CLIENT_WINDOW = dt.timedelta(minutes=15)
CLIENT_MAX_FAILURES = 20
MIN_PASSWORD_LENGTH = 10
RECOVERY_CODES = 10
ISSUER = "Tipline"


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed("password too short", fields={"password": "too_short"})
    return _hasher.hash(password)


def _verify_password(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def create_user(session: Session, *, now: dt.datetime, username: str, password: str, role: str,
                division_code: str, display_name: str = "", email: str = "", actor=None,
                actor_label: str | None = None, known_division=lambda code: True) -> User:
    """Raises ValidationFailed for an unknown role or division, a taken username, a short password."""
    fields = {}
    if role not in {r.value for r in Role}:
        fields["role"] = "unknown_role"
    if not known_division(division_code):
        fields["division_code"] = "unknown_division"
    username = username.strip().lower()
    if not username or len(username) > 64:
        fields["username"] = "required"
    elif session.scalar(select(User.id).where(User.username == username)) is not None:
        fields["username"] = "taken"
    if len(password) < MIN_PASSWORD_LENGTH:
        fields["password"] = "too_short"  # noqa: S105 - an error code for the field, not a password
    if fields:
        raise ValidationFailed("invalid account", fields=fields)
    user = User(username=username, display_name=display_name or username, email=email,
                password_hash=_hasher.hash(password), role=role, division_code=division_code,
                created_at=now, password_changed_at=now)
    session.add(user)
    session.flush()
    audit.record(session, now=now, action="user.create", actor=actor, actor_label=actor_label,
                 object_type="user", object_id=user.id,
                 details={"username": username, "role": role, "division": division_code})
    return user


def _client_throttle(session: Session, client: str, now: dt.datetime) -> ClientThrottle:
    row = session.get(ClientThrottle, client)
    if row is None:
        row = ClientThrottle(key=client, failures=0, window_start=now)
        session.add(row)
    elif now - row.window_start > CLIENT_WINDOW and not (row.locked_until and row.locked_until > now):
        row.failures = 0
        row.window_start = now
    return row


class _NameCounter:
    """The failure count of a username without an account, kept in a ClientThrottle row under a keyed
    hash of the name (never the name itself), with the same fields an account has."""

    def __init__(self, row: ClientThrottle):
        self.row = row

    @property
    def locked_until(self):
        return self.row.locked_until

    @locked_until.setter
    def locked_until(self, value):
        self.row.locked_until = value

    @property
    def failed_logins(self) -> int:
        return self.row.failures

    @failed_logins.setter
    def failed_logins(self, value: int) -> None:
        self.row.failures = value


def _name_throttle(session: Session, username: str) -> _NameCounter:
    key = "n:" + crypto.keyring().keyed_hash("login-name", username)[:62]
    row = session.get(ClientThrottle, key)
    if row is None:
        # window_start is unused for names: like an account's count, it lasts until a lockout.
        row = ClientThrottle(key=key, failures=0, window_start=dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc))
        session.add(row)
    return _NameCounter(row)


def _count_failure(counter, max_failures: int, lock_until: dt.datetime) -> None:
    counter.failed_logins += 1
    if counter.failed_logins >= max_failures:
        counter.locked_until = lock_until
        counter.failed_logins = 0


def authenticate(session: Session, *, now: dt.datetime, username: str, password: str, client: str,
                 max_failures: int = 5, lockout: dt.timedelta = dt.timedelta(minutes=15)) -> User:
    """Check a password. Returns the user (second factor still to check).

    Raises Throttled when the account or the client is locked, InvalidCredentials otherwise;
    both the unknown-account and wrong-password paths verify one Argon2 hash.
    The caller commits: failures are recorded even though an exception is raised.
    """
    username = (username or "").strip().lower()
    throttle = _client_throttle(session, client, now)
    user = session.scalar(select(User).where(User.username == username)) if username else None
    # A name with no account is counted and locked exactly like an account (same threshold, same
    # lockout, same answer), so the 429 after N failures does not tell which usernames exist.
    counter = user if user is not None else _name_throttle(session, username)
    if throttle.locked_until and throttle.locked_until > now:
        _verify_password(_DUMMY_HASH, password)
        raise Throttled("client locked")
    if counter.locked_until and counter.locked_until > now:
        _verify_password(_DUMMY_HASH, password)
        audit.record(session, now=now, action="login.locked", actor=user,
                     actor_label=None if user else "unknown", object_type="user", object_id=user.id if user else "")
        raise Throttled("account locked")
    ok = _verify_password(user.password_hash if user else _DUMMY_HASH, password) and user is not None
    if ok and user is not None and user.active:  # ok already implies an account; said again for mypy
        user.failed_logins = 0
        user.locked_until = None
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hasher.hash(password)
        return user
    throttle.failures += 1
    if throttle.failures >= CLIENT_MAX_FAILURES:
        throttle.locked_until = now + lockout
    _count_failure(counter, max_failures, now + lockout)
    audit.record(session, now=now, action="login.failed", actor=user,
                 actor_label=user.username if user else "unknown",
                 object_type="user", object_id=user.id if user else "",
                 details={"reason": "inactive" if (user and ok) else "bad_credentials"})
    raise InvalidCredentials("bad credentials")


def totp_required(session: Session, user: User, default: bool) -> bool:
    value = getattr(user, "site_require_2fa", _UNREAD)
    if value is _UNREAD:  # not loaded with the session (e.g. at login)
        row = session.get(SiteSetting, "require_2fa")
        value = None if row is None else row.value
    site = default if value is None else value == "1"
    return site or user.totp_required


_UNREAD = object()


def set_site_require_2fa(session: Session, *, now: dt.datetime, actor: User, required: bool) -> None:
    row = session.get(SiteSetting, "require_2fa")
    if row is None:
        row = SiteSetting(name="require_2fa", value="0")
        session.add(row)
    row.value = "1" if required else "0"
    audit.record(session, now=now, action="settings.require_2fa", actor=actor, details={"required": required})


# --- sessions -------------------------------------------------------------------------------

def _sid_hash(token: str) -> str:
    return crypto.keyring().keyed_hash("staff-session", token)


def start_session(session: Session, *, now: dt.datetime, user: User, method: str) -> str:
    token = secrets.token_urlsafe(32)
    session.add(StaffSession(id=_sid_hash(token), user_id=user.id, created_at=now, last_seen_at=now))
    audit.record(session, now=now, action="login.success", actor=user, object_type="user", object_id=user.id,
                 details={"method": method})
    user.current_sid = token
    return token


def load_session(session: Session, *, now: dt.datetime, token: str, idle: dt.timedelta,
                 absolute: dt.timedelta) -> User | None:
    """The user behind a session token, or None when it ended, idled out or expired."""
    # One round trip per page view: the session record, its account and the site's 2FA setting.
    found = session.execute(
        select(StaffSession, User, SiteSetting.value).join(User, User.id == StaffSession.user_id)
        .outerjoin(SiteSetting, SiteSetting.name == "require_2fa")
        .where(StaffSession.id == _sid_hash(token))).first()
    if found is None or found[0].ended_at is not None:
        return None
    row, user, site_2fa = found
    user.site_require_2fa = site_2fa  # read by totp_required() for this request
    reason = ""
    if now - row.last_seen_at > idle:
        reason = "idle_timeout"
    elif now - row.created_at > absolute:
        reason = "absolute_timeout"
    if not user.active:
        reason = reason or "disabled"
    if reason:
        row.ended_at = now
        row.end_reason = reason
        _best_effort_commit(session)
        return None
    # Refresh at most once a minute so page views do not each write.
    if now - row.last_seen_at > dt.timedelta(seconds=60):
        row.last_seen_at = now
        _best_effort_commit(session)
    user.current_sid = token
    return user


def _best_effort_commit(session: Session) -> None:
    # On SQLite a read-only request's transaction began DEFERRED; if another writer got in first
    # the bookkeeping write is skipped (the next request retries) rather than failing the page.
    try:
        session.commit()
    except OperationalError:
        session.rollback()


def end_session(session: Session, *, now: dt.datetime, token: str, reason: str = "logout") -> None:
    row = session.get(StaffSession, _sid_hash(token))
    if row is not None and row.ended_at is None:
        row.ended_at = now
        row.end_reason = reason
        user = session.get(User, row.user_id)
        audit.record(session, now=now, action="logout", actor=user, object_type="user", object_id=row.user_id,
                     details={"reason": reason})


def end_all_sessions(session: Session, *, now: dt.datetime, user: User, reason: str, keep: str | None = None) -> int:
    stmt = update(StaffSession).where(StaffSession.user_id == user.id, StaffSession.ended_at.is_(None))
    if keep:
        stmt = stmt.where(StaffSession.id != _sid_hash(keep))
    # An UPDATE gives a CursorResult, which has the rowcount; Session.execute is typed with plain Result.
    result = cast(CursorResult[Any], session.execute(stmt.values(ended_at=now, end_reason=reason)))
    return result.rowcount or 0


def change_password(session: Session, *, now: dt.datetime, user: User, current: str, new: str) -> None:
    """Raises InvalidCredentials for a wrong current password, ValidationFailed for a short new one.
    Ends the user's other sessions."""
    if not _verify_password(user.password_hash, current):
        raise InvalidCredentials("bad current password")
    user.password_hash = hash_password(new)
    user.password_changed_at = now
    end_all_sessions(session, now=now, user=user, reason="password_changed", keep=user.current_sid)
    audit.record(session, now=now, action="user.password_changed", actor=user, object_type="user", object_id=user.id)


def set_active(session: Session, *, now: dt.datetime, actor: User, user: User, active: bool) -> None:
    user.active = active
    if not active:
        end_all_sessions(session, now=now, user=user, reason="disabled")
    audit.record(session, now=now, action="user.enabled" if active else "user.disabled", actor=actor,
                 object_type="user", object_id=user.id)


# --- two-factor ------------------------------------------------------------------------------

@dataclass
class Enrolment:
    secret: str
    uri: str
    qr_svg_data_uri: str


def begin_totp(session: Session, *, user: User) -> Enrolment:
    secret = user.totp_pending_secret or pyotp.random_base32()
    user.totp_pending_secret = secret
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)
    img = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buf = io.BytesIO()
    img.save(buf)
    data = "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode()
    return Enrolment(secret=secret, uri=uri, qr_svg_data_uri=data)


def _check_totp(user: User, secret: str, code: str, now: dt.datetime) -> int | None:
    """The matching time step, or None. Accepts one step of clock drift either way."""
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // totp.interval
    for step in (current - 1, current, current + 1):
        if secrets.compare_digest(totp.at(step * totp.interval), code):
            return step
    return None


def _new_recovery_codes(user: User) -> list[str]:
    codes = [f"{secrets.randbelow(10**10):010d}" for _ in range(RECOVERY_CODES)]
    user.recovery_codes.clear()
    for c in codes:
        user.recovery_codes.append(RecoveryCode(code_hash=crypto.keyring().keyed_hash("recovery", c)))
    return [f"{c[:5]}-{c[5:]}" for c in codes]


def confirm_totp(session: Session, *, now: dt.datetime, user: User, code: str) -> list[str]:
    """Turn on 2FA if `code` matches the pending secret; returns the new recovery codes (shown once).
    Raises InvalidCredentials when the code does not match."""
    secret = user.totp_pending_secret
    step = _check_totp(user, secret, code, now) if secret else None
    if step is None:
        raise InvalidCredentials("bad code")
    user.totp_secret = secret
    user.totp_pending_secret = None
    user.totp_enabled = True
    user.totp_last_step = step
    codes = _new_recovery_codes(user)
    audit.record(session, now=now, action="2fa.enabled", actor=user, object_type="user", object_id=user.id)
    return codes


def verify_second_factor(session: Session, *, now: dt.datetime, user: User, code: str) -> str:
    """Check a TOTP code (each time step usable once) or an unused recovery code.
    Returns 'totp' or 'recovery'; raises InvalidCredentials otherwise (and counts the failure)."""
    if user.totp_secret:
        step = _check_totp(user, user.totp_secret, code, now)
        if step is not None and step > user.totp_last_step:
            user.totp_last_step = step
            return "totp"
    digits = "".join(ch for ch in (code or "") if ch.isdigit())
    if len(digits) == 10:
        h = crypto.keyring().keyed_hash("recovery", digits)
        for rc in user.recovery_codes:
            if rc.used_at is None and secrets.compare_digest(rc.code_hash, h):
                rc.used_at = now
                audit.record(session, now=now, action="2fa.recovery_code_used", actor=user,
                             object_type="user", object_id=user.id)
                return "recovery"
    user.failed_logins += 1
    audit.record(session, now=now, action="login.failed", actor=user, object_type="user", object_id=user.id,
                 details={"reason": "bad_second_factor"})
    raise InvalidCredentials("bad code")


def reset_totp(session: Session, *, now: dt.datetime, actor: User, user: User) -> None:
    user.totp_secret = None
    user.totp_pending_secret = None
    user.totp_enabled = False
    user.recovery_codes.clear()
    end_all_sessions(session, now=now, user=user, reason="2fa_reset")
    audit.record(session, now=now, action="2fa.reset", actor=actor, object_type="user", object_id=user.id)
