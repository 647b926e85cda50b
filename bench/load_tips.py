"""Load N tips (default 1,000,000) into a migrated PostgreSQL database fast, plus staff users.

    python bench/load_tips.py --db tipline_bench --rows 1000000 [--instance DIR]

Rows go in with PostgreSQL COPY (psycopg `cursor.copy`, binary rows written with `write_row`),
straight into the `tip` table that the app's migrations created, bypassing the ORM, the receipt
hash, hooks and the audit trail. They spread over every county of Henan (Zhengzhou weighted
heavier), every category, channels, statuses (about 80% open for triage), priorities derived the
way triage stores them (severity x 10 + evidence/insider bonus), and received_at over three years.

The description column is ciphertext, as the app stores it: ONE description is encrypted with
the app's key ring (the same TIPLINE_ENCRYPTION_KEYS the servers use) and that ciphertext is
reused for every row. Any row therefore decrypts correctly, but they all read the same.
receipt_hash values are unique placeholders (the hash of a code nobody holds), so no loaded tip
can be opened from the status page.

Staff: a provincial officer (`bench_officer`, sees every division), a provincial supervisor, and
one supervisor per city (reminder recipients); password `bench password 123`.
"""
from __future__ import annotations

import os as _os
import sys as _sys

# bench/queue.py would shadow the standard library's `queue` (psycopg, urllib3 and gunicorn import
# it): keep this folder on the path, but after the standard library.
_here = _os.path.dirname(_os.path.abspath(__file__))
_sys.path[:] = [p for p in _sys.path if _os.path.abspath(p or ".") != _here] + [_here]

import argparse
import datetime as dt
import random
import time

import psycopg

from common import BENCH_KEYS, apply_env, app_env, create_db, libpq_dsn, log, migrate, new_instance

PASSWORD = "bench password 123"
OFFICER = "bench_officer"
COLUMNS = ("channel", "kind", "category_code", "entity_name", "entity_address", "division_code", "description",
           "knowledge", "anonymous", "status", "status_changed_at", "received_at", "receipt_hash", "priority",
           "queue_rank", "version")
TYPES = ("varchar", "varchar", "varchar", "varchar", "varchar", "varchar", "bytea", "varchar", "bool", "varchar",
         "timestamptz", "timestamptz", "varchar", "int4", "int4", "int4")
DESCRIPTION = ("该公司在没有做检测的情况下出具了水泥检验报告，报告编号 2026-0211，样品从未到实验室。"
               "举报人称类似情况已持续半年，涉及多个工地，附有报告复印件。")
STATUSES = [("received", 55), ("in_triage", 18), ("transferred", 7), ("not_accepted", 6), ("case_filed", 5),
            ("merged", 3), ("complaint", 3), ("closed", 3)]
CHANNELS = [("web", 60), ("hotline", 25), ("email", 15)]
KINDS = [("report", 80), ("complaint", 10), ("both", 10)]
KNOWLEDGE = ["witness", "insider", "customer", "other"]
ENTITY_WORDS = ["检测", "食品", "医药", "建材", "电子", "商贸", "物流", "餐饮", "科技", "农业", "化工", "服装"]
ENTITY_TYPES = ["有限公司", "有限责任公司", "超市", "药店", "饭店", "加油站", "检测中心"]
CITIES = ["郑州", "开封", "洛阳", "平顶山", "安阳", "新乡", "焦作", "许昌", "南阳", "商丘", "信阳", "周口"]


def _ciphertext(env) -> bytes:
    from tipline import crypto
    from tipline.config import load_settings
    settings = load_settings(env={k: v for k, v in env.items() if k.startswith("TIPLINE_")})
    ring = crypto.KeyRing(settings.encryption_keys, settings.hmac_key)
    return ring.encrypt(DESCRIPTION.encode("utf-8"))


def _weighted(pairs):
    values = [v for v, _w in pairs]
    weights = [w for _v, w in pairs]
    return values, weights


def rows(n: int, ciphertext: bytes, *, seed: int = 1, days: int = 3 * 365, now: dt.datetime | None = None,
         id_prefix: str = "load"):
    """Yield n tuples in COLUMNS order."""
    from tipline import categories
    from tipline.divisions import load_divisions
    rng = random.Random(seed)
    divs = load_divisions()
    counties = []
    for city in divs.cities():
        kids = divs.counties(city.code) or [city]
        weight = 4 if city.code == "410100" else 1
        counties += [c.code for c in kids] * weight
    cats = list(categories.by_code().values())
    statuses, sw = _weighted(STATUSES)
    channels, cw = _weighted(CHANNELS)
    kinds, kw = _weighted(KINDS)
    now = now or dt.datetime.now(dt.timezone.utc)
    span = days * 86400
    # Pre-draw the categorical columns in bulk (random.choices with k is much faster than per row).
    st = rng.choices(statuses, sw, k=n)
    ch = rng.choices(channels, cw, k=n)
    kd = rng.choices(kinds, kw, k=n)
    dv = rng.choices(counties, k=n)
    ct = rng.choices(cats, k=n)
    for i in range(n):
        cat = ct[i]
        insider = rng.random() < 0.2
        evidence = rng.random() < 0.3
        priority = cat.severity * 10 + (10 if evidence else 0) + (5 if insider else 0) + rng.choice((0, 0, 0, 15))
        received = now - dt.timedelta(seconds=rng.randrange(span))
        name = f"{rng.choice(CITIES)}{rng.choice(ENTITY_WORDS)}{rng.choice(ENTITY_WORDS)}{rng.choice(ENTITY_TYPES)}{i % 9973}"
        yield (ch[i], kd[i], cat.code, name, "", dv[i], ciphertext, "insider" if insider else rng.choice(KNOWLEDGE),
               rng.random() < 0.7, st[i], received, received, f"{id_prefix}-{seed}-{i:012d}", priority, -priority, 1)


def copy_tips(dsn: str, n: int, ciphertext: bytes, **kw) -> float:
    """COPY n tips in; returns seconds taken (generation included)."""
    started = time.perf_counter()
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        with cur.copy(f"COPY tip ({', '.join(COLUMNS)}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(TYPES)
            for row in rows(n, ciphertext, **kw):
                copy.write_row(row)
        conn.commit()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("ANALYZE tip")
    return time.perf_counter() - started


def create_staff(env) -> None:
    """Staff through the app's own service (Argon2 password hashes, audit events)."""
    apply_env(env)
    from tipline import timesource, create_app
    from tipline.auth import services as auth
    from tipline.auth.models import User
    from tipline.extensions import db
    from sqlalchemy import select
    app = create_app()
    with app.app_context():
        s = db.session
        divs = app.extensions["divisions"]
        wanted = [(OFFICER, "officer", "410000"), ("bench_supervisor", "supervisor", "410000")]
        wanted += [(f"sup_{c.code}", "supervisor", c.code) for c in divs.cities()]
        for username, role, division in wanted:
            if s.scalar(select(User.id).where(User.username == username)) is None:
                auth.create_user(s, now=timesource.now(), username=username, password=PASSWORD, role=role,
                                 division_code=division, email=f"{username}@bench.example",
                                 known_division=lambda c: c in divs)
        s.commit()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", default="tipline_bench")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--instance", default=None)
    ap.add_argument("--create", action="store_true", help="(re)create the database and migrate it first")
    args = ap.parse_args()
    env = app_env(args.db, new_instance("load") if not args.instance else args.instance)
    if args.create:
        create_db(args.db)
        migrate(env)
    create_staff(env)
    seconds = copy_tips(libpq_dsn(args.db), args.rows, _ciphertext(env))
    log(f"loaded {args.rows:,} tips in {seconds:.1f} s ({args.rows / seconds:,.0f} rows/s)")


if __name__ == "__main__":
    assert BENCH_KEYS
    main()
