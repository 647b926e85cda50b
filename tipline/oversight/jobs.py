"""Scheduled oversight work: the daily retention sweep, a plain function of (session, now)."""
from __future__ import annotations

import datetime as dt
import logging

from . import retention

log = logging.getLogger("tipline.retention")


def retention_sweep(session, now: dt.datetime, store, rules: retention.Rules | None = None) -> retention.Plan:
    """Apply the retention rules (the packaged file unless `rules` is given); logs the counts."""
    done = retention.apply(session, now, rules or retention.load_rules(), store, actor_label="scheduler")
    log.info("retention: %d tips deleted, %d anonymised, %d files deleted, %d mail purged, %d kept under hold",
             len(done.delete_tips), len(done.anonymise_tips), len(done.delete_files), len(done.purge_mail),
             len(done.held))
    return done
