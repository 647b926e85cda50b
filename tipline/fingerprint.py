"""Key fingerprints in the database, so a host with different secrets refuses to start.

On several app hosts sharing one PostgreSQL database every host must hold the same secrets: a host
that generated its own on first start would write tips nobody else can decrypt, receipts that do not
match, audit events that break the chain. The first start stores, per secret, a keyed hash of a
constant (never the key); every later start compares. Encryption keys match when any configured key
has the stored fingerprint (the old key stays configured during a rotation).
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac

from sqlalchemy import String, inspect, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from .config import ConfigError
from .db import Base, UTCDateTime, insert_ignoring_conflicts, utcnow

CONSTANT = b"tipline.key-fingerprint.v1"


class InstanceFingerprint(Base):
    __tablename__ = "instance_fingerprint"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(64), nullable=False)
    set_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)


class KeyMismatch(ConfigError):
    """The configured secrets are not the ones this database was written with."""


def _fp(key: bytes) -> str:
    return hmac.new(key, CONSTANT, hashlib.sha256).hexdigest()


def expected(settings) -> dict[str, list[str]]:
    """Per secret, the fingerprints that are acceptable (first one is stored on first start)."""
    fernet = [_fp(base64.urlsafe_b64decode(k.encode())) for k in settings.encryption_keys]
    return {
        "encryption_key": fernet,
        "hmac_key": [_fp(settings.hmac_key)],
        "audit_key": [_fp(settings.audit_key_bytes)],
        "secret_key": [_fp(settings.secret_key.encode())],
    }


ADVICE = {
    "encryption_key": "TIPLINE_ENCRYPTION_KEYS (instance/secrets/encryption_keys)",
    "hmac_key": "TIPLINE_HMAC_KEY (instance/secrets/hmac_key)",
    "audit_key": "TIPLINE_AUDIT_KEY, or the TIPLINE_HMAC_KEY it is derived from",
    "secret_key": "TIPLINE_SECRET_KEY (instance/secrets/secret_key)",
}


def ensure_fingerprints(engine, settings, now: dt.datetime | None = None) -> None:
    """Store missing fingerprints, then compare all; raises KeyMismatch naming every differing secret.
    Does nothing before the table exists (the first `tipline db upgrade` creates it)."""
    if not inspect(engine).has_table(InstanceFingerprint.__tablename__):
        return
    wanted = expected(settings)
    with Session(engine) as session:
        for name, values in wanted.items():
            session.execute(insert_ignoring_conflicts(session, InstanceFingerprint, ["name"])
                            .values(name=name, value=values[0], set_at=now or utcnow()))
        session.commit()
        stored = dict(session.execute(select(InstanceFingerprint.name, InstanceFingerprint.value)).all())
    wrong = [name for name, values in wanted.items() if stored.get(name) not in values]
    if wrong:
        raise KeyMismatch(
            "this database was written with different secrets than this host has: "
            + "; ".join(ADVICE[n] for n in wrong)
            + ". Copy the secrets from a host already serving this database (the files under instance/secrets/), "
            "or set them in the environment on every host, then start again. New secrets would make "
            "the stored tips, evidence and receipts unreadable.")


def record_rotation(session: Session, settings, now: dt.datetime) -> None:
    """After `tipline keys rotate`: the first (new) key is the one the data is now encrypted with."""
    session.execute(update(InstanceFingerprint).where(InstanceFingerprint.name == "encryption_key")
                    .values(value=expected(settings)["encryption_key"][0], set_at=now))
