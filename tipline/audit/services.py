"""Writing and verifying the audit chain.

Each event's hash covers its own fields and the previous event's hash, so editing, deleting or
reordering any row breaks every hash after it; `verify` names the first broken event.

The hash is an HMAC-SHA256 with the audit key, which is not in the database (TIPLINE_AUDIT_KEY, or
derived from TIPLINE_HMAC_KEY): someone who can write the database but not read the instance's
secrets cannot recompute the chain after an edit. Chains written before the key (plain SHA-256)
keep their events: the first keyed event, "audit.rekeyed", binds the last plain hash under the key,
so the plain prefix cannot be rewritten either. `checkpoints.py` keeps signed heads outside the
database, which catches a truncated tail.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import GENESIS, AuditEvent, AuditHead

if TYPE_CHECKING:
    from ..actors import Actor


def _canonical(event_id: int, at: dt.datetime, actor_id: int | None, actor_label: str, action: str, object_type: str,
               object_id: str, details: str, prev_hash: str) -> bytes:
    at_utc = at.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    payload = [event_id, at_utc, actor_id, actor_label, action, object_type, object_id, details, prev_hash]
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


KEYED = "hmac-sha256"  # chains from before the key are "sha256" (audit_head.scheme's default)
REKEY_ACTION = "audit.rekeyed"
_key: bytes | None = None
_checkpoint_path: str | os.PathLike[str] | None = None


def configure(key: bytes, checkpoint_path: str | os.PathLike[str] | None = None) -> None:
    """Set the audit key (create_app does, from Settings.audit_key_bytes) and where checkpoints are kept."""
    global _key, _checkpoint_path
    _key = key
    _checkpoint_path = checkpoint_path


class ChainTampered(RuntimeError):
    """A chain that was checkpointed as keyed shows up in the old plain scheme."""


def _has_checkpoints() -> bool:
    if _checkpoint_path is None:
        return False
    try:
        with open(_checkpoint_path, encoding="utf-8") as fh:
            return any(json.loads(line).get("last_id", 0) > 0 for line in fh if line.strip())
    except (TypeError, OSError, ValueError, AttributeError):
        return False


def audit_key() -> bytes:
    if _key is None:
        raise RuntimeError("the audit key is not configured (create_app configures it)")
    return _key


def _plain_digest(ev: AuditEvent, prev_hash: str) -> str:
    """The old, unkeyed scheme: only used to verify events written before the rekey."""
    return hashlib.sha256(_canonical(ev.id, ev.at, ev.actor_id, ev.actor_label, ev.action, ev.object_type,
                                     ev.object_id, ev.details, prev_hash)).hexdigest()


def _digest(ev: AuditEvent, prev_hash: str, key: bytes | None = None) -> str:
    return hmac.new(key or audit_key(), _canonical(ev.id, ev.at, ev.actor_id, ev.actor_label, ev.action,
                                                   ev.object_type, ev.object_id, ev.details, prev_hash),
                    hashlib.sha256).hexdigest()


def ensure_head(session: Session) -> None:
    if session.get(AuditHead, 1) is None:
        session.add(AuditHead(id=1, last_id=0, last_hash=GENESIS, scheme=KEYED))
        session.flush()


def _locked_head(session: Session) -> AuditHead:
    head = session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one_or_none()
    if head is None:
        ensure_head(session)
        head = session.get_one(AuditHead, 1)
    return head


def rekey(session: Session, *, now: dt.datetime, actor_label: str = "system") -> AuditEvent | None:
    """Switch a chain written with plain SHA-256 to the keyed scheme, once, in the caller's transaction.

    The old events stay as they are; the "audit.rekeyed" event is the first keyed one and names the
    last plain hash, so editing any plain event changes a hash covered by the key. Returns the event,
    or None when the chain is already keyed (or empty: then it is only marked keyed)."""
    head = _locked_head(session)
    if head.scheme == KEYED:
        return None
    if head.last_id == 0:
        head.scheme = KEYED
        session.flush()
        return None
    if _has_checkpoints():
        # Checkpoints are only written by keyed code: a plain chain now means someone rewrote it in the
        # old scheme and marked it unkeyed, hoping the rekey would vouch for the rewrite.
        raise ChainTampered("the audit chain is marked unkeyed but keyed checkpoints exist; "
                            "run `tipline audit verify --checkpoints FILE`")
    head.scheme = KEYED
    return _append(session, head, now=now, action=REKEY_ACTION, actor=None, actor_label=actor_label,
                   object_type="audit_chain", object_id="", details={
                       "scheme": KEYED, "plain_events": head.last_id, "plain_head": head.last_hash})


def record(session: Session, *, now: dt.datetime, action: str, actor: Actor | None = None,
           actor_label: str | None = None, object_type: str = "", object_id: Any = "",
           details: dict[str, Any] | None = None) -> AuditEvent:
    """Append an event in the caller's transaction (it commits or rolls back with the change)."""
    head = _locked_head(session)
    if head.scheme != KEYED:  # a chain from before the key: rekey first, so nothing keyed follows plain
        rekey(session, now=now)
    return _append(session, head, now=now, action=action, actor=actor, actor_label=actor_label,
                   object_type=object_type, object_id=object_id, details=details)


def _append(session: Session, head: AuditHead, *, now: dt.datetime, action: str, actor: Actor | None,
            actor_label: str | None, object_type: str, object_id: Any, details: dict[str, Any] | None) -> AuditEvent:
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
    """Recompute the chain from the first event; stop at the first event that does not fit.

    Events before the first "audit.rekeyed" event are checked with plain SHA-256, that event and
    every later one with the audit key; a chain without that event must be keyed from event 1."""
    key = audit_key()
    first_keyed = session.scalar(select(AuditEvent.id).where(AuditEvent.action == REKEY_ACTION)
                                 .order_by(AuditEvent.id).limit(1)) or 1
    head = session.get(AuditHead, 1)
    if first_keyed == 1 and head is not None and head.scheme != KEYED and head.last_id > 0:
        return VerifyResult(False, 0, 1, "the chain is not keyed yet: run `tipline db upgrade` to rekey it")
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
            digest = _digest(ev, prev_hash, key) if ev.id >= first_keyed else _plain_digest(ev, prev_hash)
            if not hmac.compare_digest(digest, ev.hash):
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
