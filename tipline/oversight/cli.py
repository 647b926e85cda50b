"""`tipline retention run [--dry-run]`: the retention sweep from the command line."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from .. import timesource


@click.group("retention")
def retention_group():
    """Retention rules and legal holds."""


@retention_group.command("run")
@click.option("--dry-run", is_flag=True, help="only list what would be deleted or anonymised")
@click.option("--rules", "rules_path", default=None, help="a retention JSON file (default: the packaged rules)")
@with_appcontext
def retention_run(dry_run, rules_path):
    """Delete or anonymise what the retention rules say has expired (never what is under a hold)."""
    from ..extensions import db
    from . import retention
    try:
        rules = retention.load_rules(rules_path)
    except (retention.RetentionRuleError, OSError) as exc:
        raise click.ClickException(str(exc)) from exc
    now = timesource.now()
    if dry_run:
        result = retention.plan(db.session, now, rules)
        db.session.rollback()
    else:
        result = retention.apply(db.session, now, rules, current_app.extensions["evidence_store"], actor_label="cli")
    for line in result.lines():
        click.echo(line)
    verb = "would" if dry_run else "did"
    click.echo(f"retention ({'dry run' if dry_run else 'applied'}): {verb} delete {len(result.delete_tips)} tips, "
               f"anonymise {len(result.anonymise_tips)}, delete {len(result.delete_files)} evidence files, "
               f"purge {len(result.purge_mail)} raw mail messages; {len(result.held)} kept under legal hold")
