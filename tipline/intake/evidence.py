"""From uploaded files to stored evidence: type by content, metadata stripped, encrypted, hashed."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from .files.names import safe_display_name
from .files.scrubbing import strip_metadata
from .files.sniffing import UnsupportedFile, sha256_hex, sniff
from .files.storage import EvidenceStore
from .models import EvidenceFile


@dataclass
class Upload:
    filename: str
    data: bytes


@dataclass
class Rejected:
    filename: str
    reason: str  # too_large | too_many | unknown_type | not_allowed | empty | zip_bomb | image_bomb | corrupt


def read_uploads(storages, max_bytes: int) -> tuple[list[Upload], list[Rejected]]:
    """Read werkzeug FileStorage objects, refusing any over `max_bytes` without reading it all."""
    uploads, rejected = [], []
    for fs in storages or ():
        if fs is None or not getattr(fs, "filename", ""):
            continue
        data = fs.stream.read(max_bytes + 1)
        name = safe_display_name(fs.filename)
        if len(data) > max_bytes:
            rejected.append(Rejected(name, "too_large"))
        else:
            uploads.append(Upload(name, data))
    return uploads, rejected


def store_uploads(session: Session, *, now: dt.datetime, uploads: list[Upload], store,
                  keep_original: bool, source: str, room: int, draft_key: str | None = None
                  ) -> tuple[list[EvidenceFile], list[Rejected]]:
    """Check, strip and store each upload; `room` is how many more files the tip may take.

    Images keep their pixels and lose identifying metadata; with `keep_original` the untouched
    file is stored too, marked as the original. Files already written are removed again by
    `discard` if the caller's transaction fails.
    """
    stored, rejected = [], []
    for up in uploads:
        if room <= 0:
            rejected.append(Rejected(up.filename, "too_many"))
            continue
        try:
            kind = sniff(up.data, up.filename)
            result = strip_metadata(up.data, kind)
        except UnsupportedFile as exc:
            rejected.append(Rejected(up.filename, exc.reason))
            continue
        original_hash = sha256_hex(up.data)
        versions = [(result.data, False, ",".join(result.removed))]
        if keep_original and result.stripped:
            versions.append((up.data, True, ""))
        for data, is_original, removed in versions:
            ev = EvidenceFile(stored_name=store.put(data, session), display_name=up.filename, mime=kind.mime,
                              family=kind.family, size=len(data), sha256=sha256_hex(data),
                              original_sha256=original_hash, metadata_removed=removed, is_original=is_original,
                              source=source, created_at=now, draft_key=draft_key)
            session.add(ev)
            stored.append(ev)
        room -= 1
    session.flush()
    return stored, rejected


def discard(store: EvidenceStore, evidence: list[EvidenceFile]) -> None:
    for ev in evidence:
        store.delete(ev.stored_name)
