"""Receipt codes: 16 random digits (about 53 bits), shown once, stored only as a keyed hash.

The hash is HMAC-SHA256 keyed with the instance HMAC key (TIPLINE_HMAC_KEY or instance/secrets/hmac_key),
which is never in the database. A database copy without the key gives nothing to guess against; with
the key an attacker could have the rest of the instance too, so a slow hash on top bought little, while
it cost 20-40 ms of CPU on every submission and every status sign-in (issue 19; figures in
docs/benchmarks.md). Hashes made before that change (Argon2id with a secret salt) still verify
(`legacy_code_hash`); intake.services re-hashes each one with HMAC at its next successful sign-in.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import unicodedata
from contextlib import contextmanager

from argon2.low_level import Type, hash_secret_raw
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

DIGITS = 16
PREFIX = "hmac:"  # marks the current scheme; an unprefixed 64-hex value is a legacy Argon2id hash
# The legacy scheme: Argon2id at the OWASP minimum (19 MiB, 2 passes), kept only to verify old hashes.
ARGON_TIME = 2
ARGON_MEMORY_KIB = 19 * 1024
ARGON_PARALLEL = 1


def new_code() -> str:
    return f"{secrets.randbelow(10 ** DIGITS):0{DIGITS}d}"


def grouped(code: str) -> str:
    return " ".join(code[i:i + 4] for i in range(0, len(code), 4))


def normalise(typed: str) -> str:
    """Digits only; full-width digits and separators typed on a phone are accepted."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", typed or "") if ch.isdigit())


def code_hash(code: str, key: bytes) -> str:
    """What is stored and looked up for a receipt code: HMAC-SHA256 under the instance key (48 characters)."""
    digest = hmac.new(key, b"receipt\0" + code.encode(), hashlib.sha256).digest()
    return PREFIX + base64.urlsafe_b64encode(digest).decode().rstrip("=")


def legacy_code_hash(code: str, key: bytes) -> str:
    """The hash stored before HMAC (Argon2id, secret fixed salt derived from the key): verify only."""
    salt = hmac.new(key, b"receipt-salt", hashlib.sha256).digest()[:16]
    raw = hash_secret_raw(code.encode(), salt, time_cost=ARGON_TIME, memory_cost=ARGON_MEMORY_KIB,
                          parallelism=ARGON_PARALLEL, hash_len=32, type=Type.ID)
    return raw.hex()


def is_legacy(stored: str) -> bool:
    return len(stored) == 64 and ":" not in stored


def issue(key: bytes) -> tuple[str, str]:
    """A new receipt code and its hash."""
    code = new_code()
    return code, code_hash(code, key)


@contextmanager
def hashed_ahead(key: bytes, workers: int | None = None):
    """Kept for the batch importers' call sites: with HMAC (microseconds) nothing is worth hashing
    ahead on other threads any more, so this does nothing."""
    yield


def token_key(token: str, key: bytes) -> str:
    """The idempotency key stored for a form token (the token itself is never stored)."""
    return hmac.new(key, b"submission\0" + token.encode(), hashlib.sha256).hexdigest()


def _sealing_fernet(token: str, key: bytes) -> Fernet:
    # The instance HMAC key is the HKDF salt: the token alone (for mail, derived from the Message-ID
    # or content stored in the database) does not open the seal, so a database copy reveals no code.
    if not key:
        raise ValueError("a receipt seal needs the instance key")
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=hmac.new(key, b"receipt-seal", hashlib.sha256).digest(),
                   info=b"tipline receipt seal").derive(token.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def seal(code: str, token: str, key: bytes) -> bytes:
    return _sealing_fernet(token, key).encrypt(code.encode())


def unseal(sealed: bytes | None, token: str, key: bytes) -> str | None:
    if not sealed:
        return None
    try:
        return _sealing_fernet(token, key).decrypt(bytes(sealed)).decode()
    except InvalidToken:
        return None


def new_form_token() -> str:
    return secrets.token_urlsafe(32)
