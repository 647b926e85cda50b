"""The mail poller over TLS to a real Dovecot whose certificate comes from an internal CA.

Each test makes a throwaway CA and a server certificate for 127.0.0.1 / localhost (cryptography, no
openssl CLI) and starts a Dovecot with `ssl = required`: implicit TLS on one loopback port, STARTTLS
on another, and no login at all without TLS.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.policy
import imaplib
import ipaddress
import re
import ssl
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from sqlalchemy import func, select

from tipline.config import ConfigError, load_settings
from tipline.intake import services
from tipline.intake.email.models import MailMessage
from tipline.intake.email.poll import KEYWORD, connect
from tipline.intake.models import Tip

from .conftest import PASSWORD, USER, TLSFiles, free_port, running_dovecot, simple

TEXT = "某食品厂使用过期原料生产月饼，仓库里堆满了发霉的面粉。"
MESSAGE_ID = "<case300.20260302@mail.example.cn>"
REPORTER = "reporter300@example.cn"


# --- a throwaway PKI -----------------------------------------------------------------


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Tipline tests"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _pem_key(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


@dataclass
class CA:
    name: x509.Name
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate
    path: Path  # the CA certificate as a PEM file, what TIPLINE_IMAP_CA_FILE points to


def make_ca(directory: Path, common_name: str) -> CA:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.timezone.utc)
    name = _name(common_name)
    cert = (x509.CertificateBuilder()
            .subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    path = directory / f"{common_name.replace(' ', '-').lower()}.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return CA(name, key, cert, path)


def make_server_cert(directory: Path, ca: CA) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (IP SAN) and localhost signed by `ca`; returns (cert, key) paths."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.timezone.utc)
    ca_ski = ca.cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = (x509.CertificateBuilder()
            .subject_name(_name("localhost")).issuer_name(ca.name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                        x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
            .sign(ca.key, hashes.SHA256()))
    cert_path, key_path = directory / "server.pem", directory / "server.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(_pem_key(key))
    key_path.chmod(0o600)
    return cert_path, key_path


@dataclass
class PKI:
    ca: Path  # the mail server's internal CA (PEM)
    other: Path  # a second CA that has nothing to do with it
    cert: Path  # the server's certificate, signed by `ca`
    key: Path


@pytest.fixture
def pki(tmp_path) -> PKI:
    directory = tmp_path / "pki"
    directory.mkdir()
    ca = make_ca(directory, "Henan SAMR Internal CA")
    other = make_ca(directory, "Unrelated CA")
    cert, key = make_server_cert(directory, ca)
    return PKI(ca.path, other.path, cert, key)


@pytest.fixture
def dovecot_tls(tmp_path, pki):
    """Dovecot with `ssl = required`: STARTTLS on `port`, implicit TLS on `imaps_port` (on 127.0.0.1,
    and on 127.0.0.2, an address its certificate does not name)."""
    tls = TLSFiles(cert=pki.cert, key=pki.key, ca=pki.ca, imaps_port=free_port(),
                   imaps_addresses=("127.0.0.1", "127.0.0.2"))
    with running_dovecot(tmp_path, tls) as server:
        yield server


@pytest.fixture
def tls_app(app_settings, dovecot_tls, smtp_sink, clock, request):
    """Builds the app for the TLS Dovecot with the given security and CA file, as an operator would
    configure it (through load_settings, so the CA file is validated); returns (app, poll, session).
    Tests must not ask for `app` or `session` themselves: that would build the app before this."""
    from tipline.extensions import db
    from tipline.intake.email.poll import poll_mailbox

    def build(security: str, ca_file: Path | None, host: str = "127.0.0.1"):
        port = dovecot_tls.imaps_port if security == "ssl" else dovecot_tls.port
        app_settings.update(imap_host=host, imap_port=port, imap_user=USER, imap_password=PASSWORD,
                            imap_security=security, imap_ca_file=str(ca_file) if ca_file else "",
                            mail_server="127.0.0.1", mail_port=smtp_sink.port,
                            mail_sender="jubao@scjg.henan.example", public_url="https://jubao.example.cn")
        app = request.getfixturevalue("app")

        def poll():
            divisions = app.extensions["divisions"]
            return poll_mailbox(db.factory, clock(), app.config["TIPLINE"], app.extensions["evidence_store"],
                                lambda c: c in divisions)
        return app, poll, request.getfixturevalue("session")
    return build


def _deliver(server) -> None:
    server.append(simple(300, "月饼", TEXT.encode(), "utf-8"))


def _flags(server) -> set[bytes]:
    """The server-side flags of the delivered message, as a mail client would show them."""
    conn = server.connect()
    try:
        _, data = conn.uid("SEARCH", None, "HEADER", "Message-ID", MESSAGE_ID)
        uids = data[0].split()
        assert len(uids) == 1, "the message is no longer in the mailbox"
        _, fetched = conn.uid("FETCH", uids[0], "(FLAGS)")
        return set(imaplib.ParseFlags(fetched[0]))
    finally:
        conn.logout()


def _tip_count(session) -> int:
    session.rollback()  # a fresh snapshot (and SQLite's lock released) before counting
    return session.scalar(select(func.count()).select_from(Tip))


def _assert_ingested(session, smtp_sink, dovecot_tls) -> None:
    """The tip exists with the mail's text, the reporter got its receipt code, the message is flagged."""
    session.rollback()
    rows = session.scalars(select(MailMessage)).all()
    assert [(r.status, r.sender) for r in rows] == [("ingested", REPORTER)]
    tip = session.get(Tip, rows[0].tip_id)
    assert tip.channel == "email" and TEXT in tip.description and "月饼" in tip.description
    assert len(smtp_sink.messages) == 1
    rcpts, data = smtp_sink.messages[0]
    assert rcpts == [REPORTER]
    body = email.message_from_bytes(data, policy=email.policy.default).get_content()
    match = re.search(r"\b(\d{4} \d{4} \d{4} \d{4})\b", body)
    assert match, body
    found = services.find_by_receipt(session, match.group(1))
    assert found is not None and found.id == tip.id
    assert KEYWORD.encode() in _flags(dovecot_tls)


# --- (a), (b): the internal CA configured, both ways of doing TLS ----------------------


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_poll_over_tls_with_internal_ca(tls_app, pki, dovecot_tls, smtp_sink, security):
    _deliver(dovecot_tls)
    app, poll, session = tls_app(security, pki.ca)
    assert app.config["TIPLINE"].imap_ca_file == str(pki.ca)

    counts = poll()

    assert (counts.new, counts.duplicates, counts.needs_manual, counts.failed) == (1, 0, 0, 0)
    _assert_ingested(session, smtp_sink, dovecot_tls)
    # The server's own record: every login on the port the poller was given was over TLS (on the
    # implicit-TLS port the fixture's own connections log in too).
    assert set(dovecot_tls.logins(app.config["TIPLINE"].imap_port)) == {"TLS"}
    session.rollback()
    assert str(poll()).startswith("new 0, duplicates 0")  # flagged: the next poll finds nothing
    assert _tip_count(session) == 1


def test_the_login_log_tells_tls_from_clear(tls_app, pki, dovecot_tls):
    """What the assertion on `logins` above relies on: a login in clear on the STARTTLS port (which
    Dovecot allows from 127.0.0.1 to itself) is logged as such, not as TLS."""
    app, _, _ = tls_app("starttls", pki.ca)
    connect(dataclasses.replace(app.config["TIPLINE"], imap_security="none")).logout()
    assert dovecot_tls.logins(dovecot_tls.port) == ["secured"]


# --- (c): a certificate the configured trust does not cover ----------------------------


@pytest.mark.parametrize("security", ["ssl", "starttls"])
@pytest.mark.parametrize("trust", ["unrelated CA", "system trust store"])
def test_untrusted_certificate_fails_and_leaves_the_mail(tls_app, pki, dovecot_tls, smtp_sink, request,
                                                         security, trust):
    _deliver(dovecot_tls)
    app, poll, session = tls_app(security, pki.other if trust == "unrelated CA" else None)

    with pytest.raises(ssl.SSLCertVerificationError, match="certificate verify failed"):
        poll()
    # What the operator sees from the command (the scheduler logs the same exception).
    result = request.getfixturevalue("runner").invoke(args=["intake", "poll-email"])
    assert result.exit_code == 1
    assert "mailbox not polled" in result.output and "certificate verify failed" in result.output

    assert _tip_count(session) == 0
    assert session.scalar(select(func.count()).select_from(MailMessage)) == 0
    assert smtp_sink.messages == []
    flags = _flags(dovecot_tls)
    assert KEYWORD.encode() not in flags and b"\\Seen" not in flags

    # Nothing was lost: with the right CA file the same message comes in on the next poll.
    session.rollback()
    app.config["TIPLINE"] = dataclasses.replace(app.config["TIPLINE"], imap_ca_file=str(pki.ca))
    assert poll().new == 1
    _assert_ingested(session, smtp_sink, dovecot_tls)


def test_host_name_is_still_checked(tls_app, pki, dovecot_tls, smtp_sink):
    """The right CA, but the server is reached at an address its certificate does not name."""
    _deliver(dovecot_tls)
    _, poll, session = tls_app("ssl", pki.ca, host="127.0.0.2")
    with pytest.raises(ssl.SSLCertVerificationError, match="mismatch"):
        poll()
    assert _tip_count(session) == 0
    assert smtp_sink.messages == []
    assert KEYWORD.encode() not in _flags(dovecot_tls)


# --- (d): the setting itself -------------------------------------------------------------


def test_ca_file_defaults_to_the_system_trust_store(tmp_path):
    assert load_settings({}, instance_path=tmp_path).imap_ca_file == ""


def test_ca_file_is_read_from_the_environment(tmp_path, pki):
    settings = load_settings({"TIPLINE_IMAP_CA_FILE": str(pki.ca)}, instance_path=tmp_path)
    assert settings.imap_ca_file == str(pki.ca)


def test_missing_ca_file_fails_at_start_naming_the_variable(tmp_path):
    missing = tmp_path / "no-such-ca.pem"
    with pytest.raises(ConfigError) as info:
        load_settings({"TIPLINE_IMAP_CA_FILE": str(missing)}, instance_path=tmp_path)
    assert "TIPLINE_IMAP_CA_FILE" in str(info.value) and str(missing) in str(info.value)


@pytest.mark.parametrize("content", [b"", b"not a certificate\n", "private key"])
def test_ca_file_without_a_certificate_fails_at_start(tmp_path, pki, content):
    bad = tmp_path / "ca.pem"
    bad.write_bytes(pki.key.read_bytes() if content == "private key" else content)
    with pytest.raises(ConfigError) as info:
        load_settings({"TIPLINE_IMAP_CA_FILE": str(bad)}, instance_path=tmp_path)
    assert "TIPLINE_IMAP_CA_FILE" in str(info.value)


def test_ca_file_directory_fails_at_start(tmp_path):
    with pytest.raises(ConfigError, match="TIPLINE_IMAP_CA_FILE"):
        load_settings({"TIPLINE_IMAP_CA_FILE": str(tmp_path)}, instance_path=tmp_path)


def test_ca_file_with_plain_imap_fails_at_start(tmp_path, pki):
    """An operator who set a CA file expects TLS: polling in clear instead must not start silently."""
    with pytest.raises(ConfigError) as info:
        load_settings({"TIPLINE_IMAP_CA_FILE": str(pki.ca), "TIPLINE_IMAP_SECURITY": "none",
                       "TIPLINE_IMAP_HOST": "127.0.0.1"}, instance_path=tmp_path)
    assert "TIPLINE_IMAP_CA_FILE" in str(info.value) and "TIPLINE_IMAP_SECURITY" in str(info.value)
