"""Start-up, settings, headers, errors and language switching as a visitor sees them."""
from __future__ import annotations

import os
import stat

import pytest

from tipline import create_app
from tipline.config import ConfigError, load_settings


def test_home_page_is_chinese_by_default(client):
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    assert "举报" in html
    assert "English" in html  # the switch


def test_language_switch_is_remembered(client):
    resp = client.get("/lang/en?next=/staff/login")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/staff/login")
    html = client.get("/staff/login").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Staff sign-in" in html
    client.get("/lang/zh")
    assert '<html lang="zh-CN">' in client.get("/").get_data(as_text=True)


def test_language_switch_never_redirects_off_site(client):
    for target in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        resp = client.get("/lang/en", query_string={"next": target})
        assert resp.headers["Location"] in ("/", "http://localhost/")


def test_security_headers_on_every_page(client):
    for path in ("/", "/staff/login", "/no-such-page"):
        resp = client.get(path)
        csp = resp.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert resp.headers["X-Frame-Options"] == "DENY"
        assert resp.headers["Referrer-Policy"] == "no-referrer"
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["Cache-Control"] == "no-store"


def test_pages_have_no_inline_script(client):
    for path in ("/", "/staff/login"):
        html = client.get(path).get_data(as_text=True)
        assert "<script" not in html
        assert " style=" not in html  # the CSP forbids inline styles too


@pytest.mark.parametrize("locale,text", [("zh", "页面不存在"), ("en", "Page not found")])
def test_404_page_in_both_languages(client, locale, text):
    client.get(f"/lang/{locale}")
    resp = client.get("/missing")
    assert resp.status_code == 404
    assert text in resp.get_data(as_text=True)


def test_413_page_is_friendly(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    resp = client.post("/staff/login", data={"username": "x" * 5000})
    assert resp.status_code == 413
    assert "文件过大" in resp.get_data(as_text=True)


def test_secrets_generated_with_private_permissions(app):
    secrets_dir = app.config["TIPLINE"].instance_path / "secrets"
    for name in ("secret_key", "encryption_keys", "hmac_key"):
        mode = stat.S_IMODE(os.stat(secrets_dir / name).st_mode)
        assert mode == 0o600, name


def test_secrets_are_stable_across_restarts(tmp_path):
    a = load_settings({}, instance_path=tmp_path)
    b = load_settings({}, instance_path=tmp_path)
    assert a.secret_key == b.secret_key and a.encryption_keys == b.encryption_keys


@pytest.mark.parametrize("name,value", [
    ("SESSION_IDLE_MINUTES", "soon"),
    ("SECURE_COOKIES", "maybe"),
    ("DATABASE_URL", "mysql://x"),
    ("ENCRYPTION_KEYS", "not-a-key"),
    ("DEFAULT_LOCALE", "fr"),
    ("MAIL_PORT", "0"),
])
def test_bad_settings_fail_naming_the_variable(tmp_path, name, value):
    with pytest.raises(ConfigError) as info:
        load_settings({"TIPLINE_" + name: value}, instance_path=tmp_path)
    assert "TIPLINE_" + name in str(info.value)


def test_secure_cookie_mode_uses_host_prefix(tmp_path, database_url):
    app = create_app({"instance_path": tmp_path, "database_url": database_url, "secure_cookies": True,
                      "testing": True})
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-tipline"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    resp = app.test_client().get("/")
    assert "Strict-Transport-Security" in resp.headers


def test_database_is_configured_for_a_web_server(app, session):
    from sqlalchemy import text
    if session.bind.dialect.name == "postgresql":
        assert session.bind.dialect.driver == "psycopg"
        return
    assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert session.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
    assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert session.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
    # The session's transaction began IMMEDIATE: it already holds the write lock, so another
    # writer that will not wait is refused at once instead of deadlocking later.
    import sqlite3
    other = sqlite3.connect(session.bind.url.database, timeout=0, isolation_level=None)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        other.execute("BEGIN IMMEDIATE")
    session.rollback()
    other.execute("BEGIN IMMEDIATE")
    other.execute("ROLLBACK")
    other.close()
