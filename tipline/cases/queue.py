"""The triage queue: filtered, sorted by priority, deadline or arrival, keyset-paginated.

One SELECT per page whatever the page number: no OFFSET, no per-row queries, and only the
columns a list shows (the encrypted text is never loaded here).
"""
from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, column, exists, literal_column, or_, select, tuple_, union_all
from sqlalchemy.orm import InstrumentedAttribute, Session

from ..divisions import packaged
from ..intake.models import Tip
from ..jurisdiction import division_filter
from .models import Assignment

PAGE_SIZE = 50
TRIAGE_STATES = ("received", "in_triage", "transferred")
# Complaints still being handled: awaiting acceptance after triage, or in mediation.
COMPLAINT_STATES = ("complaint", "mediation", "mediation_stopped")
SORTS = ("priority", "deadline", "newest")


@dataclass
class QueueFilter:
    channel: str = ""
    category: str = ""
    states: tuple[str, ...] = TRIAGE_STATES
    entity: str = ""
    mine: bool = False
    received_before: dt.datetime | None = None  # "deadline due": received on or before this moment
    sort: str = "priority"


# What a queue row shows: plain rows, not ORM objects (no identity map or instance state for
# 50 rows that are only read; that was a tenth of the page's time).
COLUMNS = (Tip.id, Tip.received_at, Tip.channel, Tip.kind, Tip.category_code, Tip.entity_name, Tip.division_code,
           Tip.status, Tip.priority)


@dataclass
class Page:
    rows: list[Row]
    next_cursor: str | None
    filters: QueueFilter = field(default_factory=QueueFilter)


def _encode(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def _decode(cursor: str):
    """Raises ValueError for a cursor that was not made here."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return json.loads(base64.urlsafe_b64decode(padded.encode()))
    except Exception as exc:  # noqa: BLE001 - any malformed cursor is the same error to the caller
        raise ValueError("bad cursor") from exc


def _ts(value: str) -> dt.datetime:
    """Raises ValueError for a malformed timestamp."""
    at = dt.datetime.fromisoformat(value)
    if at.tzinfo is None:
        raise ValueError("naive timestamp in cursor")
    return at


def queue_page(session: Session, user, f: QueueFilter, cursor: str | None = None,
               page_size: int = PAGE_SIZE) -> Page:
    """Raises ValueError for a malformed cursor or sort."""
    if f.sort not in SORTS:
        raise ValueError("bad sort")
    conditions: list[ColumnElement[bool]] = []
    if f.states:
        conditions.append(Tip.status.in_(f.states))
    if f.channel:
        conditions.append(Tip.channel == f.channel)
    if f.category:
        conditions.append(Tip.category_code.like(f.category + "%"))
    if f.entity:
        needle = f.entity.strip()
        conditions.append(or_(Tip.entity_uscc == needle.upper(), Tip.entity_name.contains(needle)))
    if f.received_before is not None:
        conditions.append(Tip.received_at <= f.received_before)
    if f.mine:
        conditions.append(or_(Tip.triaged_by_id == user.id, exists().where(
            Assignment.case_id == Tip.case_id, Assignment.user_id == user.id, Assignment.active.is_(True))))

    # Each order is uniform in direction so the cursor is a single row-value comparison, which
    # both PostgreSQL and SQLite turn into an index seek (an OR of column tests is not).
    if f.sort == "priority":
        keys: tuple[InstrumentedAttribute[Any], ...] = (Tip.queue_rank, Tip.received_at, Tip.id)
        descending = False
        if cursor:
            p, ts, i = _decode(cursor)
            conditions.append(tuple_(*keys) > tuple_(-int(p), _ts(ts), int(i)))
    else:  # deadline: the filing clock runs from receipt, so earliest received is earliest due
        keys, descending = (Tip.received_at, Tip.id), f.sort == "newest"
        if cursor:
            _, ts, i = _decode(cursor)
            after = tuple_(_ts(ts), int(i))
            conditions.append(tuple_(*keys) < after if descending else tuple_(*keys) > after)

    def ordered(columns):
        return [c.desc() if descending else c.asc() for c in columns]

    codes = _divisions_to_merge(user)
    if codes is None:
        stmt = select(*COLUMNS).where(division_filter(Tip.division_code, user), *conditions)
        stmt = stmt.order_by(*ordered(keys)).limit(page_size + 1)
    else:
        # A city's tips lie under several division codes, and no one index gives them in queue
        # order: PostgreSQL walked the whole province's queue index filtering for the city (a
        # small city's page took ~0.5 s at 1M tips). Each code's page comes from its own seek on
        # (division_code, order...), and the few hundred rows are merged: still one statement.
        # Built lean (each member read as `SELECT *`, the outer columns named once): SQLAlchemy's
        # column proxies for a dozen subqueries cost more than the query itself.
        extra = [k for k in keys if k.key not in {c.key for c in COLUMNS}]
        members: list[Select[Any]] = [select(literal_column("*")).select_from(
            select(*COLUMNS, *extra).where(Tip.division_code == code, *conditions)
            .order_by(*ordered(keys)).limit(page_size + 1).subquery(f"d{n}")) for n, code in enumerate(codes)]
        out = {c.key: column(c.key, c.type) for c in (*COLUMNS, *extra)}
        stmt = (select(*(out[c.key] for c in COLUMNS)).select_from(union_all(*members).subquery("merged"))
                .order_by(*ordered(out[k.key] for k in keys)).limit(page_size + 1))
    rows = session.execute(stmt).all()
    nxt = None
    if len(rows) > page_size:
        rows = rows[:page_size]
        last = rows[-1]
        nxt = _encode([last.priority, last.received_at.isoformat(), last.id])
    return Page(rows=list(rows), next_cursor=nxt, filters=f)


def _divisions_to_merge(user) -> list[str] | None:
    """The division codes of a city officer's jurisdiction when there are several (the city and its
    counties), else None: provincial staff read the whole queue and county staff one code. Every
    stored division code is one of the packaged list (intake, triage and transfers check it)."""
    if user.sees_all:
        return None
    codes = packaged().codes_within(user.division_code)
    return codes if len(codes) > 1 else None
