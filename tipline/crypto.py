"""Encryption at rest and keyed hashes.

Tip text, reporter identity, files and 2FA secrets are encrypted with Fernet (AES-128-CBC +
HMAC-SHA256) from `cryptography`. Several keys may be configured: the first encrypts, all decrypt,
so keys can be rotated (`tipline keys rotate`) without downtime.
"""
from __future__ import annotations

import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class KeyRing:
    def __init__(self, keys: tuple[str, ...], hmac_key: bytes):
        if not keys:
            raise ValueError("at least one encryption key is needed")
        self._fernet = MultiFernet([Fernet(k.encode()) for k in keys])
        self._hmac_key = hmac_key

    def encrypt(self, data: bytes) -> bytes:
        return self._fernet.encrypt(data)

    def decrypt(self, token: bytes) -> bytes:
        """Raises cryptography.fernet.InvalidToken when no configured key fits."""
        return self._fernet.decrypt(token)

    def rotate(self, token: bytes) -> bytes:
        return self._fernet.rotate(token)

    @property
    def hmac_key(self) -> bytes:
        return self._hmac_key

    def keyed_hash(self, purpose: str, value: str | bytes) -> str:
        """HMAC-SHA256 of value, separated by purpose so hashes from different uses never match."""
        if isinstance(value, str):
            value = value.encode()
        return hmac.new(self._hmac_key, purpose.encode() + b"\0" + value, hashlib.sha256).hexdigest()


_current: KeyRing | None = None


def configure(ring: KeyRing) -> None:
    global _current
    _current = ring


def keyring() -> KeyRing:
    if _current is None:
        raise RuntimeError("encryption keys are not configured (create_app configures them)")
    return _current


__all__ = ["KeyRing", "InvalidToken", "configure", "keyring"]


def derive_audit_key(hmac_key: bytes) -> bytes:
    """The audit key when TIPLINE_AUDIT_KEY is not set: a keyed hash of a constant under the HMAC key."""
    return hmac.new(hmac_key, b"tipline.audit.chain.v1", hashlib.sha256).digest()
