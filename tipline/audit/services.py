"""Writing and verifying the audit chain.

Each event's hash covers its own fields and the previous event's hash, so editing, deleting or
reordering any row breaks every hash after it; `verify` names the first broken event.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import GENESIS, AuditEvent, AuditHead


def _canonical(event_id: int, at: dt.datetime, actor_id, actor_label, action, object_type, object_id,
               details: str, prev_hash: str) -> bytes:
    at_utc = at.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    payload = [event_id, at_utc, actor_id, actor_label, action, object_type, object_id, details, prev_hash]
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _digest(ev: AuditEvent, prev_hash: str) -> str:
    return hashlib.sha256(_canonical(ev.id, ev.at, ev.actor_id, ev.actor_label, ev.action, ev.object_type,
                                     ev.object_id, ev.details, prev_hash)).hexdigest()


def ensure_head(session: Session) -> None:
    if session.get(AuditHead, 1) is None:
        session.add(AuditHead(id=1, last_id=0, last_hash=GENESIS))
        session.flush()


def record(session: Session, *, now: dt.datetime, action: str, actor=None, actor_label: str | None = None,
           object_type: str = "", object_id: Any = "", details: dict | None = None) -> AuditEvent:
    """Append an event in the caller's transaction (it commits or rolls back with the change)."""
    head = session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one_or_none()
    if head is None:
        ensure_head(session)
        head = session.get(AuditHead, 1)
    ev = AuditEvent(
        id=head.last_id + 1,
        at=now,
        actor_id=getattr(actor, "id", None),
        actor_label=actor_label or (getattr(actor, "username", None) or "system"),
        action=action,
        object_type=object_type,
        object_id=str(object_id or ""),
        details=json.dumps(details or {}, ensure_ascii=False, sort_keys=True, default=str),
        prev_hash=head.last_hash,
    )
    ev.hash = _digest(ev, head.last_hash)
    session.add(ev)
    head.last_id = ev.id
    head.last_hash = ev.hash
    session.flush()
    return ev


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    broken_id: int | None = None
    reason: str = ""


def verify(session: Session, batch: int = 5000) -> VerifyResult:
    """Recompute the chain from the first event; stop at the first event that does not fit."""
    prev_hash = GENESIS
    expected_id = 1
    checked = 0
    last_id = 0
    while True:
        rows = session.execute(
            select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
        ).scalars().all()
        if not rows:
            break
        for ev in rows:
            if ev.id != expected_id:
                return VerifyResult(False, checked, expected_id, "missing event")
            if ev.prev_hash != prev_hash:
                return VerifyResult(False, checked, ev.id, "previous hash does not match")
            if _digest(ev, prev_hash) != ev.hash:
                return VerifyResult(False, checked, ev.id, "content does not match its hash")
            prev_hash = ev.hash
            expected_id += 1
            checked += 1
            last_id = ev.id
        session.expunge_all()
    head = session.get(AuditHead, 1)
    if head is not None and (head.last_id != checked or head.last_hash != prev_hash):
        return VerifyResult(False, checked, checked + 1 if head.last_id > checked else head.last_id,
                            "events after the last valid one are missing")
    return VerifyResult(True, checked)
