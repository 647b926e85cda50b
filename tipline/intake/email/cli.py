"""`tipline intake poll-email` and `tipline intake import-mail`."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ... import timesource


@click.group("intake")
def intake_group():
    """Tips arriving by mail and from the hotline."""


def _context():
    from ...extensions import db
    app = current_app
    divisions = app.extensions["divisions"]
    return db.factory, app.config["TIPLINE"], app.extensions["evidence_store"], (lambda c: c in divisions)


@intake_group.command("poll-email")
@with_appcontext
def poll_email():
    """Fetch new mail from the IMAP mailbox once and make tips of it."""
    from .poll import MailboxError, poll_mailbox
    factory, settings, store, known = _context()
    if not settings.imap_host:
        raise click.ClickException("TIPLINE_IMAP_HOST is not set")
    try:
        counts = poll_mailbox(factory, timesource.now(), settings, store, known)
    except (MailboxError, OSError) as exc:
        raise click.ClickException(f"mailbox not polled: {exc}") from exc
    click.echo(str(counts))


@intake_group.command("import-mail")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@with_appcontext
def import_mail(paths):
    """Import .eml files, mbox files or Maildir folders (again is harmless: nothing is made twice)."""
    import mailbox as mailboxlib

    from .importer import import_all, import_sources
    factory, settings, store, known = _context()
    items = []
    for path in paths:
        try:
            items += import_sources(path)
        except (OSError, mailboxlib.Error) as exc:
            raise click.ClickException(f"{path}: cannot read ({type(exc).__name__})") from exc
    with click.progressbar(items, label="importing mail") as bar:
        counts = import_all(factory, timesource.now(), bar, store=store, settings=settings, known_division=known)
    click.echo(f"new {counts['ingested']}, duplicates {counts['duplicate']}, unparseable {counts['needs_manual']}, "
               f"automatic {counts['automatic']}, replies {counts['reply']}")


from ..hotline.importer import import_hotline  # noqa: E402  (the hotline's command joins this group)

intake_group.add_command(import_hotline)
