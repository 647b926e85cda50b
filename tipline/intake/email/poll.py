"""Fetching new mail over IMAP and turning each message into a tip, exactly once.

Order per message: fetch with BODY.PEEK[] (a human's \\Seen flag is neither needed nor changed),
ingest, COMMIT, then flag it $TiplineIngested on the server, then acknowledge. A crash after the
commit but before the flag means the next poll fetches it again and `ingest` calls it a duplicate.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import imaplib
import logging
import re
import ssl
from dataclasses import dataclass

from .. import services
from . import acks
from .importer import commit_or_discard, ingest, purge_seals

log = logging.getLogger("tipline.intake.email.poll")

KEYWORD = "$TiplineIngested"


class MailboxError(RuntimeError):
    """The IMAP server refused the login, the mailbox or a command; the message names which step."""


@dataclass
class PollCounts:
    new: int = 0
    duplicates: int = 0
    needs_manual: int = 0
    failed: int = 0  # left unflagged, tried again next poll
    automatic: int = 0  # machine mail: kept for staff, no tip
    replies: int = 0  # reporters' replies added to their tips

    def __str__(self) -> str:
        return (f"new {self.new}, duplicates {self.duplicates}, needs_manual {self.needs_manual}, "
                f"failed {self.failed}, automatic {self.automatic}, replies {self.replies}")


def _tls_context(settings) -> ssl.SSLContext:
    """Certificate and host name verified, against TIPLINE_IMAP_CA_FILE if set (an internal CA),
    otherwise against the system's trust store."""
    return ssl.create_default_context(cafile=settings.imap_ca_file or None)


def connect(settings) -> imaplib.IMAP4:
    """Open and log in. Raises MailboxError, OSError or ssl.SSLError."""
    security = settings.imap_security
    port = settings.imap_port or (993 if security == "ssl" else 143)
    conn: imaplib.IMAP4
    if security == "ssl":
        conn = imaplib.IMAP4_SSL(settings.imap_host, port, ssl_context=_tls_context(settings), timeout=60)
    else:
        conn = imaplib.IMAP4(settings.imap_host, port, timeout=60)
        if security == "starttls":
            conn.starttls(ssl_context=_tls_context(settings))
    try:
        conn.login(settings.imap_user, settings.imap_password)
    except imaplib.IMAP4.error as exc:
        conn.shutdown()
        raise MailboxError("IMAP login refused") from exc
    return conn


def _quote(mailbox: str) -> str:
    return '"' + mailbox.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _select(conn, mailbox: str) -> tuple[int, bool]:
    """UIDVALIDITY, and whether custom keywords stick. Raises MailboxError."""
    typ, _ = conn.select(_quote(mailbox))
    if typ != "OK":
        raise MailboxError("cannot select the mailbox")
    _, values = conn.response("UIDVALIDITY")
    if not values or values[0] is None:
        raise MailboxError("server sent no UIDVALIDITY")
    _, flags = conn.response("PERMANENTFLAGS")
    permanent = b" ".join(f for f in flags if f)
    return int(values[0]), (b"\\*" in permanent or KEYWORD.encode() in permanent)


def _fetch(conn, uid: bytes) -> bytes | None:
    typ, data = conn.uid("FETCH", uid, "(BODY.PEEK[])")
    if typ != "OK":
        raise MailboxError("FETCH refused")
    for item in data or ():
        if isinstance(item, tuple) and len(item) == 2:
            return item[1]
    return None  # expunged by someone else meanwhile


def poll_mailbox(session_factory, now: dt.datetime, settings, store, known_division) -> PollCounts:
    """One pass over the configured mailbox. Raises MailboxError/OSError only for connection-level
    trouble; a message that fails is logged, left unflagged and counted in `failed`."""
    counts = PollCounts()
    conn = connect(settings)
    try:
        # Acknowledgements an earlier poll could not send (SMTP down), while their sealed code lives.
        acks.retry_pending(session_factory, now, settings)
        uidvalidity, keywords = _select(conn, settings.imap_mailbox)
        # Without keyword support the \\Seen flag is the fallback marker, at the cost that a human
        # reading a message in a mail client first would hide it from us.
        criteria, flag = ("UNKEYWORD", KEYWORD) if keywords else ("UNSEEN", "\\Seen")
        # No charset argument (imaplib skips a None argument, which the code passed here before).
        typ, data = conn.uid("SEARCH", criteria, *([flag] if keywords else []))
        if typ != "OK":
            raise MailboxError("SEARCH refused")
        uids = [u for u in (data[0] or b"").split() if re.fullmatch(rb"\d+", u)]
        # A backlog (after downtime, or a flood) hashes its receipts ahead on the other cores.
        with services.receipts_hashed_ahead() if len(uids) > 2 else contextlib.nullcontext():
            counts = _ingest_all(conn, uids, counts, session_factory, now, uidvalidity, settings, store,
                                 known_division, flag)
    finally:
        try:
            conn.logout()
        except (imaplib.IMAP4.error, OSError):
            pass
    purge_seals(session_factory, now)
    log.info("mail poll: %s", counts)
    return counts


def _ingest_all(conn, uids, counts: PollCounts, session_factory, now, uidvalidity, settings, store,
                known_division, flag) -> PollCounts:
    for uid in uids:
        try:
            status = _one(conn, session_factory, now, uid, uidvalidity, settings, store, known_division, flag)
        except (imaplib.IMAP4.abort, OSError):
            raise  # the connection is gone; the rest waits for the next poll
        except Exception:  # noqa: BLE001 — one bad message must not stop the others
            log.exception("mail uid %s could not be ingested", uid.decode())
            counts.failed += 1
            continue
        if status == "ingested":
            counts.new += 1
        elif status == "duplicate":
            counts.duplicates += 1
        elif status == "needs_manual":
            counts.needs_manual += 1
        elif status == "automatic":
            counts.automatic += 1
        elif status == "reply":
            counts.replies += 1
    return counts


def _one(conn, session_factory, now, uid: bytes, uidvalidity: int, settings, store, known_division,
         flag: str) -> str | None:
    raw = _fetch(conn, uid)
    if raw is None:
        return None
    with session_factory() as session:
        result = ingest(session, now, raw, mailbox=settings.imap_mailbox, uidvalidity=uidvalidity,
                        uid=int(uid), store=store, settings=settings, known_division=known_division,
                        acknowledge=True)
        commit_or_discard(session, result, store)
    conn.uid("STORE", uid, "+FLAGS", f"({flag})")
    if (result.created and result.row is not None and result.tip is not None
            and (result.row.ack_key or "").startswith(acks.CLAIM)):
        acks.acknowledge(session_factory, result.row.id, result.tip.id, result.parsed, result.receipt_code, settings)
    return result.status
