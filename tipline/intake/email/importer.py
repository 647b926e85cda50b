"""Storing one mail message exactly once, and importing .eml files, mbox files and Maildirs.

`ingest` does all of its work in the caller's transaction and never commits: the caller commits,
then flags the message on the server or sends the acknowledgement. A crash anywhere before the
commit leaves nothing behind; after it, the next attempt is recognised as a duplicate.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import mailbox as mailboxlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ...errors import ValidationFailed
from ...timesource import local_date
from .. import evidence, pacing, services
from ..models import EvidenceFile, Tip
from . import ack, acks, replies
from .models import MailMessage
from .parse import ParsedMail, ParseError, content_key, message_id_key, parse

log = logging.getLogger("tipline.intake.email")

MAX_TEXT = services.MAX_DESCRIPTION


@dataclass
class IngestResult:
    status: str  # ingested | needs_manual | duplicate | automatic | reply
    tip: Tip | None = None
    receipt_code: str | None = None  # only for a tip made by this call
    parsed: ParsedMail | None = None
    files: list[EvidenceFile] = field(default_factory=list)  # written to the store; discard on rollback
    row: MailMessage | None = None

    @property
    def created(self) -> bool:
        return self.status == "ingested" and self.receipt_code is not None


def _description(parsed: ParsedMail, rejected: list[evidence.Rejected]) -> str:
    footer = ""
    if rejected:
        footer = "\n\n---\n未保存的附件 / Attachments not kept:\n" + "\n".join(
            f"- {r.filename} ({r.reason})" for r in rejected)
    head = f"Subject: {parsed.subject}\n\n"
    room = max(0, MAX_TEXT - len(head) - len(footer))
    return (head + parsed.text[:room]).strip() + footer


def _known(session: Session, mailbox: str, uidvalidity: int, uid: int) -> MailMessage | None:
    return session.scalar(select(MailMessage).where(
        MailMessage.mailbox == mailbox, MailMessage.uidvalidity == uidvalidity, MailMessage.uid == uid))


def message_key(parsed: ParsedMail | None, raw: bytes) -> str:
    """The key a message is known by wherever it is found: its Message-ID, or without one a digest of
    its normalised content (the same for the IMAP copy and an mbox/Maildir copy)."""
    return message_id_key(parsed.message_id if parsed else None) or content_key(raw)


def ingest(session: Session, now: dt.datetime, raw: bytes, *, mailbox: str, uidvalidity: int, uid: int,
           store, settings, known_division, acknowledge: bool = False) -> IngestResult:
    """Record the message and make its tip (or its reply on a tip), or recognise it; never commits.

    `acknowledge`: the caller sends the acknowledgement after committing (the poller), so the new
    code stays sealed until then; otherwise the seal is cleared at once.
    Raises only database errors other than the unique-key races it resolves itself.
    """
    try:
        parsed, error = parse(raw), ""
    except ParseError as exc:
        parsed, error = None, str(exc)
    key = message_key(parsed, raw)
    for _attempt in range(2):
        if _known(session, mailbox, uidvalidity, uid) is not None:
            return IngestResult("duplicate", parsed=parsed)
        first = session.scalar(select(MailMessage).where(MailMessage.message_id_key == key))
        row = MailMessage(mailbox=mailbox, uidvalidity=uidvalidity, uid=uid, raw=raw, received_at=now,
                          message_id=(parsed.message_id or "")[:255] or None if parsed else None,
                          message_id_key=None if first else key, sender=parsed.sender or None if parsed else None,
                          status="duplicate" if first else ("ingested" if parsed else "needs_manual"),
                          tip_id=first.tip_id if first else None, error=error[:500])
        try:
            # The row is the claim: another poller inserting the same location or Message-ID blocks
            # here (PostgreSQL) or already holds the write lock (SQLite), and one of us loses cleanly.
            # Added inside the savepoint, since begin_nested() first flushes what is pending.
            with session.begin_nested():
                session.add(row)
                session.flush()
        except IntegrityError:
            # The savepoint rollback took the row out of the session; look again at what won.
            continue
        if first is not None:
            return IngestResult("duplicate", tip=session.get(Tip, first.tip_id) if first.tip_id else None,
                                parsed=parsed, row=row)
        if parsed is None:
            return IngestResult("needs_manual", row=row)
        if parsed.machine:  # kept (encrypted) for the staff list, never a tip, never acknowledged
            row.status, row.error = "automatic", f"automatic: {parsed.machine}"
            session.flush()
            return IngestResult("automatic", parsed=parsed, row=row)
        target, codes = replies.find_reply_target(session, parsed)
        if target is not None:
            files = replies.add_reply(session, now, row, parsed, target, codes, store=store, settings=settings)
            return IngestResult("reply", tip=target, parsed=parsed, files=files, row=row)
        return _make_tip(session, now, row, parsed, key, store=store, settings=settings,
                         known_division=known_division, acknowledge=acknowledge)
    return IngestResult("duplicate", parsed=parsed)  # lost both races: the winner made the tip


def _make_tip(session, now, row: MailMessage, parsed: ParsedMail, key, *, store, settings,
              known_division, acknowledge: bool) -> IngestResult:
    limit = settings.max_upload_mb * 1024 * 1024
    fits = [u for u in parsed.attachments if len(u.data) <= limit]
    too_big = [evidence.Rejected(u.filename, "too_large") for u in parsed.attachments if len(u.data) > limit]
    data = services.TipInput(kind="report", category_code="", entity_name="", channel="email",
                             division_code=settings.intake_division, description=_description(parsed, too_big))
    problems = services.validate(data, today=local_date(now), known_division=known_division)
    if problems:  # e.g. a near-empty message: staff read it and decide
        row.status, row.error = "needs_manual", "invalid: " + ", ".join(f"{k}={v}" for k, v in problems.items())
        session.flush()
        return IngestResult("needs_manual", parsed=parsed, row=row)
    files, rejected = evidence.store_uploads(session, now=now, uploads=fits, store=store, keep_original=False,
                                             source="email", room=settings.max_files, draft_key=None)
    data.description = _description(parsed, too_big + rejected)
    try:
        result = services.submit(session, now=now, data=data, token=acks.ack_token(key), known_division=known_division,
                                 drafts=files, actor_label="email")
    except ValidationFailed as exc:  # the footer pushed it over a limit; keep the mail for staff
        evidence.discard(store, files)
        for f in files:
            session.delete(f)
        row.status, row.error = "needs_manual", f"invalid: {exc.details.get('fields')}"[:500]
        session.flush()
        return IngestResult("needs_manual", parsed=parsed, row=row)
    row.tip_id = result.tip.id
    if not result.created:  # the tip came from an earlier row whose key was since released
        row.status = "duplicate"
    elif acknowledge and ack.should_ack(settings, parsed):
        row.ack_key = acks.new_claim()  # this poller sends it (acks.acknowledge); no other one will
    else:
        result.tip.sealed_receipt = None  # no acknowledgement will need the code: forget it now
    session.flush()
    return IngestResult(row.status, tip=result.tip, receipt_code=result.receipt_code if result.created else None,
                        parsed=parsed, files=files, row=row)


def make_tip_from_row(session: Session, now, row: MailMessage, *, store, settings, known_division) -> IngestResult:
    """Staff decided a message filed as automatic is a report: its tip (no acknowledgement), or
    needs_manual when it cannot be a tip by itself. Never commits."""
    parsed = parse(bytes(row.raw))
    row.status, row.error = "ingested", ""
    return _make_tip(session, now, row, parsed, row.message_id_key or message_key(parsed, bytes(row.raw)),
                     store=store, settings=settings, known_division=known_division, acknowledge=False)


def commit_or_discard(session: Session, result: IngestResult, store) -> None:
    """Commit; on failure roll back and remove the evidence blobs already written. Re-raises."""
    try:
        session.commit()
    except Exception:
        session.rollback()
        evidence.discard(store, result.files)
        raise


# --- file imports -----------------------------------------------------------------------


def _fingerprint(*parts) -> str:
    return hashlib.sha256("\0".join(str(p) for p in parts).encode("utf-8", "surrogateescape")).hexdigest()[:40]


def import_sources(path: Path):
    """(mailbox key, sequence number, loader) for every message under `path`.

    The key includes a fingerprint of the source, so a changed mbox is a new "mailbox" whose
    messages are then recognised by Message-ID (or content hash), never by a shifted position.
    Raises FileNotFoundError, or mailbox.Error for an unreadable mbox/Maildir.
    """
    path = Path(path).resolve()
    if path.is_dir() and all((path / d).is_dir() for d in ("cur", "new", "tmp")):
        box = mailboxlib.Maildir(str(path), factory=None, create=False)
        keys = sorted(box.keys())
        name = "import:" + _fingerprint("maildir", path, *keys)
        return [(name, i, (lambda k=k: box.get_bytes(k))) for i, k in enumerate(keys, 1)]
    if path.is_dir():
        found = []
        for eml in sorted(p for p in path.rglob("*.eml") if p.is_file()):
            found += import_sources(eml)
        return found
    stat = path.stat()
    with path.open("rb") as fh:
        head = fh.read(5)
    if head == b"From " and path.suffix.lower() != ".eml":
        mbox = mailboxlib.mbox(str(path), factory=None, create=False)
        keys = list(mbox.keys())
        name = "import:" + _fingerprint("mbox", path, stat.st_size, stat.st_mtime_ns)

        def load(key, last: bool) -> bytes:
            raw = mbox.get_bytes(key)
            if last:  # the mbox keeps its file open from the first read; nothing reads it after the last
                mbox.close()
            return raw
        count = len(keys)
        return [(name, i, (lambda k=k, last=i == count: load(k, last))) for i, k in enumerate(keys, 1)]
    name = "import:" + _fingerprint("eml", path, stat.st_size, stat.st_mtime_ns)
    return [(name, 1, path.read_bytes)]


def import_one(session_factory, now, mailbox: str, uid: int, raw: bytes, *, store, settings,
               known_division) -> str:
    """Ingest and commit one imported message in its own transaction; returns its status."""
    with session_factory() as session:
        result = ingest(session, now, raw, mailbox=mailbox, uidvalidity=0, uid=uid, store=store,
                        settings=settings, known_division=known_division)
        commit_or_discard(session, result, store)
        return result.status


def import_all(session_factory, now, items, *, store, settings, known_division) -> Counter:
    """`import_one` for each (mailbox, uid, loader) of `import_sources`; counts by status. Receipt
    hashes for the coming messages are computed on other cores while one message is stored."""
    counts: Counter[str] = Counter()
    pace = pacing.WriterPacing.for_factory(session_factory)
    with services.receipts_hashed_ahead():
        for mailbox, uid, load in items:
            with pace.turn():  # SQLite: other writers (the web app, a poller) get the lock in between
                counts[import_one(session_factory, now, mailbox, uid, load(), store=store, settings=settings,
                                  known_division=known_division)] += 1
    purge_seals(session_factory, now)
    return counts


def purge_seals(session_factory, now) -> int:
    """The commands forget expired sealed codes themselves: cron may run them without the scheduler."""
    with session_factory() as session:
        count = services.purge_expired_seals(session, now)
        session.commit()
    return count
