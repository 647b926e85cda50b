"""The scheduler: APScheduler 3 in its own process (`tipline scheduler`), or inside `tipline serve`
for the embedded single-process setup. Web workers (gunicorn, wsgi.py) never start it.

Jobs are plain functions `job(session, now)`; this module only wires them to time.
"""
from __future__ import annotations

import datetime as dt
import logging

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy import update

from .auth.models import StaffSession
from .db import utcnow

log = logging.getLogger("tipline.scheduler")


def expire_staff_sessions(session, now: dt.datetime, idle: dt.timedelta, absolute: dt.timedelta) -> int:
    """End session records that idled out or passed their absolute lifetime."""
    result = session.execute(
        update(StaffSession)
        .where(StaffSession.ended_at.is_(None))
        .where((StaffSession.last_seen_at < now - idle) | (StaffSession.created_at < now - absolute))
        .values(ended_at=now, end_reason="expired")
    )
    session.commit()
    return result.rowcount or 0


def audit_checkpoint(session, now: dt.datetime, settings) -> dict:
    """The daily signed head outside the database (tipline.audit.checkpoints)."""
    from .audit import checkpoints
    record = checkpoints.write(session, now, settings)
    session.rollback()  # read-only: end the transaction
    return record


def _jobs(app):
    settings = app.config["TIPLINE"]
    idle = dt.timedelta(minutes=settings.session_idle_minutes)
    absolute = dt.timedelta(hours=settings.session_absolute_hours)
    from .cases.deadlines.reminders import sweep
    from .intake.jobs import housekeeping
    from .intake.reporter_sessions import purge as purge_reporter_sessions
    from .oversight.jobs import retention_sweep
    from .rewards.claims import forfeit_expired
    store = app.extensions["evidence_store"]
    jobs = [
        ("expire_staff_sessions", lambda s, now: expire_staff_sessions(s, now, idle, absolute), {"minutes": 5}),
        ("purge_reporter_sessions", lambda s, now: purge_reporter_sessions(s, now), {"minutes": 5}),
        ("intake_housekeeping", lambda s, now: housekeeping(s, now, store), {"minutes": 10}),
        ("deadline_reminders", lambda s, now: sweep(s, now, settings), {"minutes": settings.reminder_minutes}),
        ("reward_forfeiture", lambda s, now: forfeit_expired(s, now), {"hours": 6}),
        ("retention", lambda s, now: retention_sweep(s, now, store), {"hours": 24}),
        ("audit_checkpoint", lambda s, now: audit_checkpoint(s, now, settings), {"hours": 24}),
    ]
    if settings.imap_host:
        jobs.append(("poll_email", _email_job(app, store), {"minutes": settings.email_poll_minutes}))
    return jobs


def _email_job(app, store):
    from .extensions import db
    from .intake.email.poll import poll_mailbox
    settings, divisions = app.config["TIPLINE"], app.extensions["divisions"]
    # Each message gets its own session and commit, so the job's shared session is not used.
    return lambda _s, now: poll_mailbox(db.factory, now, settings, store, lambda c: c in divisions)


def _run(app, name, fn):
    from .extensions import db
    with app.app_context():
        try:
            fn(db.session, utcnow())
        except Exception:  # a failing job must not kill the scheduler; it runs again next time
            log.exception("job %s failed", name)


def build(app, blocking: bool):
    # Long misfire grace + coalesce: after downtime a job runs once to catch up instead of being dropped.
    sched_cls = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = sched_cls(timezone="UTC", job_defaults={"misfire_grace_time": 24 * 3600, "coalesce": True,
                                                         "max_instances": 1})
    for name, fn, interval in _jobs(app):
        scheduler.add_job(_run, "interval", args=(app, name, fn), id=name, **interval)
    return scheduler
