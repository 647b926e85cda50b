"""The `tipline` command line (Flask's CLI with the app factory)."""
from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from . import timesource


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
        from .cases.deadlines import clocks
        from .extensions import db
        added = clocks.seed_rules(db.session, timesource.now())
        db.session.commit()
        if added:
            click.echo(f"deadline rules added: {added}")
        from .audit.services import rekey
        if rekey(db.session, now=timesource.now(), actor_label="cli") is not None:
            click.echo("audit chain rekeyed: earlier events keep their plain hashes, later ones use the audit key")
        db.session.commit()
        from .fingerprint import ensure_fingerprints
        ensure_fingerprints(db.engine, current_app.config["TIPLINE"])


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


class _OneLineErrors(click.Command):
    """Bad arguments are one line ("Error: ...") and a non-zero exit, not a usage dump: other
    systems call these commands and read the reason."""

    def parse_args(self, ctx, args):
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            raise click.ClickException(exc.format_message().splitlines()[0]) from None


ROLES = ("officer", "supervisor", "finance", "admin", "auditor")


@users_group.command("create", cls=_OneLineErrors)
@click.argument("name", required=False)
@click.option("--role", default=None, help="one of " + ", ".join(ROLES))
@click.option("--division", "division_code", default="410000", show_default=True, help="GB/T 2260 code")
@click.option("--email", default="")
@click.option("--password-stdin", is_flag=True, help="read the password from the first line of standard input")
@click.option("--username", "username_alias", default=None, help="alias of NAME (older spelling)")
@click.option("--name", "display_name", default="", help="display name (defaults to NAME)")
@click.option("--password", default=None, help="the password on the command line (older spelling; prefer "
              "--password-stdin); prompted for when neither is given")
@with_appcontext
def users_create(name, role, division_code, email, password_stdin, username_alias, display_name, password):
    """Create a staff account: tipline users create NAME --role ROLE [--division CODE] [--email ADDR]
    [--password-stdin]. --username NAME and --password PW are kept as aliases."""
    from .auth import services
    from .errors import ValidationFailed
    from .extensions import db
    if name and username_alias and name != username_alias:
        raise click.ClickException("NAME and --username differ; give one of them")
    username = name or username_alias
    if not username:
        raise click.ClickException("NAME is required (tipline users create NAME --role ROLE)")
    if role not in ROLES:
        raise click.ClickException(f"--role must be one of {', '.join(ROLES)}, not {role!r}" if role
                                   else f"--role is required (one of {', '.join(ROLES)})")
    if email and ("@" not in email or any(c.isspace() for c in email) or len(email) > 254):
        raise click.ClickException(f"--email: not an address: {email!r}")
    if password_stdin and password is not None:
        raise click.ClickException("give --password-stdin or --password, not both")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise click.ClickException("--password-stdin: standard input had no password")
    elif password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    divisions = current_app.extensions["divisions"]
    try:
        user = services.create_user(db.session, now=timesource.now(), username=username, password=password, role=role,
                                    division_code=division_code, display_name=display_name, email=email,
                                    known_division=lambda c: c in divisions)
    except ValidationFailed as exc:
        db.session.rollback()
        problems = ", ".join(f"{k}: {v}" for k, v in exc.details["fields"].items())
        raise click.ClickException(f"account not created ({problems})") from None
    db.session.commit()
    click.echo(f"created {user.username} ({user.role}, {user.division_code})")


@click.command("demo")
@with_appcontext
def demo_cmd():
    """Load demo accounts and data (idempotent) and print the accounts."""
    from .demo import load_demo
    from .extensions import db
    accounts = load_demo(db.session, now=timesource.now())
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
@click.option("--checkpoints", "checkpoints_file", type=click.Path(exists=True, dir_okay=False),
              help="also check the chain against the signed heads in this file (tipline audit checkpoint)")
@with_appcontext
def audit_verify(checkpoints_file):
    """Recompute the keyed hash chain; exit 1 naming the first broken event or checkpoint."""
    from .audit import checkpoints
    from .audit.services import verify
    from .extensions import db
    result = verify(db.session)
    failed = False
    if result.ok:
        click.echo(f"audit chain intact: {result.checked} events")
    else:
        failed = True
        click.echo(f"audit chain BROKEN at event {result.broken_id}: {result.reason} "
                   f"({result.checked} events verified before it)", err=True)
    if checkpoints_file:
        count, problems = checkpoints.verify_file(db.session, checkpoints_file)
        for p in problems:
            click.echo(f"checkpoint line {p.line} FAILS: {p.reason}", err=True)
        if problems:
            failed = True
        else:
            click.echo(f"checkpoints match: {count}")
    if failed:
        sys.exit(1)


@audit_group.command("checkpoint")
@with_appcontext
def audit_checkpoint():
    """Append the chain's current head, signed, to TIPLINE_AUDIT_CHECKPOINT_PATH (and mail it if set)."""
    from .audit import checkpoints
    from .extensions import db
    from .mail import SEND_ERRORS
    settings = current_app.config["TIPLINE"]
    try:
        record = checkpoints.write(db.session, timesource.now(), settings)
    except SEND_ERRORS as exc:
        raise click.ClickException(f"checkpoint written to {settings.checkpoint_path} but not mailed: {exc}") from exc
    click.echo(f"checkpoint of event {record['last_id']} appended to {settings.checkpoint_path}")


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
        # waitress drops X-Forwarded-* from peers it does not trust (all, by default) before the app
        # sees them; with TIPLINE_TRUSTED_PROXIES set, ProxyFix (tipline.create_app) decides instead.
        forwarded = {"clear_untrusted_proxy_headers": False} if app.config["TIPLINE"].trusted_proxies else {}
        waitress.serve(app, host=host, port=port, threads=threads, ident="tipline", **forwarded)
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
    store = current_app.extensions["evidence_store"]
    if store.in_database:
        files += store.rotate_all(db.session)
    from .fingerprint import record_rotation
    record_rotation(db.session, current_app.config["TIPLINE"], timesource.now())
    audit.record(db.session, now=timesource.now(), action="keys.rotated", actor_label="cli",
                 details={"values": values, "files": files})
    db.session.commit()
    click.echo(f"re-encrypted {values} values and {files} files with the newest key")


@click.group("evidence")
def evidence_group():
    """Evidence storage."""


@evidence_group.command("migrate")
@with_appcontext
def evidence_migrate():
    """Move evidence files from instance/evidence into the database (idempotent, resumable)."""
    from . import crypto
    from .audit import services as audit
    from .extensions import db
    from .intake.dbstore import DatabaseEvidenceStore, migrate_files
    from .intake.files.storage import EvidenceStore
    settings = current_app.config["TIPLINE"]
    if not settings.evidence_in_database:
        raise click.ClickException("TIPLINE_EVIDENCE_STORE is file: set it to database (the default on "
                                   "PostgreSQL) before moving evidence into the database")
    files = EvidenceStore(settings.instance_path / "evidence", crypto.keyring())
    report = migrate_files(db.session, files, DatabaseEvidenceStore(crypto.keyring(), lambda: db.session))
    audit.record(db.session, now=timesource.now(), action="evidence.migrated", actor_label="cli",
                 details={"moved": report.moved, "already": report.already, "missing": report.missing,
                          "mismatched": report.mismatched})
    db.session.commit()
    click.echo(f"moved {report.moved} files into the database; {report.already} were there already")
    if report.missing:
        click.echo(f"no file and no database copy for evidence {report.missing}", err=True)
    if report.mismatched:
        click.echo(f"left in place, content does not match its recorded SHA-256: evidence {report.mismatched}",
                   err=True)
    if report.missing or report.mismatched:
        sys.exit(1)


def register(app):
    from .calendar.cli import calendar_group
    from .cases.cli import deadlines_group
    from .intake.email.cli import intake_group
    from .oversight.cli import retention_group
    from .rewards.cli import rewards_group
    for cmd in (db_group, users_group, demo_cmd, audit_group, serve_cmd, scheduler_cmd, keys_group, evidence_group,
                calendar_group,
                intake_group, rewards_group, deadlines_group, retention_group):
        app.cli.add_command(cmd)
    from .intake.hotline.tokens import tokens_group
    app.cli.add_command(tokens_group)
    from .inspections.cli import bodies_group, credit_group, plan_group
    for cmd in (bodies_group, plan_group, credit_group):
        app.cli.add_command(cmd)
