"""The claim passphrase (domain.md §4): an anonymous reporter proves a reward claim with the
receipt code *and* a passphrase.

The receipt code opens the status page and is typed often, read out by hotline agents and sent in
acknowledgement e-mails; the passphrase is chosen by the reporter, typed only when it is set and
when a reward is claimed, and never shown again. It is stored as a salted Argon2id hash (the same
OWASP parameters as receipt codes), so a copy of the database does not reveal it.

It is set once: on the receipt page right after reporting (the form token shows it is the
reporter's own browser), or later on the status page while none is set (a reporter who reported by
e-mail or phone sets it there). Changing it is not offered: whoever holds only the
code must not be able to replace the genuine reporter's passphrase.
"""
from __future__ import annotations

import datetime as dt
import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from ..audit import services as audit
from ..errors import Conflict, ValidationFailed
from .receipts import ARGON_MEMORY_KIB, ARGON_PARALLEL, ARGON_TIME

MIN_LENGTH = 8
MAX_LENGTH = 128
_hasher = PasswordHasher(time_cost=ARGON_TIME, memory_cost=ARGON_MEMORY_KIB, parallelism=ARGON_PARALLEL)


def normalise(typed: str | None) -> str:
    """NFKC (full-width letters and digits typed on a phone count as their ASCII forms), outer spaces dropped."""
    return unicodedata.normalize("NFKC", typed or "").strip()


def problem(passphrase: str | None, confirm: str | None) -> dict[str, str]:
    """Field problems of a new passphrase: {} when it may be set."""
    p = normalise(passphrase)
    if not p:
        return {"passphrase": "required"}
    if len(p) < MIN_LENGTH:
        return {"passphrase": "passphrase_short"}
    if len(p) > MAX_LENGTH:
        return {"passphrase": "passphrase_long"}
    if normalise(confirm) != p:
        return {"passphrase_confirm": "passphrase_mismatch"}
    return {}


def hash_passphrase(passphrase: str) -> str:
    return _hasher.hash(normalise(passphrase))


def matches(stored: str | None, typed: str | None) -> bool:
    if not stored or not normalise(typed):
        return False
    try:
        return _hasher.verify(stored, normalise(typed))
    except (VerificationError, InvalidHashError):
        return False


def set_passphrase(session: Session, *, now: dt.datetime, tip, passphrase: str | None, confirm: str | None) -> None:
    """Set the tip's claim passphrase once. Raises Conflict when one is set, ValidationFailed."""
    if tip.claim_passphrase_hash:
        raise Conflict("passphrase already set", kind="passphrase_set")
    fields = problem(passphrase, confirm)
    if fields or passphrase is None:  # no passphrase is always a problem ("required")
        raise ValidationFailed("invalid passphrase", fields=fields)
    tip.claim_passphrase_hash = hash_passphrase(passphrase)
    audit.record(session, now=now, action="tip.passphrase_set", actor_label="reporter", object_type="tip",
                 object_id=tip.id)
