"""The `tipline` command line (Flask's CLI with the app factory)."""
from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from . import clock


def _create_app():
    from . import create_app
    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False)
def main():
    """Tipline: whistleblower tips, cases and rewards."""


@click.group("db")
def db_group():
    """Database schema."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@with_appcontext
def db_upgrade(revision):
    """Apply migrations up to REVISION, then add the shipped deadline-rule versions the table lacks."""
    from . import migrate
    migrate.upgrade(revision=revision)
    click.echo("database is at " + revision)
    if revision == "head":
        from .cases import clocks
        from .extensions import db
        added = clocks.seed_rules(db.session, clock.now())
        db.session.commit()
        if added:
            click.echo(f"deadline rules added: {added}")


@db_group.command("revision")
@click.option("-m", "--message", required=True)
@with_appcontext
def db_revision(message):
    """Autogenerate a migration from the models (developers)."""
    from . import migrate
    migrate.revision(message)


@click.group("users")
def users_group():
    """Staff accounts."""


@users_group.command("create")
@click.option("--username", required=True)
@click.option("--role", required=True, type=click.Choice(["officer", "supervisor", "finance", "admin", "auditor"]))
@click.option("--division", "division_code", default="410000", show_default=True, help="GB/T 2260 code")
@click.option("--name", "display_name", default="")
@click.option("--email", default="")
@click.password_option("--password", help="prompted when not given")
@with_appcontext
def users_create(username, role, division_code, display_name, email, password):
    """Create a staff account."""
    from .auth import services
    from .errors import ValidationFailed
    from .extensions import db
    divisions = current_app.extensions["divisions"]
    try:
        user = services.create_user(db.session, now=clock.now(), username=username, password=password, role=role,
                                    division_code=division_code, display_name=display_name, email=email,
                                    known_division=lambda c: c in divisions)
    except ValidationFailed as exc:
        db.session.rollback()
        problems = ", ".join(f"{k}: {v}" for k, v in exc.details["fields"].items())
        raise click.ClickException(f"account not created ({problems})")
    db.session.commit()
    click.echo(f"created {user.username} ({user.role}, {user.division_code})")


@click.command("demo")
@with_appcontext
def demo_cmd():
    """Load demo accounts and data (idempotent) and print the accounts."""
    from .demo import load_demo
    from .extensions import db
    accounts = load_demo(db.session, now=clock.now())
    db.session.commit()
    click.echo("Demo accounts (password for all: %s):" % accounts.password)
    for username, role, division in accounts.rows:
        click.echo(f"  {username:<14} {role:<11} {division}")
    if accounts.receipts:
        click.echo("Demo reports (open them at /status with the receipt code):")
        from .intake.receipts import grouped
        for entity, code in accounts.receipts:
            click.echo(f"  {grouped(code)}  {entity}")


@click.group("audit")
def audit_group():
    """The audit trail."""


@audit_group.command("verify")
@with_appcontext
def audit_verify():
    """Recompute the hash chain; exit 1 naming the first broken event."""
    from .audit.services import verify
    from .extensions import db
    result = verify(db.session)
    if result.ok:
        click.echo(f"audit chain intact: {result.checked} events")
        return
    click.echo(f"audit chain BROKEN at event {result.broken_id}: {result.reason} "
               f"({result.checked} events verified before it)", err=True)
    sys.exit(1)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@click.option("--no-scheduler", is_flag=True, help="do not run the scheduler in this process")
@with_appcontext
def serve_cmd(host, port, threads, no_scheduler):
    """Serve the app with waitress (single process), with the scheduler in-process."""
    import waitress
    app = current_app._get_current_object()
    scheduler = None
    if not no_scheduler and app.config["TIPLINE"].scheduler_enabled:
        from .scheduler import build
        scheduler = build(app, blocking=False)
        scheduler.start()
    click.echo(f"Tipline on http://{host}:{port}/ (scheduler {'on' if scheduler else 'off'})")
    if not app.config["TIPLINE"].secure_cookies:
        click.echo("Note: TIPLINE_SECURE_COOKIES is off, so cookies lack the Secure flag and the __Host- prefix. "
                   "That is only acceptable on this plain-HTTP loopback setup; set it to true behind HTTPS.")
    try:
        waitress.serve(app, host=host, port=port, threads=threads, ident="tipline")
    finally:
        if scheduler:
            scheduler.shutdown(wait=False)


@click.command("scheduler")
@with_appcontext
def scheduler_cmd():
    """Run the scheduler in the foreground (one or more processes; jobs are idempotent)."""
    from .scheduler import build
    scheduler = build(current_app._get_current_object(), blocking=True)
    click.echo("scheduler running; Ctrl+C stops it")
    scheduler.start()


@click.group("keys")
def keys_group():
    """Encryption keys."""


@keys_group.command("rotate")
@with_appcontext
def keys_rotate():
    """Re-encrypt all stored data and evidence files with the first configured key."""
    from . import crypto, keys
    from .audit import services as audit
    from .extensions import db
    ring = crypto.keyring()
    values = keys.rotate_database(db.session, ring)
    files = keys.rotate_files(current_app.config["TIPLINE"].instance_path / "evidence", ring)
    audit.record(db.session, now=clock.now(), action="keys.rotated", actor_label="cli",
                 details={"values": values, "files": files})
    db.session.commit()
    click.echo(f"re-encrypted {values} values and {files} files with the newest key")


def register(app):
    from .calendar.cli import calendar_group
    from .cases.cli import deadlines_group
    from .intake.email.cli import intake_group
    from .oversight.cli import retention_group
    from .rewards.cli import rewards_group
    for cmd in (db_group, users_group, demo_cmd, audit_group, serve_cmd, scheduler_cmd, keys_group, calendar_group,
                intake_group, rewards_group, deadlines_group, retention_group):
        app.cli.add_command(cmd)
    from .intake.hotline.tokens import tokens_group
    app.cli.add_command(tokens_group)
    from .inspections.cli import bodies_group, credit_group, plan_group
    for cmd in (bodies_group, plan_group, credit_group):
        app.cli.add_command(cmd)
