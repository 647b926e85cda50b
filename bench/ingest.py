"""Figure 5: mail and hotline ingest, each as a ratio of a bare baseline over the same input.

    python bench/ingest.py [--mails 10000] [--calls 100000]

Mail: a Maildir of N generated messages (built with the builders of tests/intake/email/conftest.py:
encoded-word subjects in UTF-8/GBK/GB18030/Big5, base64 and quoted-printable bodies in those
charsets, HTML-only, multipart/alternative, a small PNG attachment on 1 in 20, a forwarded
message/rfc822 on 1 in 25; every message has its own Message-ID and text).
  tipline   exactly what `tipline intake import-mail DIR` runs: importer.import_all(import_sources(DIR)),
            which runs import_one(...) per message, each in its own transaction.
  baseline  the same files read from the same Maildir and parsed with
            email.message_from_bytes(raw, policy=email.policy.default), walking every part and
            decoding each leaf with get_content().

Hotline: a JSON-lines file of N distinct calls (varied divisions, categories, summaries, 2-6
transcript segments, 1 in 5 with the caller's real name).
  tipline   tipline.intake.hotline.importer.import_lines (what `tipline intake import-hotline` runs).
  baseline  json.loads of every line and one executemany INSERT of the same fields (transcript as
            JSON text) into a bare table, one transaction.

Every new tip gets one receipt hash (code_hash: HMAC-SHA256 keyed with the instance HMAC key since
issue 19, microseconds; it was Argon2id, ~20-25 ms here, before). Each ratio is reported twice:
against the bare baseline as the brief defines it, and against the same baseline plus the same
receipt hash per item computed the way the importers call it (receipts.hashed_ahead, now a no-op
kept for their call sites: with HMAC nothing is worth hashing ahead on other threads), as figure 1
does for the web form. Goal: >= 0.3 each.
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
import email
import email.policy
import json
import mailbox
import random
import statistics
import time
import timeit
from pathlib import Path

import psycopg

from common import (FULL, apply_env, app_env, create_db, drop_db, libpq_dsn, log, migrate, new_instance, save,
                    verdict)

DB = "tipline_bench_ingest"
GOAL = 0.3
CLAUSES = ["超市销售过期牛奶", "生产日期已过保质期三个月", "饭店无证经营后厨卫生很差", "药店销售假药", "网上发布虚假广告",
           "结账时多收钱存在价格欺诈", "加油机作弊每升少给油", "美容院使用无资质人员", "培训机构拒不退款", "快递公司丢失物品拒绝赔偿",
           "化工厂夜间偷排污水", "电动车电池是翻新的", "燃气灶漏气厂家拒绝召回", "网店销售三无产品", "理发店办卡后倒闭"]
PLACES = ["金水区", "二七区", "中原区", "管城区", "惠济区", "郑东新区", "高新区", "经开区"]


def _text(rng: random.Random, n: int) -> str:
    return f"{rng.choice(PLACES)}第{n}号举报：" + "，".join(rng.sample(CLAUSES, 3)) + f"，涉及金额{rng.randint(100, 99999)}元。"


def make_messages(n: int, seed: int = 5) -> list[bytes]:
    from tests.intake.email.conftest import b64, ew, message, png, qp, simple
    rng = random.Random(seed)
    picture = png()
    out = []
    for i in range(n):
        k = 100000 + i
        text, subject = _text(rng, i), f"举报{i}：" + rng.choice(CLAUSES)
        v = i % 10
        if i % 20 == 19:
            m = message(k, subject)
            m.set_content(text)
            m.add_attachment(picture, maintype="image", subtype="png", filename=f"现场照片{i}.png")
            raw = m.as_bytes()
        elif i % 25 == 24:
            inner = message(k + 5000000, "原始举报")
            inner.set_content(_text(rng, i))
            m = message(k, "Fwd: " + subject)
            m.set_content("转发一封朋友的举报信，请处理。" + text)
            m.add_attachment(inner)
            raw = m.as_bytes()
        elif v == 0:
            raw = simple(k, ew(subject, "utf-8"), text.encode(), "utf-8")
        elif v == 1:
            raw = simple(k, ew(subject, "gbk").replace("gbk", "gb2312"), b64(text, "gbk"), "gb2312", "base64")
        elif v == 2:
            raw = simple(k, ew(subject, "gb18030"), text.encode("gb18030"), "gb18030")
        elif v == 3:
            t = f"該公司在網路上發布虛假廣告，宣稱產品可以治療癌症，案號{i}，金額{rng.randint(100, 99999)}元。"
            raw = simple(k, ew("檢舉虛假廣告", "big5"), qp(t, "big5"), "big5", "quoted-printable")
        elif v == 4:
            raw = simple(k, ew(subject, "utf-8", "Q"), qp(text, "utf-8"), "utf-8", "quoted-printable")
        elif v == 5:
            raw = simple(k, ew(subject, "gbk"), b64(text, "gbk"), '"GBK"', "base64")
        elif v == 6:
            m = message(k, subject)
            m.set_content(f"<html><body><p>{text}</p><p>地址：金水路&amp;花园路口</p></body></html>", subtype="html")
            raw = m.as_bytes()
        elif v == 7:
            m = message(k, subject)
            m.set_content(text)
            m.add_alternative(f"<p>{text}（HTML）</p>", subtype="html")
            raw = m.as_bytes()
        else:
            raw = simple(k, ew(subject, "utf-8"), b64(text, "utf-8"), "utf-8", "base64")
        out.append(raw)
    return out


def make_calls(n: int, divisions: list[str], seed: int = 9) -> list[bytes]:
    rng = random.Random(seed)
    start = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    cats = ["", "", "test.false_report", "cert.false"]
    lines = []
    for i in range(n):
        segs, t = [], 0.0
        for j in range(rng.randint(2, 6)):
            text = "您好，12315，请讲。" if j == 0 else (_text(rng, i) if j % 2 else "请问商户的名称和地址是什么？")
            segs.append({"speaker": "agent" if j % 2 == 0 else "caller", "start": round(t, 2),
                         "end": round(t + 5.5, 2), "text": text})
            t += 6
        call = {"call_id": f"CC-BENCH-{i:07d}", "started_at": (start + dt.timedelta(seconds=17 * i)).isoformat(),
                "duration_seconds": int(t) + 10, "summary": f"第{i}号来电：" + rng.choice(CLAUSES),
                "caller_number": f"139{rng.randint(10_000_000, 99_999_999)}", "division_code": rng.choice(divisions),
                "transcript": segs}
        if rng.choice(cats):
            call["category_code"] = rng.choice(cats[2:])
        if i % 5 == 0:
            call.update(real_name=True, caller_name="王某某")
        lines.append(json.dumps(call, ensure_ascii=False).encode())
    return lines


def _hashing(key: bytes | None):
    """With a key: the receipt hash every tip gets, from the same thread pool the importers use."""
    from contextlib import nullcontext

    from tipline.intake import receipts
    if key is None:
        return nullcontext(), (lambda: None)
    return receipts.hashed_ahead(key), (lambda: receipts.issue(key))


def baseline_parse(box_path: Path, hash_key: bytes | None = None) -> tuple[float, int]:
    box = mailbox.Maildir(str(box_path), factory=None, create=False)
    pool, issue = _hashing(hash_key)
    started = time.perf_counter()
    parts = 0
    with pool:
        for key in sorted(box.keys()):
            issue()
            parts += _parse_one(box.get_bytes(key))
    return time.perf_counter() - started, parts


def _parse_one(raw: bytes) -> int:
    parts = 0
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    for part in msg.walk():
        if part.is_multipart():
            continue
        try:
            part.get_content()
        except (LookupError, ValueError, AssertionError):
            pass
        parts += 1
    return parts


BARE_CALLS = """CREATE TABLE IF NOT EXISTS bench_bare_call (id serial PRIMARY KEY, call_id varchar(100) UNIQUE NOT NULL,
  started_at timestamptz NOT NULL, duration_seconds int NOT NULL, division_code varchar(6) NOT NULL,
  category_code varchar(40), caller_number varchar(40), caller_name varchar(100), summary text,
  transcript text NOT NULL)"""


def baseline_calls(dsn: str, lines: list[bytes], hash_key: bytes | None = None) -> float:
    with psycopg.connect(dsn) as conn:
        conn.execute(BARE_CALLS)
        conn.execute("TRUNCATE bench_bare_call")
        conn.commit()
    pool, issue = _hashing(hash_key)
    started = time.perf_counter()
    rows = []
    with pool:
        for raw in lines:
            c = json.loads(raw)
            issue()
            rows.append((c["call_id"], dt.datetime.fromisoformat(c["started_at"]), c["duration_seconds"],
                     c["division_code"], c.get("category_code"), c["caller_number"], c.get("caller_name"),
                         c["summary"], json.dumps(c["transcript"], ensure_ascii=False)))
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        cur.executemany("INSERT INTO bench_bare_call (call_id, started_at, duration_seconds, division_code, "
                        "category_code, caller_number, caller_name, summary, transcript) "
                        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)", rows)
        conn.commit()
    return time.perf_counter() - started


def ratios(base_s: float, base_hashed_s: float, tip_s: float) -> dict:
    r = base_s / tip_s
    r2 = base_hashed_s / tip_s
    return {"baseline_s": base_s, "baseline_with_hash_s": base_hashed_s, "tipline_s": tip_s,
            "ratio": r, "ratio_vs_baseline_with_hash": r2,
            "verdict": verdict(r, GOAL), "verdict_vs_baseline_with_hash": verdict(r2, GOAL)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mails", type=int, default=10_000 if FULL else 300)
    ap.add_argument("--calls", type=int, default=100_000 if FULL else 300)
    ap.add_argument("--keep-db", action="store_true")
    ap.add_argument("--result", default="ingest", help="name of the result file under bench/results/")
    args = ap.parse_args()
    instance = new_instance("ingest")
    env = app_env(DB, instance)
    apply_env(env)
    create_db(DB)
    result: dict = {"figure": "mail and hotline ingest vs bare baselines", "mails": args.mails, "calls": args.calls}
    try:
        migrate(env)
        dsn = libpq_dsn(DB)
        from tipline import timesource, create_app
        from tipline.extensions import db
        from tipline.intake.email.importer import import_all, import_sources
        from tipline.intake.hotline.importer import import_lines
        from tipline.intake.receipts import code_hash, new_code
        app = create_app()
        key = env["TIPLINE_HMAC_KEY"].encode()
        code_hash(new_code(), key)
        hash_ms = statistics.median(timeit.repeat(lambda: code_hash(new_code(), key), number=1, repeat=30)) * 1000
        result["receipt_hash_median_ms"] = hash_ms
        log(f"code_hash alone: median {hash_ms:.1f} ms")

        # --- mail (--mails 0: the hotline alone, e.g. for its 100,000-call run) ---
        box_path = instance / "maildir"
        if args.mails:
            box = mailbox.Maildir(str(box_path), create=True)
            t = time.perf_counter()
            for raw in make_messages(args.mails):
                box.add(raw)
            log(f"Maildir of {args.mails:,} messages written in {time.perf_counter() - t:.1f} s")
            base_s, parts = baseline_parse(box_path)
            base_hs, _ = baseline_parse(box_path, hash_key=key)
            log(f"baseline email parse + receipt hash: {base_hs:.2f} s")
            log(f"baseline email parse: {base_s:.2f} s ({parts:,} leaf parts)")
        with app.app_context():
            settings, store = app.config["TIPLINE"], app.extensions["evidence_store"]
            divisions = app.extensions["divisions"]
            known = lambda c: c in divisions  # noqa: E731
            if args.mails:
                now = timesource.now()
                started = time.perf_counter()
                counts = dict(import_all(db.factory, now, import_sources(box_path), store=store, settings=settings,
                                         known_division=known))
                tip_s = time.perf_counter() - started
                log(f"tipline import-mail: {tip_s:.2f} s {counts}")
                result["mail"] = ratios(base_s, base_hs, tip_s) | {"statuses": counts, "leaf_parts": parts}
                log(f"RATIO mail = {result['mail']['ratio']:.4f} (vs parse + the same hash "
                    f"{result['mail']['ratio_vs_baseline_with_hash']:.4f}); goal >= {GOAL}")

            # --- hotline ---
            counties = ["410000"] + [c.code for c in divisions.counties("410100")]
            lines = make_calls(args.calls, counties)
            base_h = baseline_calls(dsn, lines)
            base_hh = baseline_calls(dsn, lines, hash_key=key)
            log(f"baseline hotline bulk insert + receipt hash: {base_hh:.2f} s")
            log(f"baseline hotline bulk insert: {base_h:.2f} s")
            started = time.perf_counter()
            summary = import_lines(db.factory, timesource.now(), list(enumerate(lines, 1)),
                                   default_division=settings.intake_division, known_division=known)
            tip_h = time.perf_counter() - started
            log(f"tipline import-hotline: {tip_h:.2f} s new {summary.new}, duplicates {summary.duplicates}, "
                f"rejected {summary.rejected_lines} {summary.rejected[:3]}")
            result["hotline"] = ratios(base_h, base_hh, tip_h) | {
                "new": summary.new, "duplicates": summary.duplicates, "rejected_lines": summary.rejected_lines}
            log(f"RATIO hotline = {result['hotline']['ratio']:.4f} (vs insert + the same hash "
                f"{result['hotline']['ratio_vs_baseline_with_hash']:.4f}); goal >= {GOAL}")
        db.engine.dispose()
        save(args.result, result)
    finally:
        if not args.keep_db:
            drop_db(DB)


if __name__ == "__main__":
    main()
