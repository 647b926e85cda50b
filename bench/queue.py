"""Figure 3: the officer queue (GET /staff/tips, keyset pages of 50) on a loaded database.

    python bench/load_tips.py --db tipline_bench --rows 1000000 --create   # first
    python bench/queue.py --db tipline_bench [--seconds 12] [--rounds 3]

Measured in the same run, same gunicorn flags, same load generator (wrk, 2 threads, 4 connections,
separate process, session cookie of a logged-in provincial officer who sees every division), in
alternated rounds (bare 1, bare N, app 1, app N, the order rotating each round; three by default)
whose medians are reported:

  app page 1        GET /staff/tips                      (sort=priority, the default)
  app page 10,000   GET /staff/tips?after=CURSOR
  bare page 1 / 10,000  GET /queue[?after=CURSOR] on bench/bare_app.py: the same keyset SELECT
                    (same filter, order, columns, LIMIT 51) returning the same 50 rows as JSON.

Walking 10,000 pages to get the cursor would take minutes, so the cursor is computed directly:
the (priority, received_at, id) of the row at position (10,000 - 1) x 50 = 499,950 of the queue's
order, read with one OFFSET query, encoded exactly as tipline.cases.queue encodes it. The app page
and the bare page are checked to hold the same first and last tip.

Page 1 and page 10,000 latency is also measured one request at a time, the two pages alternating on
one connection (`interleaved`), so both see the same machine; that is figure 3a's main number.

Goals: page 10,000 p50 latency within 1.5x of page 1; app >= 0.5 of the bare select's throughput;
statements per page constant (counted in-process with a before_cursor_execute listener for
pages 1, 2 and 10,000).
"""
from __future__ import annotations

import os as _os
import sys as _sys

# bench/queue.py would shadow the standard library's `queue` (psycopg, urllib3 and gunicorn import
# it): keep this folder on the path, but after the standard library.
_here = _os.path.dirname(_os.path.abspath(__file__))
_sys.path[:] = [p for p in _sys.path if _os.path.abspath(p or ".") != _here] + [_here]

import argparse
import re

import psycopg
import requests
from sqlalchemy import event

from common import (RESULTS, Gunicorn, app_env, apply_env, db_exists, libpq_dsn, log, new_instance, run_wrk, save,
                    verdict)
from load_tips import OFFICER, PASSWORD

PAGE = 50
TARGET_PAGE = 10_000
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
NEXT = re.compile(r'href="[^"]*[?&]after=([A-Za-z0-9_-]+)')
ORDER_SQL = """SELECT priority, received_at, id FROM tip WHERE status IN ('received', 'in_triage', 'transferred')
               ORDER BY priority DESC, received_at ASC, id ASC OFFSET %s LIMIT 1"""
BARE_SQL_PAGE1 = """EXPLAIN (ANALYZE, BUFFERS) SELECT id, received_at, channel, kind, category_code, entity_name,
  entity_uscc, division_code, status, priority, version, case_id FROM tip
  WHERE status IN ('received', 'in_triage', 'transferred')
  ORDER BY priority DESC, received_at ASC, id ASC LIMIT 51"""


def cursor_at(dsn: str, position: int) -> str:
    """The queue cursor after the row at 1-based `position` of the officer's queue order."""
    from tipline.cases.queue import _encode
    with psycopg.connect(dsn) as conn:
        p, at, i = conn.execute(ORDER_SQL, (position - 1,)).fetchone()
    return _encode([p, at.isoformat(), i])


def open_rows(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        return conn.execute("SELECT count(*) FROM tip WHERE status IN ('received','in_triage','transferred')").fetchone()[0]


def explain(dsn: str, cursor_values) -> dict:
    out = {}
    with psycopg.connect(dsn) as conn:
        out["page1"] = "\n".join(r[0] for r in conn.execute(BARE_SQL_PAGE1))
        p, at, i = cursor_values
        sql = BARE_SQL_PAGE1.replace("ORDER BY", "AND (priority < %(p)s OR (priority = %(p)s AND (received_at > %(at)s "
                                     "OR (received_at = %(at)s AND id > %(i)s)))) ORDER BY")
        out["page_target"] = "\n".join(r[0] for r in conn.execute(sql, {"p": p, "at": at, "i": i}))
    return out


def statement_counts(cursor_target: str, target_page: int = TARGET_PAGE) -> dict:
    """Statements per request for pages 1, 2 and the target page, in-process with the test client."""
    from tipline import create_app
    from tipline.extensions import db
    app = create_app()
    client = app.test_client()
    page = client.get("/staff/login").get_data(as_text=True)
    r = client.post("/staff/login", data={"csrf_token": CSRF.search(page).group(1), "username": OFFICER,
                                          "password": PASSWORD})
    assert r.status_code in (302, 303), r.status_code
    counts: list[int] = []
    statements: list[list[str]] = []

    def count(_conn, _cur, statement, *_a, **_kw):
        counts[-1] += 1
        statements[-1].append(statement.split("\n")[0][:100])

    out = {}
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        urls = {"page 1": "/staff/tips"}
        for name in ("page 1", "page 2", f"page {target_page}"):
            if name == f"page {target_page}":
                urls[name] = f"/staff/tips?after={cursor_target}"
            counts.append(0)
            statements.append([])
            resp = client.get(urls[name])
            assert resp.status_code == 200, (name, resp.status_code)
            html = resp.get_data(as_text=True)
            out[name] = {"statements": counts[-1], "first_lines": statements[-1]}
            if name == "page 1":
                urls["page 2"] = "/staff/tips?after=" + NEXT.search(html).group(1)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    db.engine.dispose()
    return out


def session_cookie(base: str) -> str:
    s = requests.Session()
    page = s.get(base + "/staff/login", timeout=30).text
    r = s.post(base + "/staff/login", data={"csrf_token": CSRF.search(page).group(1), "username": OFFICER,
                                            "password": PASSWORD}, allow_redirects=False, timeout=30)
    assert r.status_code in (302, 303), r.status_code
    return "; ".join(f"{c.name}={c.value}" for c in s.cookies)


def interleaved(url_1: str, url_n: str, headers: dict | None, pairs: int) -> dict:
    """Latency of page 1 and page N, one request at a time on one keep-alive connection, the two
    pages alternating (and which goes first alternating too), so a slow spell of this machine hits
    both pages alike. Under wrk each page has its own 12-second window, and the windows of one run
    landed in different spells (app page N ran at 46, 103 and 45 req/s in three rounds)."""
    import statistics
    import time
    times: dict[str, list[float]] = {"page 1": [], "page N": []}
    with requests.Session() as http:
        for url in (url_1, url_n):
            http.get(url, headers=headers, timeout=30)  # warm
        for i in range(pairs):
            order = (("page 1", url_1), ("page N", url_n)) if i % 2 == 0 else (("page N", url_n), ("page 1", url_1))
            for name, url in order:
                t0 = time.perf_counter()
                r = http.get(url, headers=headers, timeout=30)
                times[name].append(time.perf_counter() - t0)
                assert r.status_code == 200, (name, r.status_code)

    def pct(xs, q):
        return statistics.quantiles(xs, n=100)[q - 1] * 1000
    out = {name: {"p50_ms": statistics.median(xs) * 1000, "p95_ms": pct(xs, 95), "requests": len(xs)}
           for name, xs in times.items()}
    out["p50_ratio"] = out["page N"]["p50_ms"] / out["page 1"]["p50_ms"]
    out["p95_ratio"] = out["page N"]["p95_ms"] / out["page 1"]["p95_ms"]
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default="tipline_bench")
    ap.add_argument("--seconds", type=int, default=12)
    ap.add_argument("--connections", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=3, help="alternated measurement rounds; medians are reported")
    ap.add_argument("--pairs", type=int, default=300, help="page 1 / page N request pairs for the interleaved latency")
    args = ap.parse_args()
    if not db_exists(args.db):
        raise SystemExit(f"database {args.db} does not exist: run bench/load_tips.py --create first")
    env = app_env(args.db, new_instance("queue"))
    apply_env(env)
    dsn = libpq_dsn(args.db)
    total = open_rows(dsn)
    target_page = min(TARGET_PAGE, total // PAGE)
    position = (target_page - 1) * PAGE
    cursor = cursor_at(dsn, position)
    log(f"{total:,} tips open for triage; page {target_page:,} starts after row {position:,}")
    with psycopg.connect(dsn) as conn:
        cursor_values = conn.execute(ORDER_SQL, (position - 1,)).fetchone()
    plans = explain(dsn, cursor_values)

    counts = statement_counts(cursor, target_page)
    log("statements per page: " + ", ".join(f"{k}: {v['statements']}" for k, v in counts.items()))

    rounds = []
    # Both servers stay up and the four measurements alternate, round after round: this shared
    # machine has slow spells of 10-20 s that otherwise land on one side of a ratio only.
    with Gunicorn("bench.bare_app:app", env, RESULTS / "logs" / "queue_bare.log") as bare, \
            Gunicorn("bench.wsgi_bench:app", env, RESULTS / "logs" / "queue_app.log") as app:
        b1 = requests.get(bare.url + "/queue", timeout=30).json()
        bt = requests.get(bare.url + "/queue", params={"after": cursor}, timeout=30).json()
        cookie = session_cookie(app.url)
        headers = {"Cookie": cookie}
        html1 = requests.get(app.url + "/staff/tips", headers=headers, timeout=30).text
        htmlt = requests.get(app.url + "/staff/tips", params={"after": cursor}, headers=headers, timeout=30).text
        same = {}
        for label, html, rows in (("page 1", html1, b1["rows"]), ("page N", htmlt, bt["rows"])):
            refs = re.findall(r"T\d{4}-(\d{6,})", html)
            ids = sorted({int(x) for x in refs})
            same[label] = {"bare_rows": len(rows), "app_distinct_tip_refs": len(ids),
                           "same_set": ids == sorted(r["id"] for r in rows)}
        log("same rows on both:", same)
        targets = (("bare page 1", bare.url + "/queue", None), ("bare page N", bare.url + "/queue?after=" + cursor, None),
                   ("app page 1", app.url + "/staff/tips", headers),
                   ("app page N", app.url + "/staff/tips?after=" + cursor, headers))
        for name, url, hdrs in targets:
            run_wrk(url, 2, args.connections, hdrs)  # warm-up
        for r in range(args.rounds):
            got = {}
            # The order rotates from round to round, so no measurement always takes the same slot of
            # a round (a machine slow spell that recurs with the round's period would otherwise
            # always land on the same one).
            for name, url, hdrs in targets[r % len(targets):] + targets[:r % len(targets)]:
                server = app if name.startswith("app") else bare
                got[name], tried = server.measure_balanced(
                    lambda: run_wrk(url, args.seconds, args.connections, hdrs), f"round {r + 1} {name}")
                got[name]["worker_cpu_s"] = tried  # per window tried: both workers' CPU seconds
                log(f"round {r + 1}", name, got[name])
            a1, an, b1r, bnr = (got[k] for k in ("app page 1", "app page N", "bare page 1", "bare page N"))
            rounds.append({"results": got, "latency_ratio": an["p50_ms"] / a1["p50_ms"],
                           "p95_ratio": an["p95_ms"] / a1["p95_ms"],
                           "thr1": a1["rps"] / b1r["rps"], "thrn": an["rps"] / bnr["rps"]})
            log(f"round {r + 1}: latency p50 ratio {rounds[-1]['latency_ratio']:.2f}, throughput "
                f"{rounds[-1]['thr1']:.2f} / {rounds[-1]['thrn']:.2f}")
        rss = app.peak_rss_mib()
        one_by_one = {"app": interleaved(app.url + "/staff/tips", app.url + "/staff/tips?after=" + cursor, headers,
                                         args.pairs),
                      "bare": interleaved(bare.url + "/queue", bare.url + "/queue?after=" + cursor, None, args.pairs)}
        log("interleaved, one request at a time: app page N / page 1 p50 "
            f"{one_by_one['app']['p50_ratio']:.2f} ({one_by_one['app']['page N']['p50_ms']:.1f} vs "
            f"{one_by_one['app']['page 1']['p50_ms']:.1f} ms), p95 {one_by_one['app']['p95_ratio']:.2f}; "
            f"bare p50 {one_by_one['bare']['p50_ratio']:.2f}")

    def median(key):
        return sorted(x[key] for x in rounds)[len(rounds) // 2]
    latency_ratio, p95_ratio, thr1, thrn = median("latency_ratio"), median("p95_ratio"), median("thr1"), median("thrn")
    results = rounds[[x["latency_ratio"] for x in rounds].index(latency_ratio)]["results"]
    stmts = [v["statements"] for v in counts.values()]
    summary = {
        "figure": "officer queue, keyset pages",
        "load_generator": f"wrk -t2 -c{args.connections} -d{args.seconds}s (separate process)",
        "server": "gunicorn 2 gthread workers x 4 threads",
        "open_rows": total, "target_page": target_page, "cursor_position": position, "cursor": cursor,
        "results": results, "rounds": [{k: v for k, v in x.items() if k != "results"} for x in rounds],
        "same_rows_check": same, "statement_counts": counts, "plans": plans,
        "app_worker_peak_rss_mib": rss,
        "interleaved_latency": one_by_one,
        "page_latency_ratio_p50_interleaved": one_by_one["app"]["p50_ratio"],
        "latency_verdict_interleaved": verdict(one_by_one["app"]["p50_ratio"], 1.5, higher_is_better=False),
        "page_latency_ratio_p50": latency_ratio, "page_latency_ratio_p95": p95_ratio,
        "latency_goal": 1.5, "latency_verdict": verdict(latency_ratio, 1.5, higher_is_better=False),
        "throughput_ratio_page1": thr1, "throughput_ratio_pageN": thrn, "throughput_goal": 0.5,
        "throughput_verdict": verdict(min(thr1, thrn), 0.5),
        "statements_constant": len(set(stmts)) == 1, "statements": stmts,
    }
    log(f"RATIOS page {target_page} / page 1 latency p50, interleaved one at a time: "
        f"{one_by_one['app']['p50_ratio']:.2f} (goal <= 1.5: {summary['latency_verdict_interleaved']}); "
        f"under wrk load (medians of {len(rounds)} rounds) p50 {latency_ratio:.2f} p95 {p95_ratio:.2f} ("
        f"{summary['latency_verdict']}); app/bare throughput page 1 {thr1:.2f}, page N {thrn:.2f} (goal >= 0.5: "
        f"{summary['throughput_verdict']}); statements {stmts}")
    save("queue", summary)


if __name__ == "__main__":
    main()
