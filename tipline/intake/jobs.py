"""Scheduled housekeeping for intake. Plain functions of (session, now, ...)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from .files.storage import EvidenceStore
from .models import EvidenceFile
from .services import purge_expired_seals

DRAFT_LIFETIME = dt.timedelta(hours=6)


def purge_drafts(session, now: dt.datetime, store: EvidenceStore) -> int:
    """Files left behind by report forms that were never completed: gone from storage and database."""
    stale = session.scalars(select(EvidenceFile).where(EvidenceFile.tip_id.is_(None),
                                                       EvidenceFile.created_at < now - DRAFT_LIFETIME)).all()
    for f in stale:
        session.delete(f)
    session.commit()
    for f in stale:  # after the commit: a crash in between leaves an orphan file, never a dangling row
        store.delete(f.stored_name)
    return len(stale)


def housekeeping(session, now: dt.datetime, store: EvidenceStore) -> None:
    purge_expired_seals(session, now)
    session.commit()
    purge_drafts(session, now, store)
