"""Reporter sessions: server-side records, like staff sessions (tipline.auth.services).

The reporter's cookie holds a random token; only its keyed hash is stored. Signing out, an idle
timeout and an absolute lifetime end the record, so a copy of the cookie taken earlier (a shared
computer, a stolen phone backup) no longer opens the portal anywhere, on any worker or host.
These lifetimes are a security choice of this service, not a legal time limit.

Every function takes the database session and `now`; the caller commits.
"""
from __future__ import annotations

import datetime as dt
import secrets
from typing import Any, cast

from sqlalchemy import CursorResult, ForeignKey, String, delete, or_
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Mapped, Session, mapped_column

from .. import crypto
from ..db import Base, UTCDateTime

IDLE = dt.timedelta(minutes=30)
ABSOLUTE = dt.timedelta(hours=4)
REFRESH = dt.timedelta(seconds=60)  # last_seen_at is written at most once a minute


class ReporterSession(Base):
    __tablename__ = "reporter_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tip.id", ondelete="CASCADE"), nullable=False, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    end_reason: Mapped[str] = mapped_column(String(40), nullable=False, default="")


def _sid(token: str) -> str:
    return crypto.keyring().keyed_hash("reporter-session", token)


def start(session: Session, *, now: dt.datetime, tip_id: int) -> str:
    """A new session for the tip whose receipt code was just given; returns the cookie's token."""
    token = secrets.token_urlsafe(32)
    session.add(ReporterSession(id=_sid(token), tip_id=tip_id, created_at=now, last_seen_at=now))
    return token


def load(session: Session, *, now: dt.datetime, token: str, idle: dt.timedelta = IDLE,
         absolute: dt.timedelta = ABSOLUTE) -> int | None:
    """The tip id behind a live session token, or None (unknown, signed out, idle or too old).
    Ends a session found past its limits, and refreshes last_seen_at; commits that bookkeeping itself."""
    if not isinstance(token, str) or not token:
        return None
    row = session.get(ReporterSession, _sid(token))
    if row is None or row.ended_at is not None:
        return None
    reason = "idle_timeout" if now - row.last_seen_at > idle else (
        "absolute_timeout" if now - row.created_at > absolute else "")
    if reason:
        row.ended_at, row.end_reason = now, reason
        _best_effort_commit(session)
        return None
    if now - row.last_seen_at > REFRESH:
        row.last_seen_at = now
        _best_effort_commit(session)
    return row.tip_id


def end(session: Session, *, now: dt.datetime, token: str, reason: str = "logout") -> None:
    row = session.get(ReporterSession, _sid(token)) if isinstance(token, str) and token else None
    if row is not None and row.ended_at is None:
        row.ended_at, row.end_reason = now, reason


def purge(session: Session, now: dt.datetime, idle: dt.timedelta = IDLE, absolute: dt.timedelta = ABSOLUTE) -> int:
    """Delete ended and expired records (a scheduler job): nothing keeps when a reporter visited."""
    # A DELETE gives a CursorResult, which has the rowcount; Session.execute is typed with plain Result.
    result = cast(CursorResult[Any], session.execute(delete(ReporterSession).where(or_(
        ReporterSession.ended_at.is_not(None), ReporterSession.last_seen_at < now - idle,
        ReporterSession.created_at < now - absolute))))
    session.commit()
    return result.rowcount or 0


def _best_effort_commit(session: Session) -> None:
    # As for staff sessions: on SQLite a lost race for the write lock skips the bookkeeping write.
    try:
        session.commit()
    except OperationalError:
        session.rollback()
