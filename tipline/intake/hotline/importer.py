"""`tipline intake import-hotline FILE`: a day's calls as JSON lines, one call object per line.

Each line is checked like an API request and stored in its own transaction, so a bad line never
holds back a good one; a call_id seen before (in the database or earlier in the file) is a
duplicate when its content is the same, a conflict (reported per line, nothing changed) when not.
Exit status 0 even with rejected lines; 1 when the file cannot be read.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ... import timesource
from ...errors import ValidationFailed
from .. import pacing
from .. import services as intake
from . import digests, services


@dataclass
class ImportSummary:
    new: int = 0
    duplicates: int = 0
    rejected: list[tuple[int, str, str]] = field(default_factory=list)  # (line, field path, code)
    # (line, call_id, stored tip's reference, fields that differ): the same call_id with other content
    conflicts: list[tuple[int, str, str, list[str]]] = field(default_factory=list)

    @property
    def rejected_lines(self) -> int:
        return len({n for n, _f, _c in self.rejected})


def import_lines(session_factory, now, lines, *, default_division: str, known_division, progress=None,
                 actor_label: str = "hotline-import", on_new=None) -> ImportSummary:
    """Import (line number, raw bytes) pairs; commits each new call on its own.

    `on_new(call_id, receipt_code)` is called after each new call is committed: the only moment the
    code exists in clear (the command writes it to the --receipts file)."""
    summary = ImportSummary()
    # call_ids stored or found in this run, with their field digests and tip reference: a repeat
    # later in the file is recognised (or found to conflict) without a query.
    seen: dict[str, tuple[dict, str]] = {}
    pace = pacing.WriterPacing.for_factory(session_factory)
    with session_factory() as session, intake.receipts_hashed_ahead():
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
            if data is None:  # parse() gives None exactly when there are errors
                summary.rejected += [(number, path, code) for path, code in errors.items()]
                continue
            if data.call_id in seen:
                stored, reference = seen[data.call_id]
                new = digests.field_digests(data)
                differs = [name for name in digests.FIELD_ORDER if stored and stored.get(name) != new[name]]
                if differs:
                    summary.conflicts.append((number, data.call_id, reference, differs))
                else:
                    summary.duplicates += 1
                continue
            # Each call its own short transaction; on SQLite the import pauses now and then so other
            # writers (the API, a second import) get the write lock (intake.pacing).
            with pace.turn():
                try:
                    result = services.receive(session, now=now, data=data, known_division=known_division,
                                              actor_label=actor_label)
                    call_digests = result.call.field_digests
                    reference = result.tip.reference
                    session.commit()  # each call on its own: a later failure never takes an earlier call
                except ValidationFailed as exc:  # parse() checks everything submit() does; kept for safety
                    session.rollback()
                    summary.rejected += [(number, path, code) for path, code in exc.details["fields"].items()]
                    continue
                except BaseException:
                    session.rollback()
                    raise
            session.expunge_all()  # one session for the run; nothing of earlier calls is kept in it
            seen[data.call_id] = (json.loads(call_digests) if call_digests else {}, reference)
            if result.created:
                summary.new += 1
                if on_new is not None:
                    on_new(data.call_id, result.receipt_code)
            elif result.differs:
                summary.conflicts.append((number, data.call_id, reference, result.differs))
            else:
                summary.duplicates += 1
    return summary


def read_lines(path: Path) -> list[tuple[int, bytes]]:
    """Raises OSError when the file cannot be read."""
    return list(enumerate(Path(path).read_bytes().split(b"\n"), 1))


def open_receipts_file(path: Path):
    """A new file readable by its owner only; an existing file is never overwritten (its codes
    would be lost). Raises FileExistsError or OSError."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    return os.fdopen(fd, "w", encoding="utf-8")


@click.command("import-hotline")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--receipts", "receipts_path", type=click.Path(path_type=Path), default=None,
              help="Write each new call's receipt code here (JSON lines, mode 0600, must not exist yet), "
                   "for the call centre to give callers their codes.")
@with_appcontext
def import_hotline(file, receipts_path):
    """Import a day's hotline calls from a JSON-lines FILE (again is harmless: call_ids are kept).

    A caller whose call is imported from a file has not heard a receipt code yet. Only a keyed hash of
    each code is stored, so the codes exist in clear only during the import: give --receipts FILE to
    keep them for the call centre (and delete the file once they are passed on)."""
    from ...extensions import db
    from .api import message
    try:
        lines = read_lines(file)
    except OSError as exc:
        raise click.ClickException(f"{file}: cannot read ({exc.strerror or type(exc).__name__})") from exc
    if lines and lines[-1][1] == b"":
        lines.pop()
    out = None
    if receipts_path is not None:
        try:
            out = open_receipts_file(receipts_path)
        except FileExistsError as exc:
            raise click.ClickException(
                f"{receipts_path}: already exists; choose a new file for the receipt codes") from exc
        except OSError as exc:
            raise click.ClickException(
                f"{receipts_path}: cannot write ({exc.strerror or type(exc).__name__})") from exc

    def keep(call_id: str, code: str) -> None:
        out.write(json.dumps({"call_id": call_id, "receipt_code": code}, ensure_ascii=False) + "\n")
        out.flush()  # a code is on disk as soon as its call is committed

    divisions = current_app.extensions["divisions"]
    settings = current_app.config["TIPLINE"]
    try:
        with click.progressbar(lines, label="importing hotline calls") as bar:
            summary = import_lines(db.factory, timesource.now(), lines, progress=bar,
                                   default_division=settings.intake_division,
                                   known_division=lambda c: c in divisions, on_new=keep if out else None)
    finally:
        if out is not None:
            out.close()
    click.echo(f"new {summary.new}, duplicates {summary.duplicates}, conflicts {len(summary.conflicts)}, "
               f"rejected {summary.rejected_lines}")
    for number, path, code in summary.rejected:
        click.echo(f"line {number}: {path}: {message(code)}")
    for number, call_id, reference, differs in summary.conflicts:
        click.echo(f"line {number}: call_id {call_id} was stored before as tip {reference} with other content "
                   f"(differs: {', '.join(differs)}); nothing was changed")
    if summary.new and out is None:
        click.echo(f"warning: the receipt codes of the {summary.new} new calls were not kept "
                   "(give --receipts FILE to keep them for the callers)", err=True)
