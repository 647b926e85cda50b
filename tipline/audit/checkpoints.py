"""Signed audit heads kept outside the database.

`tipline audit checkpoint` (and the scheduler, daily) appends the chain's current head as one JSON
line to TIPLINE_AUDIT_CHECKPOINT_PATH, signed with a key derived from the audit key, and may mail it
to the auditors. A database writer can truncate the chain or rewrite its tail and reset the head row;
`verify_file` then finds a checkpointed event that is gone or no longer carries the checkpointed hash.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import GENESIS, AuditEvent, AuditHead
from .services import audit_key

if TYPE_CHECKING:
    from ..config import Settings

VERSION = 1


def _signing_key() -> bytes:
    return hmac.new(audit_key(), b"tipline.audit.checkpoint.v1", hashlib.sha256).digest()


def _payload(at: str, last_id: int, head_hash: str) -> bytes:
    return json.dumps([VERSION, at, last_id, head_hash], separators=(",", ":")).encode()


def sign(at: str, last_id: int, head_hash: str) -> str:
    return hmac.new(_signing_key(), _payload(at, last_id, head_hash), hashlib.sha256).hexdigest()


def current(session: Session, now: dt.datetime) -> dict[str, Any]:
    """The chain's head as a signed checkpoint record."""
    head = session.get(AuditHead, 1)
    last_id, head_hash = (head.last_id, head.last_hash) if head else (0, GENESIS)
    at = now.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"v": VERSION, "at": at, "last_id": last_id, "hash": head_hash, "sig": sign(at, last_id, head_hash)}


def append(path: Path, record: dict[str, Any]) -> None:
    """Append one line durably (O_APPEND, fsync): earlier lines are never rewritten."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, (json.dumps(record, separators=(",", ":")) + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def mail(settings: Settings, record: dict[str, Any], recipients: list[str]) -> None:
    """Send the checkpoint to the auditors; raises one of tipline.mail.SEND_ERRORS."""
    from ..mail import deliver
    msg = EmailMessage()
    msg["To"] = ", ".join(recipients)
    msg["Subject"] = f"Tipline audit checkpoint {record['at']} (event {record['last_id']})"
    msg.set_content("Keep this line; `tipline audit verify --checkpoints FILE` checks the chain against it.\n\n"
                    + json.dumps(record, separators=(",", ":")) + "\n")
    deliver(settings, msg)


def write(session: Session, now: dt.datetime, settings: Settings) -> dict[str, Any]:
    """Append the current head to the checkpoint file and mail it to TIPLINE_AUDIT_CHECKPOINT_MAIL.
    The file is written first; a mail failure raises after it (the scheduler logs and retries next day)."""
    record = current(session, now)
    append(settings.checkpoint_path, record)
    recipients = [a.strip() for a in settings.audit_checkpoint_mail.split(",") if a.strip()]
    if recipients:
        mail(settings, record, recipients)
    return record


@dataclass
class Problem:
    line: int
    reason: str


def verify_file(session: Session, path: Path) -> tuple[int, list[Problem]]:
    """Check every checkpoint in `path`: its signature, and that the event it names still carries the
    checkpointed hash. Returns (checkpoints read, problems)."""
    problems: list[Problem] = []
    count = 0
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            count += 1
            try:
                rec = json.loads(line)
                at, last_id, head_hash, sig = rec["at"], int(rec["last_id"]), str(rec["hash"]), str(rec["sig"])
            except (ValueError, KeyError, TypeError):
                problems.append(Problem(n, "unreadable checkpoint"))
                continue
            if not hmac.compare_digest(sign(at, last_id, head_hash), sig):
                problems.append(Problem(n, "signature does not match (not written with this instance's audit key)"))
                continue
            if last_id == 0:
                continue
            stored = session.scalar(select(AuditEvent.hash).where(AuditEvent.id == last_id))
            if stored is None:
                problems.append(Problem(n, f"checkpointed event {last_id} is no longer in the chain"))
            elif not hmac.compare_digest(stored, head_hash):
                problems.append(Problem(n, f"event {last_id} no longer has the checkpointed hash"))
    return count, problems
