"""Unbound extensions; create_app binds them."""
from __future__ import annotations

from contextvars import ContextVar

from flask import Flask, g, has_app_context, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_wtf import CSRFProtect
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from .ratelimit import client_key

# How SQLite transactions begin. Writes (POSTs, CLI, scheduler) take the write lock up front with
# IMMEDIATE, so concurrent writers queue on the busy timeout instead of failing when a read
# transaction later tries to upgrade; read-only requests (GET/HEAD) begin DEFERRED and run side by side.
sqlite_begin: ContextVar[str] = ContextVar("sqlite_begin", default="IMMEDIATE")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# How long a transaction waits for a lock before giving up (seconds). Pages and commands wait the
# busy timeout; the API for machines waits less and answers a JSON 503 with Retry-After instead
# (the call centre retries), so a long import or maintenance never leaves it hanging.
BUSY_TIMEOUT = 15.0
API_LOCK_WAIT = 5.0
lock_wait: ContextVar[float | None] = ContextVar("lock_wait", default=None)


class Database:
    """Engine and session factory for one app; one Session per app context."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.factory: sessionmaker[Session] | None = None

    def init_app(self, app: Flask, url: str) -> None:
        self.engine = make_engine(url)
        self.factory = sessionmaker(bind=self.engine, expire_on_commit=False)
        app.extensions["tipline_db"] = self

        @app.before_request
        def _begin_mode():
            g._sqlite_begin_token = sqlite_begin.set("DEFERRED" if request.method in SAFE_METHODS else "IMMEDIATE")
            if request.path.startswith("/api/"):
                g._lock_wait_token = lock_wait.set(API_LOCK_WAIT)

        @app.teardown_appcontext
        def _close(exc):  # noqa: ARG001
            session = g.pop("_tipline_session", None)
            if session is not None:
                session.close()
            token = g.pop("_sqlite_begin_token", None)
            if token is not None:
                sqlite_begin.reset(token)
            token = g.pop("_lock_wait_token", None)
            if token is not None:
                lock_wait.reset(token)

    @property
    def session(self) -> Session:
        if not has_app_context():
            raise RuntimeError("db.session needs an app context; services take a session argument")
        session = g.get("_tipline_session")
        if session is None:
            if self.factory is None:
                raise RuntimeError("the database is not set up (Database.init_app)")
            session = g._tipline_session = self.factory()
        return session


def make_engine(url: str, *, enforce_foreign_keys: bool = True) -> Engine:
    """An engine configured for a web server on either backend.

    SQLite: WAL, synchronous=FULL, a busy timeout, foreign keys on, and write transactions begun
    IMMEDIATE so two writers queue on the lock instead of failing mid-transaction.
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 15, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, record):  # noqa: ARG001
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA busy_timeout=15000")
            # Migrations turn enforcement off: SQLite batch migrations rebuild tables, and dropping the
            # old copy would otherwise cascade-delete every row that references it.
            cur.execute("PRAGMA foreign_keys=" + ("ON" if enforce_foreign_keys else "OFF"))
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn):
            wait = lock_wait.get()
            # Per transaction, since a pooled connection serves pages, the API and commands in turn.
            conn.exec_driver_sql(f"PRAGMA busy_timeout={int((BUSY_TIMEOUT if wait is None else wait) * 1000)}")
            conn.exec_driver_sql("BEGIN " + sqlite_begin.get())

        return engine
    engine = create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)

    @event.listens_for(engine, "begin")
    def _on_begin_pg(conn):
        wait = lock_wait.get()
        if wait is not None:  # SET LOCAL: this transaction only
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{int(wait * 1000)}ms'")

    return engine


db = Database()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=client_key, default_limits=[], headers_enabled=True)
