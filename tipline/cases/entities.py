"""The entity register, triage priority and duplicate suggestions, applied when a tip arrives."""
from __future__ import annotations

import datetime as dt
import functools
import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from sqlalchemy import LargeBinary, Row, bindparam, func, select, text, type_coerce
from sqlalchemy.orm import Session

from .. import categories, crypto
from ..db import insert_ignoring_conflicts
from ..divisions import PROVINCE_CODE, packaged
from ..intake.models import EvidenceFile, Tip, TipSuggestion
from ..jurisdiction import code_prefix
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
        # Two reports about the same new business can arrive at once (seen under load in
        # bench/intake.py: the loser took a 500 and nothing was stored). The insert skips a row the
        # other stored first, and this report then links to that row.
        entity = session.scalars(insert_ignoring_conflicts(session, Entity, ["key"]).values(
            key=key, name=name.strip()[:200], uscc=uscc, substantiated=0).returning(Entity)).first()
        if entity is None:
            entity = session.scalar(select(Entity).where(Entity.key == key))
            if entity is None:
                raise LookupError(f"entity {key!r} neither inserted nor found")
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


_TEXTS: OrderedDict[tuple, str] = OrderedDict()  # (id, version, receipt hash) -> compared text (worker memory)
_TEXTS_MAX = 4096
_TEXTS_LOCK = threading.Lock()


def _kept_text(key: tuple) -> str | None:
    with _TEXTS_LOCK:
        text = _TEXTS.get(key)
        if text is not None:
            _TEXTS.move_to_end(key)
        return text


def _keep_text(key: tuple, ciphertext: bytes) -> str:
    text = crypto.keyring().decrypt(ciphertext).decode("utf-8")[:2000]
    with _TEXTS_LOCK:
        _TEXTS[key] = text
        while len(_TEXTS) > _TEXTS_MAX:
            _TEXTS.popitem(last=False)
    return text


def _compared_texts(session: Session, wanted: dict[int, tuple]) -> dict[int, str]:
    """The first 2,000 characters of each wanted tip's text ({position: (id, version, receipt hash)}).

    Every arriving tip compares against the same few hundred recent tips, so their texts are kept in
    a bounded in-memory LRU (worker memory only, nothing is written) and only texts not kept yet are
    read and decrypted: before, all 300 ciphertexts were read from the database for every arrival.
    The key changes with the row's version (every ORM change bumps it, anonymisation included) and
    includes the tip's unique random receipt hash, so another database's tip with the same id and
    version (a restore, a test) never reads this one's text."""
    texts, missing = {}, {}
    for pos, key in wanted.items():
        text = _kept_text(key)
        if text is None:
            missing[key[0]] = pos
        else:
            texts[pos] = text
    if missing:
        for tip_id, version, receipt_hash, ciphertext in session.execute(
                select(Tip.id, Tip.version, Tip.receipt_hash, type_coerce(Tip.description, LargeBinary))
                .where(Tip.id.in_(missing))):
            texts[missing[tip_id]] = _keep_text((tip_id, version, receipt_hash), bytes(ciphertext))
    return texts


def _candidates(session: Session, tip: Tip) -> Sequence[Row[int, str | None, str, int, str]]:
    """The SUGGESTION_CANDIDATES newest tips of the tip's city (its four-digit code prefix: the city
    and its counties, or the province's own code) received within the window, with only the
    compared columns (texts come from _compared_texts, read only when not kept already)."""
    since = tip.received_at - SUGGESTION_WINDOW
    codes = _codes_with_prefix(tip.division_code[:4])
    if tip.division_code not in codes:  # not a packaged code (never stored): the plain range
        stmt = (select(*_COMPARED).where(Tip.id != tip.id, Tip.received_at >= since,
                                         code_prefix(Tip.division_code, tip.division_code[:4]))
                .order_by(Tip.received_at.desc(), Tip.id.desc()).limit(SUGGESTION_CANDIDATES))
        return session.execute(stmt).all()
    params = {f"c{n}": code for n, code in enumerate(codes)}
    return session.execute(_merged_candidates(len(codes)),
                           params | {"self_id": tip.id, "since": since, "n": SUGGESTION_CANDIDATES}).all()


_COMPARED = (Tip.id, Tip.entity_uscc, Tip.entity_name, Tip.version, Tip.receipt_hash)


@functools.lru_cache(maxsize=64)
def _codes_with_prefix(prefix: str) -> tuple[str, ...]:
    return tuple(c for c in packaged().codes_within(PROVINCE_CODE) if c.startswith(prefix))


@functools.lru_cache(maxsize=32)
def _merged_candidates(n_codes: int):
    """One index seek per division code on ix_tip_division_received (division_code, received_at, id),
    each reading at most :n entries newest first, merged; then the chosen rows by primary key.

    A single range over the city's codes cannot return them in time order, so when PostgreSQL's
    estimate was off (a table growing fast, as in a bulk hotline import) it read every tip of the
    city within the window and sorted them: each arriving tip cost more than the last (32 ms per
    imported call at 8,000 tips, 60 ms at 20,000). Written as SQL and kept per number of codes:
    built with SQLAlchemy's constructs, the thirteen subqueries of Zhengzhou cost 6 ms to build
    and 2 ms to key on every tip, more than the query itself (~2.5 ms at 1,000,000 tips)."""
    seek = ("SELECT * FROM (SELECT id, received_at FROM tip WHERE division_code = :c{n} AND id != :self_id"
            " AND received_at >= :since ORDER BY received_at DESC, id DESC LIMIT :n) AS d{n}")
    merged = " UNION ALL ".join(seek.format(n=n) for n in range(n_codes))
    return (text("SELECT tip.id, tip.entity_uscc, tip.entity_name, tip.version, tip.receipt_hash FROM tip"  # noqa: S608 - constants and range() numbers only; values are bound
                 f" JOIN (SELECT id, received_at FROM ({merged}) AS merged"
                 " ORDER BY received_at DESC, id DESC LIMIT :n) AS picked ON picked.id = tip.id"
                 " ORDER BY picked.received_at DESC, picked.id DESC")
            .bindparams(bindparam("since", type_=Tip.__table__.c.received_at.type))
            .columns(*_COMPARED))


def suggest_related(session: Session, tip: Tip) -> list[TipSuggestion]:
    """Same credit code, a similar entity name, or similar text, among recent tips of the same city."""
    candidates = _candidates(session, tip)
    found: dict[int, TipSuggestion] = {}
    name = normalise_name(tip.entity_name)
    # Scores in bulk (rapidfuzz's C++ loop, the query preprocessed once); precedence as before:
    # same credit code, then a similar name, then similar text.
    names = {i: n for i, (_id, _u, other_name, _v, _h) in enumerate(candidates) if (n := _normalised(other_name))}
    name_scores = {i: score for _c, score, i in process.extract(
        name, names, scorer=fuzz.token_set_ratio, score_cutoff=NAME_THRESHOLD, limit=None)} if name and names else {}
    texts = _compared_texts(session, {i: (other_id, version, receipt_hash) for i, (other_id, _u, _n, version,
                                                                                 receipt_hash) in enumerate(candidates)
                                      if i not in name_scores})
    text_scores = {i: score for _c, score, i in process.extract(
        tip.description[:2000], texts, scorer=fuzz.token_set_ratio, score_cutoff=TEXT_THRESHOLD, limit=None)}
    for i, (other_id, other_uscc, *_rest) in enumerate(candidates):
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
    from ..calendar.services import WorkCalendar
    from .deadlines import clocks
    entity = get_or_create_entity(session, tip.entity_name, tip.entity_uscc)
    with session.no_autoflush:  # entity and priority reach the tip row in one UPDATE, not two
        tip.priority = priority_of(session, tip, entity=entity).stored
        tip.entity_id = entity.id if entity else None
    suggest_related(session, tip)
    kind = "complaint_acceptance" if tip.kind == "complaint" else "filing"
    clocks.start(session, kind=kind, on=clocks.local_date(tip.received_at), division_code=tip.division_code,
                 now=now, cal=WorkCalendar.load(session), tip_id=tip.id)
