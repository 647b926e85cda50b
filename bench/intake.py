"""Figure 1: the public web intake under load, as a ratio of a bare Flask + SQLAlchemy baseline.

    python bench/intake.py [--seconds 15] [--users 8] [--rounds 3] [--client fast|requests] [--keep-db]

Same run, same machine, same gunicorn flags (2 gthread workers x 4 threads), same load generator
(locust, headless, separate process, 8 users, no think time), fresh PostgreSQL database migrated
with `tipline db upgrade`:

  full   bench/wsgi_bench.py (create_app() with rate limiting off): GET /report, parse CSRF token,
         submission_token and challenge, POST the multipart form, expect the receipt page.
  post   the same app, the submitting POST alone: the forms (each with its own session cookie, CSRF
         token, submission token and challenge) are fetched before the measured window
         (`prefetch_forms`), then posted under load. This is the comparison the issue defines ("the
         full web intake POST versus a bare endpoint").
  bare   bench/bare_app.py POST /submit: parse the form, code_hash(new_code(), key) (the receipt
         hash, HMAC-SHA256 since issue 19; Argon2id before), INSERT, commit.

Reported: completed submissions per second and p95 latency of the submitting POST for all three,
the throughput ratios post/bare (the figure, goal >= 0.5) and flow/bare (stricter: a citizen's
whole visit, the form page included), the receipt hash's own cost (timeit of code_hash alone, idle
machine) and each gunicorn worker's peak RSS (VmHWM) under the load.

The database is seeded with 2,000 tips from the last 90 days (COPY, bench/load_tips.py) so that the
duplicate-suggestion hook sees the 300 recent candidates it would see in production, not an empty
table.
"""
from __future__ import annotations

import os as _os
import sys as _sys

# bench/queue.py would shadow the standard library's `queue` (psycopg, urllib3 and gunicorn import
# it): keep this folder on the path, but after the standard library.
_here = _os.path.dirname(_os.path.abspath(__file__))
_sys.path[:] = [p for p in _sys.path if _os.path.abspath(p or ".") != _here] + [_here]

import argparse
import json
import statistics
import timeit
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import psycopg

import load_tips
from common import (BENCH, FULL, RESULTS, Gunicorn, app_env, apply_env, create_db, drop_db, libpq_dsn, log,
                    migrate, new_instance, postgres_cpu_seconds, run_locust, save, verdict)

DB = "tipline_bench_intake"
GOAL = 0.5


def hash_cost(key: bytes, n: int = 30) -> dict:
    from tipline.intake.receipts import code_hash, new_code
    code_hash(new_code(), key)
    times = timeit.repeat(lambda: code_hash(new_code(), key), number=1, repeat=n)
    return {"median_ms": statistics.median(times) * 1000, "min_ms": min(times) * 1000, "runs": n}


def count(dsn: str, table: str) -> int:
    with psycopg.connect(dsn) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def prefetch_forms(url: str, n: int, path) -> None:
    """Fetch n report forms, each in a new session (cookie jar) as n different visitors would, and
    write what posting each needs (cookie, CSRF token, submission token, challenge, answer)."""
    import requests
    from form_page import parse_form

    def one(_):
        with requests.Session() as http:
            r = http.get(url + "/report", timeout=30)
            form = parse_form(r.text) if r.status_code == 200 else None
            if form is None:
                raise RuntimeError(f"GET /report not understood ({r.status_code})")
            form["cookie"] = "; ".join(f"{c.name}={c.value}" for c in http.cookies)
            return form

    with ThreadPoolExecutor(max_workers=4) as pool:
        forms = list(pool.map(one, range(n)))
    with open(path, "w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(f) + "\n" for f in forms)


def measure(server: Gunicorn, user_class: str, name: str, users: int, seconds: int, env=None, prepare=None) -> dict:
    locustfile = BENCH / "locust_intake.py"
    if prepare is not None:
        prepare()
    run_locust(locustfile, user_class, server.url, users, 3, RESULTS / "locust" / f"{name}_warmup", env=env)
    windows = []

    def window():
        app_cpu, db_cpu = server.cpu_seconds(), postgres_cpu_seconds()
        stats = run_locust(locustfile, user_class, server.url, users, seconds, RESULTS / "locust" / name, env=env)
        windows.append((server.cpu_seconds() - app_cpu, postgres_cpu_seconds() - db_cpu))
        return stats
    stats, tried = server.measure_balanced(window, name, prepare=prepare)
    app_cpu, db_cpu = windows[-1]
    key = next(k for k in stats if "(submission)" in k)
    gen = stats.pop("_load_generator")
    done = stats[key]["completed_rps"] * seconds
    per = (lambda cpu: cpu * 1000 / done if done else None)
    # CPU per submission barely moves when the machine has a slow spell, unlike throughput.
    out = {"submission": stats[key], "all": stats, "peak_rss_mib": server.peak_rss_mib(), "worker_cpu_s": tried,
           "load_generator_cpu_ms_per_submission": per(gen["cpu_s"]),
           "server_cpu_ms_per_submission": per(app_cpu), "postgres_cpu_ms_per_submission": per(db_cpu),
           "total_cpu_ms_per_submission": per(app_cpu + db_cpu + gen["cpu_s"])}
    log(f"{name}: {stats[key]['completed_rps']:.1f} completed submissions/s, p95 {stats[key]['p95_ms']:.0f} ms, "
        f"failures {stats[key]['failures']}, worker VmHWM {out['peak_rss_mib']}, "
        f"CPU ms per submission: server {out['server_cpu_ms_per_submission'] or 0:.1f}, PostgreSQL "
        f"{out['postgres_cpu_ms_per_submission'] or 0:.1f}, load generator {out['load_generator_cpu_ms_per_submission'] or 0:.1f}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=15)
    ap.add_argument("--users", type=int, default=8)
    ap.add_argument("--keep-db", action="store_true")
    ap.add_argument("--rounds", type=int, default=3, help="bare/full measurements, alternated; the median is reported")
    ap.add_argument("--client", choices=("fast", "requests"), default="fast",
                    help="locust's client for both sides: FastHttpUser (geventhttpclient, default) or HttpUser "
                         "(requests, what the first two sessions used; it costs the shared cores more)")
    args = ap.parse_args()

    instance = new_instance("intake")
    env = app_env(DB, instance)
    apply_env(env)
    create_db(DB)
    try:
        migrate(env)
        dsn = libpq_dsn(DB)
        load_tips.copy_tips(dsn, 2000, load_tips._ciphertext(env), days=90, id_prefix="seed")
        import bare_app
        bare_app.create_tables()
        bare_app.engine.dispose()

        cost = hash_cost(env["TIPLINE_HMAC_KEY"].encode())
        log(f"code_hash alone: median {cost['median_ms']:.1f} ms over {cost['runs']} runs")

        prefix = "Fast" if args.client == "fast" else ""
        rounds = []
        # Both servers stay up; the load alternates between them, so slow drifts of this shared
        # machine (its speed moved by a third between runs minutes apart) hit both sides alike.
        with Gunicorn("bench.bare_app:app", env, RESULTS / "logs" / "intake_bare.log") as bare, \
                Gunicorn("bench.wsgi_bench:app", env, RESULTS / "logs" / "intake_full.log") as full:
            # Rate limiting really is off: more than 30 POSTs from one address will be made.
            urllib.request.urlopen(full.url + "/report", timeout=10).read()
            forms_file = instance / "forms.jsonl"
            post_env = dict(_os.environ, TIPLINE_BENCH_FORMS=str(forms_file))
            for r in range(args.rounds):
                bare_res = measure(bare, prefix + "BareUser", "intake_bare", args.users, args.seconds)
                full_res = measure(full, prefix + "IntakeUser", "intake_full", args.users, args.seconds)
                # Outside the measured window (before the warm-up, and again before each window):
                # enough forms for it at up to twice the bare endpoint's rate (a shortage shows as
                # failures, never as speed).
                need = int(bare_res["submission"]["completed_rps"] * args.seconds * 2) + 200
                post_res = measure(full, "FastPostUser", "intake_post", args.users, args.seconds, env=post_env,
                                   prepare=lambda: prefetch_forms(full.url, need, forms_file))
                f, b, p = full_res["submission"], bare_res["submission"], post_res["submission"]
                ratio = f["completed_rps"] / b["completed_rps"] if b["completed_rps"] else 0.0
                post_ratio = p["completed_rps"] / b["completed_rps"] if b["completed_rps"] else 0.0
                log(f"round {r + 1}: POST/bare throughput = {post_ratio:.2f}, whole flow/bare = {ratio:.2f}")
                cpu_ratio = (bare_res["total_cpu_ms_per_submission"] or 0) / (full_res["total_cpu_ms_per_submission"] or 1)
                post_cpu_ratio = (bare_res["total_cpu_ms_per_submission"] or 0) / (post_res["total_cpu_ms_per_submission"] or 1)
                log(f"round {r + 1}: bare/full total CPU per submission = {cpu_ratio:.2f} (POST alone {post_cpu_ratio:.2f})")
                rounds.append({"full": full_res, "bare": bare_res, "post": post_res, "throughput_ratio": ratio,
                               "post_throughput_ratio": post_ratio, "cpu_ratio": cpu_ratio,
                               "post_cpu_ratio": post_cpu_ratio,
                               "p95_ratio_full_over_bare": f["p95_ms"] / b["p95_ms"] if b["p95_ms"] else None,
                               "p95_ratio_post_over_bare": p["p95_ms"] / b["p95_ms"] if b["p95_ms"] else None})
        tips = count(dsn, "tip") - 2000
        bare_rows = count(dsn, "bench_bare_tip")

        median = (lambda key: sorted(x[key] for x in rounds)[len(rounds) // 2])
        middle = sorted(rounds, key=lambda x: x["post_throughput_ratio"])[len(rounds) // 2]
        ratio = middle["post_throughput_ratio"]
        flow_ratio = median("throughput_ratio")
        p, b = middle["post"]["submission"], middle["bare"]["submission"]
        result = {
            "figure": "web intake throughput: the submitting POST vs bare insert+hash (median round); "
                      "also the whole flow (form page + POST) vs bare",
            "load_generator": f"locust (headless, {args.users} users, {args.seconds} s, separate process, "
                              f"{'FastHttpUser' if args.client == 'fast' else 'HttpUser'})",
            "server": "gunicorn 2 gthread workers x 4 threads",
            "receipt_hash": cost,
            "post": middle["post"], "full": middle["full"], "bare": middle["bare"],
            "rounds": [{k: v for k, v in x.items() if k not in ("full", "bare", "post")} |
                       {"post_rps": x["post"]["submission"]["completed_rps"],
                        "full_rps": x["full"]["submission"]["completed_rps"],
                        "bare_rps": x["bare"]["submission"]["completed_rps"]} for x in rounds],
            "tips_created_during_full_and_post_runs": tips, "bare_rows_created": bare_rows,
            "post_throughput_ratio": ratio, "goal": GOAL, "verdict": verdict(ratio, GOAL),
            "flow_throughput_ratio_median": flow_ratio, "flow_verdict": verdict(flow_ratio, GOAL),
            "post_cpu_ratio_bare_over_post_median": median("post_cpu_ratio"),
            "cpu_ratio_bare_over_flow_median": median("cpu_ratio"),
            "p95_ratio_post_over_bare": middle["p95_ratio_post_over_bare"],
            "p95_ratio_flow_over_bare_median": median("p95_ratio_full_over_bare"),
            "hash_share_of_bare_submission": cost["median_ms"] / b["avg_ms"] if b["avg_ms"] else None,
        }
        log(f"RATIO POST/bare throughput = {ratio:.2f}, median of {len(rounds)} rounds "
            f"({', '.join(format(x['post_throughput_ratio'], '.2f') for x in rounds)}) (goal >= {GOAL}: {result['verdict']}); "
            f"p95 POST {p['p95_ms']:.0f} ms vs bare {b['p95_ms']:.0f} ms")
        log(f"RATIO whole flow/bare throughput = {flow_ratio:.2f}, median of "
            f"{', '.join(format(x['throughput_ratio'], '.2f') for x in rounds)} ({result['flow_verdict']})")
        save("intake", result)
    finally:
        if not args.keep_db:
            drop_db(DB)


if __name__ == "__main__":
    assert FULL in (True, False)
    main()
