"""Start-up checks for running Tipline with several worker processes (gunicorn).

Flask-Limiter's `memory://` storage lives in each worker's memory: with two workers a client gets
two buckets (20 wrong receipt codes a minute instead of 10), and every restart forgets them. Every
limit of the app, the per-report claim-passphrase limit included, uses the limiter's storage, so
one shared store (Redis: TIPLINE_RATELIMIT_STORAGE_URI=redis://host:6379/0) makes them hold across
workers and hosts. Login throttling is in the database and holds anyway.

gunicorn.conf.py (loaded by gunicorn from the project folder) calls `check_workers` at start:
more than one worker with the storage left at its default refuses to start; set explicitly to
memory:// it starts with a warning (e.g. for a benchmark with rate limiting off).
"""
from __future__ import annotations

import logging
from typing import Mapping

VARIABLE = "TIPLINE_RATELIMIT_STORAGE_URI"

REFUSAL = (f"{{workers}} gunicorn workers with the default rate-limit storage (memory://): each worker would "
           f"count limits on its own, multiplying every limit by the number of workers. Set {VARIABLE} to a "
           f"shared store, e.g. redis://127.0.0.1:6379/0 (docs/deployment.md), or to memory:// explicitly "
           f"to accept per-worker limits.")
WARNING = (f"{{workers}} gunicorn workers with {VARIABLE}=memory://: rate limits (receipt codes, reports, "
           f"claim passphrases) are counted per worker and reset on restart; use Redis for real deployments.")


class StorageRefused(SystemExit):
    """Raised from gunicorn's on_starting hook: gunicorn exits without starting workers."""


def check_workers(workers: int, env: Mapping[str, str], log: logging.Logger | None = None) -> str | None:
    """Returns the warning logged, if any; raises StorageRefused for the unsafe default."""
    log = log or logging.getLogger("tipline.production")
    if workers <= 1 or env.get("TIPLINE_RATELIMIT_ENABLED", "").strip().lower() in ("0", "false", "no", "off"):
        return None  # one process, or no limits at all (load tests on loopback)
    uri = env.get(VARIABLE)
    if uri is None or not uri.strip():
        message = REFUSAL.format(workers=workers)
        log.error(message)
        raise StorageRefused(message)
    if uri.strip().startswith("memory://"):
        message = WARNING.format(workers=workers)
        log.warning(message)
        return message
    return None
