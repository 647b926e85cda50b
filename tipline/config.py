"""Typed settings read from TIPLINE_* environment variables.

Every value has a safe default for the embedded setup (SQLite in the instance folder, plain HTTP
on loopback). A value that cannot be parsed stops start-up with a message naming the variable.
"""
from __future__ import annotations

import base64
import dataclasses
import os
import secrets
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

PREFIX = "TIPLINE_"


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message names the variable."""


def _parse_bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{PREFIX}{name}: expected true/false, got {raw!r}")


def _parse_int(name: str, raw: str, minimum: int = 0) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        raise ConfigError(f"{PREFIX}{name}: expected a whole number, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{PREFIX}{name}: must be at least {minimum}, got {value}")
    return value


@dataclass(frozen=True)
class Settings:
    instance_path: Path
    database_url: str
    secret_key: str
    encryption_keys: tuple[str, ...]
    hmac_key: bytes
    default_locale: str = "zh"
    secure_cookies: bool = False
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    require_2fa: bool = False
    login_max_failures: int = 5
    login_lockout_minutes: int = 15
    ratelimit_storage_uri: str = "memory://"
    ratelimit_enabled: bool = True  # off only for load tests on loopback
    # Reverse proxies in front of the app that append to X-Forwarded-For (0: clients connect
    # directly and forwarding headers are ignored, so nobody can pick their own address).
    trusted_proxies: int = 0
    mail_server: str = "127.0.0.1"
    mail_port: int = 25
    mail_use_tls: bool = False
    mail_use_starttls: bool = False
    mail_username: str = ""
    mail_password: str = ""
    mail_sender: str = "tipline@localhost"
    hotline_phone: str = "12315"
    postal_mailbox: str = "河南省郑州市郑东新区 市场监督管理局 举报信箱"
    public_email: str = "jubao@example.gov.cn"
    intake_division: str = "410000"  # where unrouted mail and hotline tips land for triage
    imap_host: str = ""  # empty: no mailbox is polled
    imap_port: int = 0  # 0: the protocol default (993 for ssl, 143 otherwise)
    imap_user: str = ""
    imap_password: str = ""
    imap_mailbox: str = "INBOX"
    imap_security: str = "ssl"  # ssl | starttls | none (none only to a loopback host)
    imap_ca_file: str = ""  # PEM CA certificates for the IMAP server; empty: the system's trust store
    email_poll_minutes: int = 5
    email_ack: bool = True
    public_url: str = "http://127.0.0.1:5000"  # where reporters open /status, named in acknowledgements
    reminder_minutes: int = 15
    max_upload_mb: int = 50
    max_files: int = 10
    scheduler_enabled: bool = True
    # The audit chain's HMAC key (at least 32 characters); empty: derived from the HMAC key.
    audit_key: str = ""
    # Where `tipline audit checkpoint` appends signed chain heads (JSON lines); empty: instance/audit-checkpoints.jsonl.
    audit_checkpoint_path: str = ""
    audit_checkpoint_mail: str = ""  # comma-separated auditors' addresses that also receive each checkpoint
    # file | database; empty: database on PostgreSQL (one pg_dump holds tips and evidence), file on SQLite.
    evidence_store: str = ""
    testing: bool = False
    generated_secrets: tuple[str, ...] = ()  # secret files this start created (none existed)
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def audit_key_bytes(self) -> bytes:
        if self.audit_key:
            return self.audit_key.encode()
        from .crypto import derive_audit_key
        return derive_audit_key(self.hmac_key)

    @property
    def checkpoint_path(self) -> Path:
        return Path(self.audit_checkpoint_path) if self.audit_checkpoint_path else \
            self.instance_path / "audit-checkpoints.jsonl"

    @property
    def evidence_in_database(self) -> bool:
        if self.evidence_store:
            return self.evidence_store == "database"
        return self.database_url.startswith("postgresql")

    def as_flask_config(self) -> dict[str, Any]:
        cookie_name = "__Host-tipline" if self.secure_cookies else "tipline"
        return {
            "SECRET_KEY": self.secret_key,
            "TESTING": self.testing,
            "SESSION_COOKIE_NAME": cookie_name,
            "SESSION_COOKIE_SECURE": self.secure_cookies,
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_PATH": "/",
            "MAX_CONTENT_LENGTH": self.max_upload_mb * 1024 * 1024 * self.max_files + 1024 * 1024,
            "BABEL_DEFAULT_LOCALE": self.default_locale,
            "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
            "RATELIMIT_STORAGE_URI": self.ratelimit_storage_uri,
            "RATELIMIT_HEADERS_ENABLED": True,
            "RATELIMIT_ENABLED": self.ratelimit_enabled,
            "WTF_CSRF_TIME_LIMIT": None,
            "TIPLINE": self,
        }


def _secret_file(instance: Path, name: str, make, generated: list[str] | None = None) -> str:
    """Read a secret from the instance folder, creating it (mode 0600) on first run (its path is
    then added to `generated`, so start-up can take it back if the database was written with others)."""
    secrets_dir = instance / "secrets"
    path = secrets_dir / name
    if path.exists():
        return path.read_text().strip()
    if generated is not None:
        generated.append(str(path))
    secrets_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    value = make()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value + "\n")
    return value


def _new_fernet_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def _check_fernet_key(name: str, key: str) -> str:
    try:
        raw = base64.urlsafe_b64decode(key.encode())
    except Exception:
        raw = b""
    if len(raw) != 32:
        raise ConfigError(f"{PREFIX}{name}: each key must be 32 url-safe base64 bytes (a Fernet key)")
    return key


_LOOPBACK = ("localhost", "::1", "[::1]")


def _check_imap(kwargs: dict[str, Any]) -> None:
    """Raises ConfigError for an unknown IMAP_SECURITY, plain IMAP to a host off this machine
    (the password and every reporter's mail would cross the network in clear), or an IMAP_CA_FILE
    that is missing, holds no PEM certificate, or is set while IMAP_SECURITY is none."""
    security = kwargs.get("imap_security", "ssl")
    if security not in ("ssl", "starttls", "none"):
        raise ConfigError(f"{PREFIX}IMAP_SECURITY: expected ssl, starttls or none, got {security!r}")
    host = str(kwargs.get("imap_host", "")).strip().lower()
    if security == "none" and host and not (host in _LOOPBACK or host.startswith("127.")):
        raise ConfigError(f"{PREFIX}IMAP_SECURITY: none is only allowed for a loopback host, not {host!r}")
    ca_file = str(kwargs.get("imap_ca_file", "") or "")
    if ca_file and security == "none":
        # A CA file says the operator expects TLS; silently polling in clear would betray that.
        raise ConfigError(f"{PREFIX}IMAP_CA_FILE is set but {PREFIX}IMAP_SECURITY is none: "
                          "use ssl or starttls, or unset the CA file")
    if ca_file:
        if not os.path.isfile(ca_file):
            raise ConfigError(f"{PREFIX}IMAP_CA_FILE: no such file {ca_file!r}")
        try:
            ssl.create_default_context(cafile=ca_file)
        except (OSError, ssl.SSLError) as exc:  # unreadable, or no PEM certificate in it
            raise ConfigError(f"{PREFIX}IMAP_CA_FILE: cannot load CA certificates from {ca_file!r}: {exc}") from None
    url = str(kwargs.get("public_url", "http://"))
    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"{PREFIX}PUBLIC_URL: expected an http:// or https:// address, got {url!r}")


def load_settings(env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Build Settings from the environment (or ``env``), then apply ``overrides``.

    Raises ConfigError naming the variable when a value is malformed.
    """
    env = os.environ if env is None else env

    def get(name: str, default: str | None = None) -> str | None:
        return env.get(PREFIX + name, default)

    instance = Path(overrides.pop("instance_path", None) or get("INSTANCE_PATH") or Path.cwd() / "instance")
    instance = instance.resolve()
    instance.mkdir(parents=True, exist_ok=True)

    database_url = overrides.pop("database_url", None) or get("DATABASE_URL") or f"sqlite:///{instance / 'tipline.db'}"
    if not (database_url.startswith("sqlite") or database_url.startswith("postgresql")):
        raise ConfigError(f"{PREFIX}DATABASE_URL: only sqlite:/// and postgresql+psycopg:// URLs are supported")
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://"):]

    generated: list[str] = []
    secret_key = get("SECRET_KEY") or _secret_file(instance, "secret_key", lambda: secrets.token_hex(32), generated)
    if len(secret_key) < 32:
        raise ConfigError(f"{PREFIX}SECRET_KEY: must be at least 32 characters")

    override_keys = overrides.pop("encryption_keys", None)
    raw_keys = ",".join(override_keys) if override_keys else (
        get("ENCRYPTION_KEYS") or _secret_file(instance, "encryption_keys", _new_fernet_key, generated))
    keys = tuple(_check_fernet_key("ENCRYPTION_KEYS", k.strip())
                 for k in raw_keys.replace("\n", ",").split(",") if k.strip())
    if not keys:
        raise ConfigError(f"{PREFIX}ENCRYPTION_KEYS: at least one key is needed")

    raw_hmac = get("HMAC_KEY") or _secret_file(instance, "hmac_key", lambda: secrets.token_hex(32), generated)
    if len(raw_hmac) < 32:
        raise ConfigError(f"{PREFIX}HMAC_KEY: must be at least 32 characters")

    kwargs: dict[str, Any] = {}
    locale = get("DEFAULT_LOCALE")
    if locale is not None:
        if locale not in ("zh", "en"):
            raise ConfigError(f"{PREFIX}DEFAULT_LOCALE: expected zh or en, got {locale!r}")
        kwargs["default_locale"] = locale
    typed = {f.name: f for f in dataclasses.fields(Settings)}
    for name in (
        "secure_cookies", "require_2fa", "mail_use_tls", "mail_use_starttls", "scheduler_enabled", "ratelimit_enabled",
        "email_ack",
    ):
        raw = get(name.upper())
        if raw is not None:
            kwargs[name] = _parse_bool(name.upper(), raw)
    for name, minimum in (
        ("session_idle_minutes", 1), ("session_absolute_hours", 1), ("login_max_failures", 1),
        ("login_lockout_minutes", 1), ("reminder_minutes", 1), ("mail_port", 1), ("max_upload_mb", 1), ("max_files", 1),
        ("imap_port", 0), ("email_poll_minutes", 1), ("trusted_proxies", 0),
    ):
        raw = get(name.upper())
        if raw is not None:
            kwargs[name] = _parse_int(name.upper(), raw, minimum)
    for name in (
        "ratelimit_storage_uri", "mail_server", "mail_username", "mail_password", "mail_sender",
        "hotline_phone", "postal_mailbox", "public_email", "intake_division",
        "imap_host", "imap_user", "imap_password", "imap_mailbox", "imap_security", "imap_ca_file", "public_url",
        "audit_key", "audit_checkpoint_path", "audit_checkpoint_mail", "evidence_store",
    ):
        raw = get(name.upper())
        if raw is not None:
            kwargs[name] = raw
    kwargs.update(overrides)
    _check_imap(kwargs)
    if kwargs.get("evidence_store", "") not in ("", "file", "database"):
        raise ConfigError(f"{PREFIX}EVIDENCE_STORE: expected file or database, got {kwargs['evidence_store']!r}")
    if kwargs.get("audit_key") and len(kwargs["audit_key"]) < 32:
        raise ConfigError(f"{PREFIX}AUDIT_KEY: must be at least 32 characters")
    unknown = set(kwargs) - set(typed)
    if unknown:
        raise ConfigError(f"unknown settings: {', '.join(sorted(unknown))}")
    return Settings(
        instance_path=instance,
        database_url=database_url,
        secret_key=secret_key,
        encryption_keys=keys,
        hmac_key=raw_hmac.encode(),
        generated_secrets=tuple(generated),
        **kwargs,
    )
