"""Imports that leave room for other writers on SQLite.

SQLite has one write lock. An import that commits and at once begins its next write transaction
takes the lock back before a waiting writer's busy handler wakes (it polls, sleeping up to 100 ms
between tries), so a web request or a second import can wait out its whole busy timeout and fail
with "database is locked". Each item is its own short transaction; after each, once the import has
held the lock for `budget` seconds since its last pause, it pauses `pause` seconds, longer than the
busy handler's longest sleep, so any waiting writer gets its turn. PostgreSQL locks rows, not the
database: no pause there.
"""
from __future__ import annotations

import contextlib
import time

# SQLite's default busy handler sleeps at most 100 ms between attempts (sqlite3.c, sqliteDefaultBusyCallback).
BUSY_HANDLER_MAX_SLEEP = 0.1


class WriterPacing:
    def __init__(self, enabled: bool, budget: float = 0.25, pause: float = BUSY_HANDLER_MAX_SLEEP + 0.03,
                 monotonic=time.monotonic, sleep=time.sleep):
        self.enabled, self.budget, self.pause = enabled, budget, pause
        self._monotonic, self._sleep = monotonic, sleep
        self._held = 0.0
        self.pauses = 0

    @classmethod
    def for_factory(cls, session_factory) -> "WriterPacing":
        bind = session_factory.kw.get("bind") if hasattr(session_factory, "kw") else None
        return cls(enabled=bind is not None and bind.dialect.name == "sqlite")

    @contextlib.contextmanager
    def turn(self):
        """Wrap one item's transaction (begun and committed inside)."""
        started = self._monotonic()
        try:
            yield
        finally:
            if self.enabled:
                self._held += self._monotonic() - started
                if self._held >= self.budget:
                    self._sleep(self.pause)  # real time: another process's busy handler must run
                    self._held = 0.0
                    self.pauses += 1
