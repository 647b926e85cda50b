"""A reporter's reply to the acknowledgement: a message (and evidence) on the tip it answers.

A reply is recognised by its In-Reply-To/References naming the acknowledgement's Message-ID (kept
only as a keyed hash, `MailMessage.ack_key`), or by a receipt code in its subject or text that
verifies against a tip's receipt hash. Receipt codes are masked before the text is stored, so staff
never read a reporter's code (domain rule: the code is the reporter's only credential).
"""
from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ... import crypto
from .. import evidence, receipts, services
from ..models import EvidenceFile, Tip
from .models import MailMessage
from .parse import ParsedMail

# 16 digits, in groups of four or not, with the separators people type (ASCII or full-width
# digits: \d matches both, receipts.normalise folds them).
CODE_RE = re.compile(r"(?<!\d)\d{4}[ \-\u00a0\u3000－]?\d{4}[ \-\u00a0\u3000－]?\d{4}[ \-\u00a0\u3000－]?\d{4}(?!\d)")
MASK = "[回执码已隐去 / receipt code removed]"
# Each candidate costs one receipt hash: a message quoting many long numbers is checked for its first few.
MAX_CANDIDATES = 8


def ack_key(message_id: str) -> str:
    """What is stored for an acknowledgement's Message-ID: a keyed hash, so the database alone does not
    link a reply to a tip by a guessable value."""
    return crypto.keyring().keyed_hash("mail-ack", message_id)


def _candidates(text: str) -> list[str]:
    found: list[str] = []
    for match in CODE_RE.finditer(text or ""):
        digits = receipts.normalise(match.group(0))
        if digits not in found:
            found.append(digits)
        if len(found) >= MAX_CANDIDATES:
            break
    return found


def verified_codes(session: Session, *texts: str) -> dict[str, Tip]:
    """Receipt codes written in `texts` that belong to a tip (code -> tip)."""
    codes: dict[str, Tip] = {}
    for digits in _candidates("\n".join(texts)):
        tip = services.find_by_receipt(session, digits)
        if tip is not None:
            codes[digits] = tip
    return codes


def mask_codes(text: str, codes) -> str:
    """`text` with every written form of the given codes replaced by MASK."""
    if not codes:
        return text
    return CODE_RE.sub(lambda m: MASK if receipts.normalise(m.group(0)) in codes else m.group(0), text)


def thread_tip(session: Session, parsed: ParsedMail) -> Tip | None:
    """The tip whose acknowledgement this message answers, by its In-Reply-To/References."""
    keys = [ack_key(ref) for ref in parsed.references]
    if not keys:
        return None
    row = session.scalar(select(MailMessage).where(MailMessage.ack_key.in_(keys), MailMessage.tip_id.is_not(None))
                         .order_by(MailMessage.id).limit(1))
    return session.get(Tip, row.tip_id) if row is not None else None


def find_reply_target(session: Session, parsed: ParsedMail) -> tuple[Tip | None, dict[str, Tip]]:
    """(the tip this message replies to or None, the verified receipt codes in it)."""
    codes = verified_codes(session, parsed.subject, parsed.text)
    tip = thread_tip(session, parsed)
    if tip is None and codes:
        tip = next(iter(codes.values()))
    return tip, codes


def add_reply(session: Session, now: dt.datetime, row: MailMessage, parsed: ParsedMail, tip: Tip, codes,
              *, store, settings) -> list[EvidenceFile]:
    """The reply's text (codes masked) as a reporter message on `tip`, its attachments as evidence.
    Never commits; returns the files written to the store (discard them if the transaction fails)."""
    limit = settings.max_upload_mb * 1024 * 1024
    fits = [u for u in parsed.attachments if len(u.data) <= limit]
    rejected = [evidence.Rejected(u.filename, "too_large") for u in parsed.attachments if len(u.data) > limit]
    have = session.scalar(select(func.count()).select_from(EvidenceFile).where(
        EvidenceFile.tip_id == tip.id, EvidenceFile.is_original.is_(False))) or 0
    files, more = evidence.store_uploads(session, now=now, uploads=fits, store=store, keep_original=False,
                                         source="email", room=settings.max_files * 3 - have, draft_key=None)
    rejected += more
    if files:
        services.attach_files(session, now=now, tip=tip, files=files, source="email")
    subject = mask_codes(parsed.subject, codes)
    text = mask_codes(parsed.text, codes)
    footer = ""
    if rejected:
        footer = "\n\n---\n未保存的附件 / Attachments not kept:\n" + "\n".join(
            f"- {r.filename} ({r.reason})" for r in rejected)
    if files:
        footer += "\n\n附件已作为证据保存 / Attachments kept as evidence: " + ", ".join(f.display_name for f in files)
    head = f"电子邮件回复 / Reply by e-mail — Subject: {subject}\n\n"
    room = max(0, services.MAX_DESCRIPTION - len(head) - len(footer))
    body = (head + text[:room]).strip() + footer
    services.post_message(session, now=now, tip=tip, body=body, author="reporter")
    row.status, row.tip_id = "reply", tip.id
    session.flush()
    return files
