"""Fixture chain: database -> app -> client -> runner -> login helpers.

Each test gets its own database: a SQLite file in tmp_path, or, with TIPLINE_TEST_DATABASE_URL
set, its own PostgreSQL schema (dropped afterwards).
"""
from __future__ import annotations

import datetime as dt
import os
import re
import socket
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tipline import create_app
from tipline.extensions import db as _db
from tipline.models import metadata

from . import factories

PG_URL = os.environ.get("TIPLINE_TEST_DATABASE_URL")


class FakeClock:
    """Injected time: tests move it instead of sleeping."""

    def __init__(self, start: dt.datetime):
        self.current = start

    def __call__(self) -> dt.datetime:
        return self.current

    def advance(self, **kwargs) -> dt.datetime:
        self.current += dt.timedelta(**kwargs)
        return self.current


def _normalise_pg(url: str) -> str:
    return "postgresql+psycopg://" + url.split("://", 1)[1] if url.startswith("postgresql://") else url


@pytest.fixture
def database_url(tmp_path):
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    base = _normalise_pg(PG_URL)
    schema = "t_" + uuid.uuid4().hex[:16]
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def clock():
    return FakeClock(dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.timezone.utc))  # 09:30 in Zhengzhou, a Monday


@pytest.fixture
def app_settings(tmp_path, database_url):
    """Overrides for create_app; tests may add to this dict before `app` is built."""
    return {
        "instance_path": tmp_path / "instance",
        "database_url": database_url,
        "testing": True,
        "scheduler_enabled": False,
    }


@pytest.fixture
def app(app_settings, clock):
    application = create_app(app_settings)
    application.config["TIPLINE_CLOCK"] = clock
    # Rate limits count per client address, and every test client is 127.0.0.1: start each test
    # with empty counters so limits reached by earlier tests do not leak into this one.
    from tipline.extensions import limiter
    with application.app_context():
        limiter.reset()
    metadata.create_all(_db.engine)
    # No app context stays pushed: each test-client request gets its own, as in production.
    yield application
    _db.engine.dispose()


@pytest.fixture
def session(app):
    """A session of the test's own, outside any request (services take it as an argument)."""
    s = _db.factory()
    yield s
    s.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(session, clock):
    def make(**kwargs):
        user = factories.user(session, now=clock(), **kwargs)
        session.commit()
        return user
    return make


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or \
        re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in page"
    return match.group(1)


@pytest.fixture
def login(client):
    """Sign in through the real form (password only); returns the final response."""
    def do(username: str, password: str = factories.PASSWORD, follow: bool = True):
        page = client.get("/staff/login")
        return client.post("/staff/login", data={
            "csrf_token": csrf_token(page.get_data(as_text=True)),
            "username": username, "password": password,
        }, follow_redirects=follow)
    do.client = client
    return do


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sink:
    """A real SMTP server's mailbox: aiosmtpd hands every accepted message here."""

    def __init__(self):
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 — aiosmtpd's hook name
        self.messages.append((list(envelope.rcpt_tos), envelope.original_content or envelope.content))
        return "250 OK"


@pytest.fixture
def smtp_sink():
    from aiosmtpd.controller import Controller
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    sink.port = controller.port
    yield sink
    controller.stop()
