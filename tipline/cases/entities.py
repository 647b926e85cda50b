"""The entity register, triage priority and duplicate suggestions, applied when a tip arrives."""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import threading
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from sqlalchemy import LargeBinary, func, select, type_coerce
from sqlalchemy.orm import Session

from .. import categories, crypto
from ..jurisdiction import code_prefix
from ..intake.models import EvidenceFile, Tip, TipSuggestion
from .models import Entity

NAME_THRESHOLD = 85
TEXT_THRESHOLD = 70
# Bounded candidate window: suggestions stay cheap however many tips the province holds.
SUGGESTION_WINDOW = dt.timedelta(days=180)
SUGGESTION_CANDIDATES = 300
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


def normalise_name(name: str) -> str:
    return _PUNCT.sub("", unicodedata.normalize("NFKC", name or "")).lower()


@functools.lru_cache(maxsize=8192)
def _normalised(name: str | None) -> str:
    return normalise_name(name or "")


def entity_key(name: str, uscc: str | None) -> str | None:
    if uscc:
        return "uscc:" + uscc
    norm = normalise_name(name)
    return "name:" + norm[:200] if norm else None


def get_or_create_entity(session: Session, name: str, uscc: str | None) -> Entity | None:
    key = entity_key(name, uscc)
    if key is None:
        return None
    entity = session.scalar(select(Entity).where(Entity.key == key))
    if entity is None:
        entity = Entity(key=key, name=name.strip()[:200], uscc=uscc)
        session.add(entity)
        session.flush()
    return entity


@dataclass
class Priority:
    severity: int
    history: int
    evidence: int
    age: int

    @property
    def total(self) -> int:
        return self.severity + self.history + self.evidence + self.age

    @property
    def stored(self) -> int:
        """What the queue sorts on; age is left out because older tips already come first."""
        return self.severity + self.history + self.evidence


def priority_of(session: Session, tip: Tip, today: dt.date | None = None, entity: Entity | None = None) -> Priority:
    """`entity`, when the caller already holds the tip's entity, saves reading its history again."""
    cat = categories.get(tip.category_code)
    severity = (cat.severity if cat else 2) * 10
    history = 0
    if entity is not None:
        history = min(45, 15 * (entity.substantiated or 0))
    elif tip.entity_id:
        substantiated = session.scalar(select(Entity.substantiated).where(Entity.id == tip.entity_id)) or 0
        history = min(45, 15 * substantiated)
    files = session.scalar(select(func.count(EvidenceFile.id)).where(EvidenceFile.tip_id == tip.id,
                                                                      EvidenceFile.is_original.is_(False))) or 0
    evidence = (10 if files else 0) + (5 if tip.knowledge == "insider" else 0)
    age = min(30, (today - tip.received_at.date()).days) if today else 0
    return Priority(severity, history, evidence, max(0, age))


_TEXTS: OrderedDict[bytes, str] = OrderedDict()  # ciphertext digest -> the compared text (worker memory only)
_TEXTS_MAX = 4096
_TEXTS_LOCK = threading.Lock()


def _compared_text(ciphertext: bytes) -> str:
    """The first 2,000 characters of a tip's text, decrypted once per worker and then kept in a
    bounded in-memory LRU: every new tip compares against the same few hundred recent tips, and
    decrypting each of them for each arrival cost as much as the receipt hash. Keyed by a digest of
    the ciphertext, so a rotated or corrected text is a new entry; nothing is written anywhere."""
    digest = hashlib.sha256(ciphertext).digest()
    with _TEXTS_LOCK:
        text = _TEXTS.get(digest)
        if text is not None:
            _TEXTS.move_to_end(digest)
            return text
    text = crypto.keyring().decrypt(ciphertext).decode("utf-8")[:2000]
    with _TEXTS_LOCK:
        _TEXTS[digest] = text
        while len(_TEXTS) > _TEXTS_MAX:
            _TEXTS.popitem(last=False)
    return text


def suggest_related(session: Session, tip: Tip) -> list[TipSuggestion]:
    """Same credit code, a similar entity name, or similar text, among recent tips of the same city."""
    since = tip.received_at - SUGGESTION_WINDOW
    # Only the compared columns, the text as its ciphertext (decrypted lazily, see _compared_text).
    candidates = session.execute(
        select(Tip.id, Tip.entity_uscc, Tip.entity_name, type_coerce(Tip.description, LargeBinary))
        .where(Tip.id != tip.id, Tip.received_at >= since, code_prefix(Tip.division_code, tip.division_code[:4]))
        .order_by(Tip.received_at.desc()).limit(SUGGESTION_CANDIDATES)
    ).all()
    found: dict[int, TipSuggestion] = {}
    name = normalise_name(tip.entity_name)
    # Scores in bulk (rapidfuzz's C++ loop, the query preprocessed once); precedence as before:
    # same credit code, then a similar name, then similar text.
    names = {i: n for i, (_id, _u, other_name, _t) in enumerate(candidates) if (n := _normalised(other_name))}
    name_scores = {i: score for _c, score, i in process.extract(
        name, names, scorer=fuzz.token_set_ratio, score_cutoff=NAME_THRESHOLD, limit=None)} if name and names else {}
    texts = {i: _compared_text(bytes(t)) for i, (_id, _u, _n, t) in enumerate(candidates) if i not in name_scores}
    text_scores = {i: score for _c, score, i in process.extract(
        tip.description[:2000], texts, scorer=fuzz.token_set_ratio, score_cutoff=TEXT_THRESHOLD, limit=None)}
    for i, (other_id, other_uscc, _n, _t) in enumerate(candidates):
        if tip.entity_uscc and other_uscc == tip.entity_uscc:
            found[other_id] = TipSuggestion(tip_id=tip.id, other_id=other_id, reason="same_uscc", score=100)
        elif i in name_scores:
            found[other_id] = TipSuggestion(tip_id=tip.id, other_id=other_id, reason="similar_name",
                                            score=int(name_scores[i]))
        elif i in text_scores:
            found[other_id] = TipSuggestion(tip_id=tip.id, other_id=other_id, reason="similar_text",
                                            score=int(text_scores[i]))
    session.add_all(found.values())
    return list(found.values())


def on_tip_received(session: Session, now: dt.datetime, tip: Tip) -> None:
    """Registered as an intake hook: entity link, stored priority, related-tip suggestions, and the
    first statutory clock (whether to file; for a pure complaint, whether to accept)."""
    from ..calendar.service import WorkCalendar
    from . import clocks
    entity = get_or_create_entity(session, tip.entity_name, tip.entity_uscc)
    with session.no_autoflush:  # entity and priority reach the tip row in one UPDATE, not two
        tip.priority = priority_of(session, tip, entity=entity).stored
        tip.entity_id = entity.id if entity else None
    suggest_related(session, tip)
    kind = "complaint_acceptance" if tip.kind == "complaint" else "filing"
    clocks.start(session, kind=kind, on=clocks.local_date(tip.received_at), division_code=tip.division_code,
                 now=now, cal=WorkCalendar.load(session), tip_id=tip.id)
