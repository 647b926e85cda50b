"""Sending the acknowledgement once, and forgetting the sealed code as soon as it is sent.

The new receipt code exists in clear only in memory and, until the acknowledgement is accepted by
the SMTP server, sealed on the tip with the instance key (receipts.seal). The mail row is claimed
(`ack_key = "sending:…"`) in the transaction that makes the tip, so two pollers never send twice;
once sent, the acknowledgement's Message-ID (keyed hash) replaces the claim and the seal is cleared
in one short transaction. A failed send releases the claim and keeps the seal: the next poll
retries while the seal lives (services.SEAL_LIFETIME), then the code is gone for good.
"""
from __future__ import annotations

import datetime as dt
import logging
import secrets

from sqlalchemy import select, update

from .. import services
from ..models import Tip
from . import ack, replies
from .models import MailMessage
from .parse import ParseError, parse

log = logging.getLogger("tipline.intake.email.acks")

CLAIM = "sending:"


def ack_token(key: str) -> str:
    """The submission token of a mail tip; with the instance key it seals the code until the
    acknowledgement is sent (receipts.seal)."""
    return "mail:" + key


def new_claim() -> str:
    return CLAIM + secrets.token_hex(16)


def acknowledge(session_factory, row_id: int, tip_id: int, parsed, code: str | None, settings) -> bool:
    """Send the acknowledgement for a committed tip and record it; True when sent."""
    sent_id = ack.send(settings, parsed, code)
    with session_factory() as session:
        if sent_id:
            session.execute(update(MailMessage).where(MailMessage.id == row_id)
                            .values(ack_key=replies.ack_key(sent_id)))
            session.execute(update(Tip).where(Tip.id == tip_id).values(sealed_receipt=None))
        else:  # released for a later poll's retry; the seal stays until then or until it expires
            session.execute(update(MailMessage).where(MailMessage.id == row_id, MailMessage.ack_key.like(CLAIM + "%"))
                            .values(ack_key=None))
        session.commit()
    return bool(sent_id)


def retry_pending(session_factory, now: dt.datetime, settings, limit: int = 100) -> int:
    """Send the acknowledgements an earlier poll could not send while their sealed code lives."""
    if not settings.email_ack:
        return 0
    sent = 0
    with session_factory() as session:
        rows = session.execute(
            select(MailMessage.id, MailMessage.tip_id).join(Tip, Tip.id == MailMessage.tip_id)
            .where(MailMessage.status == "ingested", MailMessage.ack_key.is_(None),
                   MailMessage.message_id_key.is_not(None), Tip.sealed_receipt.is_not(None),
                   Tip.received_at >= now - services.SEAL_LIFETIME)
            .order_by(MailMessage.id).limit(limit)).all()
        session.rollback()
    for row_id, tip_id in rows:
        claim = new_claim()
        with session_factory() as session:
            claimed = session.execute(update(MailMessage).where(MailMessage.id == row_id, MailMessage.ack_key.is_(None))
                                      .values(ack_key=claim)).rowcount
            session.commit()
            if not claimed:
                continue  # another poller has it
            row = session.get(MailMessage, row_id)
            tip = session.get(Tip, tip_id)
            code = services.unsealed_receipt(tip, ack_token(row.message_id_key)) if tip else None
            try:
                parsed = parse(bytes(row.raw))
            except ParseError:
                parsed = None
            session.rollback()
        sent += acknowledge(session_factory, row_id, tip_id, parsed, code, settings)
    return sent
