"""`tipline deadlines ...`: the reminder sweep by hand (the scheduler runs it every few minutes)."""
from __future__ import annotations

import datetime as dt

import click
from flask import current_app
from flask.cli import with_appcontext

from .. import timesource


@click.group("deadlines")
def deadlines_group():
    """Statutory deadlines and reminders."""


@deadlines_group.command("sweep")
@click.option("--now", "at", default=None, help="ISO timestamp with offset (default: the current time)")
@with_appcontext
def sweep_cmd(at):
    """Send the reminders that are due; safe to run in several processes at once."""
    from ..extensions import db
    from .deadlines.reminders import sweep
    try:
        now = dt.datetime.fromisoformat(at) if at else timesource.now()
    except ValueError:
        raise click.ClickException("--now must be an ISO timestamp, e.g. 2026-03-02T09:00:00+08:00") from None
    if now.tzinfo is None:
        raise click.ClickException("--now needs a UTC offset, e.g. +08:00")
    result = sweep(db.session, now.astimezone(dt.timezone.utc), current_app.config["TIPLINE"])
    click.echo(f"reminders created {result.created}, sent {result.sent}, failed {result.failed}, mails {result.mails}")
