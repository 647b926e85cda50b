"""Baselines: the least a Flask + SQLAlchemy app must do for the same work, served like the real one.

POST /submit   parse the same multipart form, compute the same receipt hash
               (tipline.intake.receipts.code_hash(new_code(), key): HMAC-SHA256 with the same
               key), insert one row into its own table, commit, return a small page.
GET  /queue    the officer queue's keyset SELECT (same filter, order, columns, page size, cursor
               format as tipline.cases.queue, sort=priority) returning the 50 rows as JSON.

No CSRF, no session, no templates, no encryption, no audit chain, no hooks: that is the point.
Serve with: gunicorn --chdir /work/main bench.bare_app:app
"""
from __future__ import annotations

import base64
import datetime as dt
import json
import os

from flask import Flask, jsonify, request
from sqlalchemy import (Column, DateTime, Integer, LargeBinary, MetaData, String, Table, create_engine, insert,
                        text)

from tipline.intake.receipts import code_hash, new_code

URL = os.environ["TIPLINE_DATABASE_URL"]
KEY = os.environ["TIPLINE_HMAC_KEY"].encode()  # what crypto.keyring().hmac_key is in the real app
engine = create_engine(URL, pool_pre_ping=True, pool_size=5, max_overflow=5)
metadata = MetaData()
bare_tip = Table(
    "bench_bare_tip", metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(10), nullable=False),
    Column("category_code", String(40), nullable=False),
    Column("entity_name", String(200), nullable=False),
    Column("division_code", String(6), nullable=False),
    Column("description", LargeBinary, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("receipt_hash", String(64), nullable=False, unique=True),
)

TRIAGE_STATES = ("received", "in_triage", "transferred")
QUEUE_SQL = """
SELECT id, received_at, channel, kind, category_code, entity_name, entity_uscc, division_code, status, priority,
       version, case_id
FROM tip
WHERE status IN ('received', 'in_triage', 'transferred') {keyset}
ORDER BY queue_rank ASC, received_at ASC, id ASC
LIMIT 51
"""
# The same seekable row comparison the app uses (queue_rank = -priority).
KEYSET = "AND (queue_rank, received_at, id) > (-CAST(:p AS integer), :at, :i)"


def create_tables() -> None:
    metadata.create_all(engine)


app = Flask(__name__)


@app.post("/submit")
def submit():
    f = request.form
    code = new_code()
    row = dict(kind=f.get("kind", ""), category_code=f.get("category_code", ""),
               entity_name=f.get("entity_name", ""), division_code=f.get("division_code", ""),
               description=f.get("description", "").encode(), received_at=dt.datetime.now(dt.timezone.utc),
               receipt_hash=code_hash(code, KEY))
    with engine.begin() as conn:
        conn.execute(insert(bare_tip), row)
    return f"<p>receipt {code}</p>"


def _decode(cursor: str):
    return json.loads(base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()))


@app.get("/queue")
def queue():
    cursor = request.args.get("after")
    params, keyset = {}, ""
    if cursor:
        p, ts, i = _decode(cursor)
        params, keyset = {"p": p, "at": dt.datetime.fromisoformat(ts), "i": i}, KEYSET
    with engine.connect() as conn:
        rows = conn.execute(text(QUEUE_SQL.format(keyset=keyset)), params).mappings().all()
    nxt = None
    if len(rows) > 50:
        rows = rows[:50]
        last = rows[-1]
        nxt = base64.urlsafe_b64encode(json.dumps(
            [last["priority"], last["received_at"].isoformat(), last["id"]]).encode()).decode().rstrip("=")
    return jsonify(rows=[{k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in r.items()}
                         for r in rows], next=nxt)
