"""`tipline intake import-hotline FILE`: a day's calls as JSON lines, one call object per line.

Each line is checked like an API request and stored in its own transaction, so a bad line never
holds back a good one; a call_id seen before (in the database or earlier in the file) is a
duplicate. Exit status 0 even with rejected lines; 1 when the file cannot be read.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ... import clock
from ...errors import ValidationFailed
from . import services


@dataclass
class ImportSummary:
    new: int = 0
    duplicates: int = 0
    rejected: list[tuple[int, str, str]] = field(default_factory=list)  # (line, field path, code)

    @property
    def rejected_lines(self) -> int:
        return len({n for n, _f, _c in self.rejected})


def import_lines(session_factory, now, lines, *, default_division: str, known_division, progress=None,
                 actor_label: str = "hotline-import") -> ImportSummary:
    """Import (line number, raw bytes) pairs; commits each new call on its own."""
    summary = ImportSummary()
    seen: set[str] = set()  # call_ids stored or found in this run: known duplicates without a query
    for number, raw in (progress if progress is not None else lines):
        if not raw.strip():
            continue
        try:
            payload = json.loads(raw.decode("utf-8-sig" if number == 1 else "utf-8"))
        except UnicodeDecodeError:
            summary.rejected.append((number, "body", "encoding"))
            continue
        except ValueError:
            summary.rejected.append((number, "body", "json"))
            continue
        data, errors = services.parse(payload, now=now, default_division=default_division,
                                      known_division=known_division)
        if errors:
            summary.rejected += [(number, path, code) for path, code in errors.items()]
            continue
        if data.call_id in seen:
            summary.duplicates += 1
            continue
        with session_factory() as session:
            try:
                result = services.receive(session, now=now, data=data, known_division=known_division,
                                          actor_label=actor_label)
                session.commit()
            except ValidationFailed as exc:  # parse() checks everything submit() does; kept for safety
                session.rollback()
                summary.rejected += [(number, path, code) for path, code in exc.details["fields"].items()]
                continue
        seen.add(data.call_id)
        if result.created:
            summary.new += 1
        else:
            summary.duplicates += 1
    return summary


def read_lines(path: Path) -> list[tuple[int, bytes]]:
    """Raises OSError when the file cannot be read."""
    return list(enumerate(Path(path).read_bytes().split(b"\n"), 1))


@click.command("import-hotline")
@click.argument("file", type=click.Path(path_type=Path))
@with_appcontext
def import_hotline(file):
    """Import a day's hotline calls from a JSON-lines FILE (again is harmless: call_ids are kept)."""
    from ...extensions import db
    from .api import message
    try:
        lines = read_lines(file)
    except OSError as exc:
        raise click.ClickException(f"{file}: cannot read ({exc.strerror or type(exc).__name__})")
    if lines and lines[-1][1] == b"":
        lines.pop()
    divisions = current_app.extensions["divisions"]
    settings = current_app.config["TIPLINE"]
    with click.progressbar(lines, label="importing hotline calls") as bar:
        summary = import_lines(db.factory, clock.now(), lines, progress=bar, default_division=settings.intake_division,
                               known_division=lambda c: c in divisions)
    click.echo(f"new {summary.new}, duplicates {summary.duplicates}, rejected {summary.rejected_lines}")
    for number, path, code in summary.rejected:
        click.echo(f"line {number}: {path}: {message(code)}")
