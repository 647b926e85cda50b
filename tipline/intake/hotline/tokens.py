"""Bearer tokens for the call-centre system: `tipline tokens create|list|revoke`.

A token is shown once when created; the database keeps only its keyed hash (HMAC-SHA256 with the
instance key), so a database copy alone cannot be used to post calls.
"""
from __future__ import annotations

import datetime as dt
import secrets

import click
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from ... import crypto, timesource
from ...audit import services as audit
from ...errors import ValidationFailed
from .models import ApiToken

PREFIX = "tlh_"
MAX_TOKEN = 200


def token_hash(raw: str) -> str:
    return crypto.keyring().keyed_hash("api-token", raw)


def create(session: Session, *, now: dt.datetime, name: str) -> tuple[ApiToken, str]:
    """A new token under `name`; returns (row, the raw token to hand over). Raises ValidationFailed
    for an empty or overlong name, or a name that already has an active token."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationFailed("bad name", fields={"name": "required" if not name else "too_long"})
    if session.scalar(select(ApiToken).where(ApiToken.name == name, ApiToken.revoked_at.is_(None))):
        raise ValidationFailed("name in use", fields={"name": "in_use"})
    raw = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(name=name, token_hash=token_hash(raw), created_at=now)
    session.add(row)
    session.flush()
    audit.record(session, now=now, action="api_token.created", actor_label="cli", object_type="api_token",
                 object_id=row.id, details={"name": name})
    return row, raw


def revoke(session: Session, *, now: dt.datetime, name: str) -> int:
    """Revoke every active token under `name`; returns how many."""
    rows = session.scalars(select(ApiToken).where(ApiToken.name == name, ApiToken.revoked_at.is_(None))).all()
    for row in rows:
        row.revoked_at = now
        audit.record(session, now=now, action="api_token.revoked", actor_label="cli", object_type="api_token",
                     object_id=row.id, details={"name": name})
    session.flush()
    return len(rows)


def authenticate(session: Session, raw: str | None) -> ApiToken | None:
    """The active token for a presented bearer value, or None. One HMAC and one indexed lookup."""
    if not raw or len(raw) > MAX_TOKEN:
        return None
    return session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(raw),
                                                 ApiToken.revoked_at.is_(None)))


# --- command line ----------------------------------------------------------------------------


@click.group("tokens")
def tokens_group():
    """API tokens for the call-centre system."""


@tokens_group.command("create")
@click.option("--name", required=True, help="who holds the token, e.g. the call-centre system")
@with_appcontext
def tokens_create(name):
    """Issue a token; it is printed once and cannot be shown again."""
    from ...extensions import db
    try:
        row, raw = create(db.session, now=timesource.now(), name=name)
    except ValidationFailed as exc:
        db.session.rollback()
        problem = exc.details["fields"]["name"]
        raise click.ClickException("an active token with this name exists; revoke it first"
                                   if problem == "in_use" else f"token not created (name: {problem})") from exc
    db.session.commit()
    click.echo(f"token for {row.name} (shown once, store it in the call-centre system):")
    click.echo(raw)


@tokens_group.command("list")
@with_appcontext
def tokens_list():
    """List tokens (names and dates; the tokens themselves are not stored)."""
    from ...extensions import db
    rows = db.session.scalars(select(ApiToken).order_by(ApiToken.name, ApiToken.id)).all()
    if not rows:
        click.echo("no tokens")
    for row in rows:
        state = "active" if row.active else f"revoked {timesource.local(row.revoked_at):%Y-%m-%d %H:%M}"
        click.echo(f"{row.name:<30} created {timesource.local(row.created_at):%Y-%m-%d %H:%M}  {state}")


@tokens_group.command("revoke")
@click.argument("name")
@with_appcontext
def tokens_revoke(name):
    """Revoke the active token(s) under NAME at once."""
    from ...extensions import db
    count = revoke(db.session, now=timesource.now(), name=name)
    if not count:
        db.session.rollback()
        raise click.ClickException(f"no active token named {name}")
    db.session.commit()
    click.echo(f"revoked {count} token(s) named {name}")
