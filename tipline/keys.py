"""Key rotation: re-encrypt every encrypted column and evidence file with the newest key.

Operators put a new key first in TIPLINE_ENCRYPTION_KEYS (or instance/secrets/encryption_keys),
keep the old one after it, run `tipline keys rotate`, then remove the old key.
"""
from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import LargeBinary, column, select, table, update
from sqlalchemy.orm import Session

from .db import Base, EncryptedBytes, EncryptedText


def encrypted_columns():
    for mapper in Base.registry.mappers:
        tbl = mapper.local_table
        cols = [c.name for c in tbl.columns if isinstance(c.type, (EncryptedText, EncryptedBytes))]
        if cols:
            pk = [c.name for c in tbl.primary_key.columns]
            yield tbl.name, pk[0], cols


def rotate_database(session: Session, ring, batch: int = 500) -> int:
    changed = 0
    for table_name, pk, cols in encrypted_columns():
        t = table(table_name, column(pk), *[column(c, LargeBinary) for c in cols])
        last = None
        while True:
            stmt = select(t).order_by(t.c[pk]).limit(batch)
            if last is not None:
                stmt = stmt.where(t.c[pk] > last)
            rows = session.execute(stmt).all()
            if not rows:
                break
            for row in rows:
                values = {c: ring.rotate(bytes(row._mapping[c])) for c in cols if row._mapping[c] is not None}
                if values:
                    session.execute(update(t).where(t.c[pk] == row._mapping[pk]).values(**values))
                    changed += len(values)
                last = row._mapping[pk]
            session.commit()
    return changed


def rotate_files(root: Path, ring) -> int:
    count = 0
    if not root.exists():
        return 0
    for path in root.glob("*/*"):
        if not path.is_file() or path.name.startswith("."):
            continue
        rotated = ring.rotate(path.read_bytes())
        tmp = path.with_name("." + path.name + ".rotating")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(rotated)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        count += 1
    return count
