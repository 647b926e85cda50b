"""Several hosts on one PostgreSQL database must share their secrets: a host that would generate its own
refuses to start, tells the operator what to do, and leaves no new secret files behind."""
from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, select

from tipline import create_app
from tipline.config import load_settings
from tipline.fingerprint import InstanceFingerprint, KeyMismatch, ensure_fingerprints
from tipline.models import metadata

from .conftest import PG_URL


def _settings(tmp_path, url, **env):
    return load_settings({"TIPLINE_" + k.upper(): v for k, v in env.items()}, instance_path=tmp_path,
                         database_url=url)


def test_fingerprints_are_stored_once_and_compared(tmp_path, database_url):
    engine = create_engine(database_url)
    metadata.create_all(engine)
    first = _settings(tmp_path / "a", database_url)
    ensure_fingerprints(engine, first)
    with engine.connect() as conn:
        stored = dict(conn.execute(select(InstanceFingerprint.name, InstanceFingerprint.value)).all())
    assert set(stored) == {"encryption_key", "hmac_key", "audit_key", "secret_key"}
    secrets_text = "".join(p.read_text() for p in (tmp_path / "a" / "secrets").iterdir())
    assert not any(v in secrets_text for v in stored.values())  # hashes, not the keys
    assert first.hmac_key.decode() not in "".join(stored.values())
    ensure_fingerprints(engine, first)  # the same host again: fine

    other = _settings(tmp_path / "b", database_url)
    with pytest.raises(KeyMismatch) as exc:
        ensure_fingerprints(engine, other)
    message = str(exc.value)
    assert "TIPLINE_HMAC_KEY" in message and "TIPLINE_ENCRYPTION_KEYS" in message and "Copy the secrets" in message

    # During a key rotation the old key is still configured (second): accepted.
    new = Fernet.generate_key().decode()
    rotating = _settings(tmp_path / "a", database_url, encryption_keys=new + "," + first.encryption_keys[0])
    ensure_fingerprints(engine, rotating)
    engine.dispose()


@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL: the start-up check is for TIPLINE_DATABASE_URL on PostgreSQL")
def test_a_second_host_with_its_own_new_secrets_refuses_to_start(tmp_path, database_url, monkeypatch):
    for name in ("SECRET_KEY", "ENCRYPTION_KEYS", "HMAC_KEY", "AUDIT_KEY"):
        monkeypatch.delenv("TIPLINE_" + name, raising=False)
    host_a = create_app({"instance_path": tmp_path / "a", "database_url": database_url, "testing": True})
    up = host_a.test_cli_runner().invoke(args=["db", "upgrade"])
    assert up.exit_code == 0, up.output

    with pytest.raises(KeyMismatch, match="different secrets"):
        create_app({"instance_path": tmp_path / "b", "database_url": database_url, "testing": True})
    # The secrets this refused start generated are taken back, so the next attempt cannot pick them up.
    assert not [p for p in (tmp_path / "b" / "secrets").iterdir()]

    # With host A's secrets in its environment host B starts, and writes nothing to its own disk.
    secrets_a = {p.name: p.read_text().strip() for p in (tmp_path / "a" / "secrets").iterdir()}
    monkeypatch.setenv("TIPLINE_SECRET_KEY", secrets_a["secret_key"])
    monkeypatch.setenv("TIPLINE_ENCRYPTION_KEYS", secrets_a["encryption_keys"])
    monkeypatch.setenv("TIPLINE_HMAC_KEY", secrets_a["hmac_key"])
    host_b = create_app({"instance_path": tmp_path / "b", "database_url": database_url, "testing": True})
    assert host_b.config["TIPLINE"].generated_secrets == ()
    assert not [p for p in (tmp_path / "b" / "secrets").iterdir()]
