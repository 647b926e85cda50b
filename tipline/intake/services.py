"""Taking in tips from any channel, and the reporter's follow-up.

Functions take the session and `now`, raise domain errors, and leave committing to the caller,
so a tip, its identity, files and audit event commit together or not at all.
"""
from __future__ import annotations

import datetime as dt
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from .. import categories, crypto, events
from ..audit import services as audit
from ..errors import NotFound, ValidationFailed
from ..timesource import local_date
from ..validators import id_number_problem, normalise_id_number, normalise_uscc, uscc_problem
from . import receipts
from .models import CHANNELS, KINDS, KNOWLEDGE, EvidenceFile, Message, ReporterIdentity, Tip

MIN_DESCRIPTION = 20
MAX_DESCRIPTION = 20000
SEAL_LIFETIME = dt.timedelta(hours=1)


@dataclass
class TipInput:
    kind: str
    category_code: str
    entity_name: str
    division_code: str
    description: str
    channel: str = "web"
    entity_uscc: str = ""
    entity_address: str = ""
    occurred_on: dt.date | None = None
    knowledge: str = "other"
    reporter_name: str = ""
    reporter_id_number: str = ""
    reporter_phone: str = ""
    reporter_email: str = ""

    @property
    def has_identity(self) -> bool:
        return any((self.reporter_name, self.reporter_id_number, self.reporter_phone, self.reporter_email))


@dataclass
class Submission:
    tip: Tip
    receipt_code: str | None  # None: an earlier submission of the same form whose seal has expired
    created: bool
    files: list[EvidenceFile] = field(default_factory=list)


def validate(data: TipInput, *, today: dt.date, known_division) -> dict[str, str]:
    """Field name -> problem code, empty when the input is acceptable."""
    problems: dict[str, str] = {}
    if data.channel not in CHANNELS:
        problems["channel"] = "invalid"
    if data.kind not in KINDS:
        problems["kind"] = "invalid"
    # Mail and hotline tips arrive unstructured: triage sets the category, entity and division.
    structured = data.channel == "web"
    if categories.get(data.category_code) is None and (structured or data.category_code):
        problems["category_code"] = "invalid"
    if structured and not data.entity_name.strip():
        problems["entity_name"] = "required"
    elif len(data.entity_name) > 200:
        problems["entity_name"] = "too_long"
    if data.entity_uscc.strip():
        problem = uscc_problem(data.entity_uscc)
        if problem:
            problems["entity_uscc"] = "uscc_" + problem
    if len(data.entity_address) > 300:
        problems["entity_address"] = "too_long"
    if not known_division(data.division_code) or (structured and data.division_code == "410000"):
        problems["division_code"] = "invalid"
    if data.occurred_on and data.occurred_on > today:
        problems["occurred_on"] = "future"
    text = data.description.strip()
    if len(text) < MIN_DESCRIPTION:
        problems["description"] = "too_short"
    elif len(text) > MAX_DESCRIPTION:
        problems["description"] = "too_long"
    if data.knowledge not in KNOWLEDGE:
        problems["knowledge"] = "invalid"
    if data.reporter_id_number.strip():
        problem = id_number_problem(data.reporter_id_number, today=today)
        if problem:
            problems["reporter_id_number"] = "id_" + problem
    return problems


def _key() -> bytes:
    return crypto.keyring().hmac_key  # the instance HMAC key, also the receipt hash's pepper


def receipts_hashed_ahead():
    """Context for batch imports: receipt hashes computed in parallel with the items' database work."""
    return receipts.hashed_ahead(_key())


def submission_key(token: str) -> str:
    """What is stored for a form token: it keys the tip and the files waiting for it."""
    return receipts.token_key(token, _key())


def unsealed_receipt(tip: Tip, token: str) -> str | None:
    """The receipt code kept sealed for a refresh of the same submission (None once purged)."""
    return receipts.unseal(tip.sealed_receipt, token, _key())


def find_by_submission(session: Session, token: str) -> Tip | None:
    return session.scalar(select(Tip).where(Tip.submission_key == submission_key(token)))


def submit(session: Session, *, now: dt.datetime, data: TipInput, token: str, known_division,
           drafts: Sequence[EvidenceFile] = (), actor_label: str = "reporter", looked_up: bool = False,
           sealed: bool = True) -> Submission:
    """Store a new tip with its identity and evidence, or return the tip this form token already made.

    `looked_up`: the caller has just looked the token up in this transaction and found no tip, so the
    lookup is not repeated (a race is still caught by the unique key, below).
    `sealed`: keep a copy of the receipt code sealed with the token, so that a refresh of the same
    form shows it again (the web form). Channels whose token is no secret (a hotline call_id) or
    where no one is shown a receipt (demo data, a tip opened from an inspection) store none.
    Raises ValidationFailed(fields=...) for bad input. The caller commits, then shows the receipt.
    """
    existing = None if looked_up else find_by_submission(session, token)
    if existing is not None:
        return Submission(existing, receipts.unseal(existing.sealed_receipt, token, _key()), created=False)
    problems = validate(data, today=local_date(now), known_division=known_division)
    if problems:
        raise ValidationFailed("invalid tip", fields=problems)
    code, digest = receipts.issue(_key())
    tip = Tip(
        channel=data.channel, kind=data.kind, category_code=data.category_code,
        entity_name=data.entity_name.strip(), entity_uscc=normalise_uscc(data.entity_uscc) or None,
        entity_address=data.entity_address.strip(), division_code=data.division_code,
        occurred_on=data.occurred_on, description=data.description.strip(), knowledge=data.knowledge,
        anonymous=not data.has_identity, status="received", status_changed_at=now, received_at=now,
        receipt_hash=digest, submission_key=submission_key(token),
        sealed_receipt=receipts.seal(code, token, _key()) if sealed else None,
    )
    if data.has_identity:
        tip.identity = ReporterIdentity(
            name=data.reporter_name.strip() or None,
            id_number=normalise_id_number(data.reporter_id_number) or None,
            phone=data.reporter_phone.strip() or None, email=data.reporter_email.strip() or None,
        )
    try:
        # The INSERT must happen inside the savepoint, so a lost race rolls back only this attempt.
        with session.begin_nested():
            session.add(tip)
            session.flush()
    except IntegrityError:
        # The same form token won a race in another request: that submission stands.
        existing = find_by_submission(session, token)
        if existing is None:
            raise
        return Submission(existing, receipts.unseal(existing.sealed_receipt, token, _key()), created=False)
    for f in drafts:
        f.tip_id = tip.id
        f.draft_key = None
    session.flush()
    # The case workflow reacts (triage priority, entity register, duplicates); intake never imports it.
    events.publish(session, events.TipReceived(now=now, tip=tip))
    audit.record(session, now=now, action="tip.received", actor_label=actor_label, object_type="tip",
                 object_id=tip.id, details={"channel": tip.channel, "division": tip.division_code,
                                            "files": len(drafts), "anonymous": tip.anonymous})
    return Submission(tip, code, created=True, files=list(drafts))


def find_by_receipt(session: Session, typed: str) -> Tip | None:
    """The tip for a typed receipt code, or None. One HMAC and one indexed query; while hashes made
    before the switch to HMAC remain, a miss also tries the legacy Argon2id hash, and a tip found that
    way is re-hashed with HMAC (the caller commits). Wrong and unknown codes cost the same."""
    digits = receipts.normalise(typed)
    key = _key()
    tip = session.scalar(select(Tip).where(Tip.receipt_hash == receipts.code_hash(digits or "-", key)))
    if tip is None and _legacy_hashes_remain(session):
        tip = session.scalar(select(Tip).where(Tip.receipt_hash == receipts.legacy_code_hash(digits or "-", key)))
        if tip is not None and len(digits) == receipts.DIGITS:
            # A plain UPDATE: re-hashing is bookkeeping, not an edit (the tip's version is unchanged).
            session.execute(update(Tip).where(Tip.id == tip.id)
                            .values(receipt_hash=receipts.code_hash(digits, key)))
    return tip if len(digits) == receipts.DIGITS else None


# engine -> (any legacy hash left?, when checked). "None left" is final (no code makes new ones);
# "some left" is checked again after LEGACY_RECHECK seconds, as sign-ins re-hash them.
_legacy_state: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
LEGACY_RECHECK = 300.0


def _legacy_hashes_remain(session: Session) -> bool:
    engine = session.get_bind()
    known = _legacy_state.get(engine)
    if known is not None and (not known[0] or time.monotonic() - known[1] < LEGACY_RECHECK):
        return known[0]
    # Legacy hashes are 64 hex digits; current ones carry a prefix with ':' ("hmac:", or "split:").
    remain = session.scalar(select(Tip.id).where(Tip.receipt_hash.not_like("%:%")).limit(1)) is not None
    _legacy_state[engine] = (remain, time.monotonic())
    return remain


def load_for_reporter(session: Session, tip_id: int) -> Tip:
    """Raises NotFound."""
    tip = session.scalar(select(Tip).where(Tip.id == tip_id).options(
        selectinload(Tip.files), selectinload(Tip.messages)))
    if tip is None:
        raise NotFound("tip")
    return tip


def post_message(session: Session, *, now: dt.datetime, tip: Tip, body: str, author: str,
                 staff_user=None) -> Message:
    """Raises ValidationFailed(fields={'body': ...}) for an empty or huge message."""
    body = (body or "").strip()
    if not body:
        raise ValidationFailed("empty message", fields={"body": "required"})
    if len(body) > MAX_DESCRIPTION:
        raise ValidationFailed("message too long", fields={"body": "too_long"})
    msg = Message(tip_id=tip.id, author=author, staff_user_id=getattr(staff_user, "id", None), body=body,
                  created_at=now)
    session.add(msg)
    session.flush()
    audit.record(session, now=now, action=f"message.{author}", actor=staff_user,
                 actor_label=None if staff_user else "reporter", object_type="tip", object_id=tip.id,
                 details={"message": msg.id})
    return msg


def attach_files(session: Session, *, now: dt.datetime, tip: Tip, files: list[EvidenceFile], source: str,
                 actor=None) -> None:
    for f in files:
        f.tip_id = tip.id
        f.draft_key = None
        f.source = source
    session.flush()
    audit.record(session, now=now, action="evidence.added", actor=actor, actor_label=None if actor else source,
                 object_type="tip", object_id=tip.id, details={"files": [f.id for f in files]})


def reveal_identity(session: Session, *, now: dt.datetime, tip: Tip, user, reason: str) -> ReporterIdentity | None:
    """Return the reporter's identity and record who looked and why. Raises ValidationFailed without a reason."""
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ValidationFailed("reason required", fields={"reason": "required"})
    identity = session.scalar(select(ReporterIdentity).where(ReporterIdentity.tip_id == tip.id))
    audit.record(session, now=now, action="identity.viewed", actor=user, object_type="tip", object_id=tip.id,
                 details={"reason": reason, "present": identity is not None})
    return identity


def purge_expired_seals(session: Session, now: dt.datetime) -> int:
    """Forget sealed receipt copies after an hour: past that a refresh cannot show the code again."""
    from sqlalchemy import update
    # An UPDATE gives a CursorResult, which has the rowcount; Session.execute is typed with plain Result.
    result = cast(CursorResult[Any], session.execute(
        update(Tip).where(Tip.sealed_receipt.is_not(None), Tip.received_at < now - SEAL_LIFETIME)
        .values(sealed_receipt=None).execution_options(synchronize_session=False)))
    return result.rowcount or 0
