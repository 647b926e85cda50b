"""Receipt codes: 16 random digits (about 53 bits), shown once, stored only as a slow keyed hash."""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import unicodedata
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar

from argon2.low_level import Type, hash_secret_raw
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

DIGITS = 16
# Argon2id at the OWASP minimum (19 MiB, 2 passes): ~20-40 ms per lookup here. The cost is
# deliberate: someone holding a database copy but not the key still faces it per guess.
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
    # The salt is secret and fixed (derived from the instance key), so the hash is deterministic
    # and indexable while still keyed.
    salt = hmac.new(key, b"receipt-salt", hashlib.sha256).digest()[:16]
    raw = hash_secret_raw(code.encode(), salt, time_cost=ARGON_TIME, memory_cost=ARGON_MEMORY_KIB,
                          parallelism=ARGON_PARALLEL, hash_len=32, type=Type.ID)
    return raw.hex()


def issue(key: bytes) -> tuple[str, str]:
    """A new receipt code and its hash: from the batch pool when one is active here, else hashed now."""
    pool = _pool.get()
    if pool is not None and pool.key == key:
        return pool.take()
    return _fresh(key)


def _fresh(key: bytes) -> tuple[str, str]:
    code = new_code()
    return code, code_hash(code, key)


class _Pool:
    """Codes hashed ahead on worker threads. Argon2 releases the GIL, so while one item does its
    database work the next items' hashes are computed on the other cores. Codes are random and
    independent of the item that takes them; the ones never taken are dropped, never stored."""

    def __init__(self, key: bytes, executor: ThreadPoolExecutor, ahead: int):
        self.key = key
        self._executor = executor
        self._ahead: deque[Future] = deque(executor.submit(_fresh, key) for _ in range(ahead))

    def take(self) -> tuple[str, str]:
        result = self._ahead.popleft().result()
        self._ahead.append(self._executor.submit(_fresh, self.key))
        return result

    def close(self) -> None:
        for f in self._ahead:
            f.cancel()


_pool: ContextVar[_Pool | None] = ContextVar("receipt_pool", default=None)


@contextmanager
def hashed_ahead(key: bytes, workers: int | None = None):
    """For batch imports (mail, hotline files): receipt hashes for the coming items are computed in
    parallel with the current item's database work. Each item still gets its own Argon2id hash."""
    workers = workers or max(1, os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="receipt-hash") as executor:
        pool = _Pool(key, executor, ahead=workers * 2)
        token = _pool.set(pool)
        try:
            yield
        finally:
            _pool.reset(token)
            pool.close()


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
