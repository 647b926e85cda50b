"""Mail the parser could not read: kept raw, listed for staff, and taken in by hand as a tip.

Every function takes the database session and `now`; the caller commits.
"""
from __future__ import annotations

import datetime as dt
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...audit import services as audit
from ...errors import NotFound
from .. import services as intake
from ..models import Tip
from .models import MailMessage

LISTED = 200  # the newest waiting messages shown at once


def waiting(session: Session) -> list[MailMessage]:
    """The messages waiting for manual intake, newest first."""
    return list(session.scalars(select(MailMessage).where(MailMessage.status == "needs_manual")
                                .order_by(MailMessage.received_at.desc()).limit(LISTED)))


def waiting_message(session: Session, message_id: int) -> MailMessage:
    """One message still waiting for manual intake. Raises NotFound (unknown, or already taken in)."""
    row = session.get(MailMessage, message_id)
    if row is None or row.status != "needs_manual":
        raise NotFound("no such message")
    return row


def download_raw(session: Session, *, now: dt.datetime, message: MailMessage, actor) -> bytes:
    """The message as received, for reading offline; the download is audited."""
    audit.record(session, now=now, action="mail.raw_downloaded", actor=actor, object_type="mail_message",
                 object_id=message.id)
    return message.raw


def take_in(session: Session, *, now: dt.datetime, message: MailMessage, description: str, entity_name: str,
            division_code: str, known_division: Callable[[str], bool], actor) -> Tip:
    """The message becomes a tip as read by `actor`, for the bureau that receives the mailbox. The
    sender is sent no receipt code (none is kept sealed). Raises ValidationFailed (the description)."""
    data = intake.TipInput(kind="report", category_code="", entity_name=entity_name or "",
                           division_code=division_code, description=description or "", channel="email")
    result = intake.submit(session, now=now, data=data, token=f"manual-mail-{message.id}",
                           known_division=known_division, actor_label=actor.username)
    result.tip.sealed_receipt = None
    message.status, message.tip_id = "ingested", result.tip.id
    audit.record(session, now=now, action="mail.manual_intake", actor=actor, object_type="mail_message",
                 object_id=message.id, details={"tip": result.tip.id})
    return result.tip
