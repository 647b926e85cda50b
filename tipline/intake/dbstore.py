"""Evidence kept in the database: the same encrypted blob as the file store, split into chunk rows.

With TIPLINE_EVIDENCE_STORE=database (the default on PostgreSQL) every app host reads every file,
one pg_dump holds tips and evidence together, and a file is written in the tip's own transaction:
a rollback or crash leaves neither a row without its file nor a file without its row. Chunks
belong to their evidence_file row (foreign key on stored_name, ON DELETE CASCADE, checked at
commit so the chunks may be flushed before the row).
"""
from __future__ import annotations

import hashlib
import secrets
from contextlib import contextmanager
from dataclasses import dataclass, field

from cryptography.fernet import InvalidToken
from sqlalchemy import ForeignKey, Integer, LargeBinary, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..db import Base

CHUNK = 256 * 1024  # bytes of ciphertext per row: well under PostgreSQL's 1 GB bytea limit, streams in pieces


class EvidenceChunk(Base):
    __tablename__ = "evidence_chunk"

    stored_name: Mapped[str] = mapped_column(
        String(32), ForeignKey("evidence_file.stored_name", ondelete="CASCADE", deferrable=True,
                               initially="DEFERRED"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


def split(token: bytes) -> list[bytes]:
    return [token[i:i + CHUNK] for i in range(0, len(token), CHUNK)] or [b""]


def _default_session() -> Session:
    from ..extensions import db
    return db.session


@contextmanager
def _reading(session: Session | None):
    """The caller's session; else the request's; else (scripts, jobs without an app context) a short one."""
    if session is not None:
        yield session
        return
    from flask import has_app_context
    if has_app_context():
        yield _default_session()
        return
    from ..extensions import db
    if db.factory is None:  # the app's init has not run: there is no database to read
        raise RuntimeError("database not initialised")
    with db.factory() as own:
        yield own


class DatabaseEvidenceStore:
    """EvidenceStore's interface over evidence_chunk rows; `session` is the caller's transaction."""

    in_database = True

    def __init__(self, keyring, session_provider=_default_session):
        self.keyring = keyring
        self._session = session_provider

    def put(self, data: bytes, session: Session | None = None) -> str:
        """Encrypt and add the chunks to the caller's session (committed with the tip); returns the name."""
        session = session or self._session()
        name = secrets.token_hex(16)
        self.put_token(session, name, self.keyring.encrypt(data))
        return name

    def put_token(self, session: Session, name: str, token: bytes) -> None:
        session.add_all(EvidenceChunk(stored_name=name, seq=i, data=part) for i, part in enumerate(split(token)))

    def token(self, name: str, session: Session | None = None) -> bytes:
        """The stored ciphertext; raises FileNotFoundError when there are no chunks."""
        with _reading(session) as session:
            parts = session.scalars(select(EvidenceChunk.data).where(EvidenceChunk.stored_name == name)
                                    .order_by(EvidenceChunk.seq)).all()
        if not parts:
            raise FileNotFoundError(name)
        return b"".join(bytes(p) for p in parts)

    def get(self, name: str, session: Session | None = None) -> bytes:
        """Raises FileNotFoundError, cryptography InvalidToken."""
        return self.keyring.decrypt(self.token(name, session))

    def exists(self, name: str, session: Session | None = None) -> bool:
        with _reading(session) as session:
            return session.scalar(select(EvidenceChunk.seq).where(EvidenceChunk.stored_name == name)
                                  .limit(1)) is not None

    def delete(self, name: str) -> bool:  # noqa: ARG002
        """Nothing to do: the chunks went with their evidence_file row (ON DELETE CASCADE), or with the
        rolled-back transaction that wrote them."""
        return False

    def rotate_all(self, session: Session, batch: int = 100) -> int:
        """Re-encrypt every stored blob with the first key (`tipline keys rotate`); commits per batch."""
        count, last = 0, ""
        while True:
            names = session.scalars(select(EvidenceChunk.stored_name).where(EvidenceChunk.seq == 0,
                                    EvidenceChunk.stored_name > last).order_by(EvidenceChunk.stored_name)
                                    .limit(batch)).all()
            if not names:
                return count
            for name in names:
                token = self.keyring.rotate(self.token(name, session))
                session.execute(delete(EvidenceChunk).where(EvidenceChunk.stored_name == name))
                self.put_token(session, name, token)
                count += 1
                last = name
            session.commit()


@dataclass
class MigrationReport:
    moved: int = 0
    already: int = 0  # in the database before this run (a file left by an interrupted run is removed)
    missing: list[int] = field(default_factory=list)  # evidence_file ids with neither a file nor chunks
    mismatched: list[int] = field(default_factory=list)  # file does not decrypt to its recorded SHA-256


def migrate_files(session: Session, files, store: DatabaseEvidenceStore, batch: int = 200) -> MigrationReport:
    """Move every evidence blob from the file store into the database store.

    Per file: read the ciphertext, check it decrypts to the recorded SHA-256, add its chunks, commit,
    read them back, and only then remove the file. Running it again skips what is done, so an
    interrupted run resumes; a file whose digest does not match stays where it is and is reported."""
    from .models import EvidenceFile
    report = MigrationReport()
    last = 0
    while True:
        rows = session.execute(select(EvidenceFile.id, EvidenceFile.stored_name, EvidenceFile.sha256)
                               .where(EvidenceFile.id > last).order_by(EvidenceFile.id).limit(batch)).all()
        session.rollback()
        if not rows:
            return report
        for file_id, name, digest in rows:
            last = file_id
            if store.exists(name, session):
                session.rollback()
                report.already += 1
                files.delete(name)
                continue
            try:
                token = files.token(name)
            except FileNotFoundError:
                report.missing.append(file_id)
                continue
            try:
                ok = hashlib.sha256(store.keyring.decrypt(token)).hexdigest() == digest
            except InvalidToken:
                ok = False
            if not ok:
                report.mismatched.append(file_id)
                continue
            store.put_token(session, name, token)
            session.commit()
            if store.token(name, session) != token:  # pragma: no cover — a database that lost the write
                raise RuntimeError(f"evidence {file_id}: chunks read back differ; file kept")
            session.rollback()
            files.delete(name)
            report.moved += 1
