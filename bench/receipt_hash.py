"""Issue 19: receipt codes hashed with Argon2id (before) and HMAC-SHA256 (after), in the same run.

    python bench/receipt_hash.py [--calls 400] [--posts 200] [--rounds 2]

One process, one fresh PostgreSQL database migrated with `tipline db upgrade`, the real app
(create_app(), rate limiting off as in bench/wsgi_bench.py), measured in-process and sequentially so
the two schemes see the same machine at nearly the same moment. "before" swaps
tipline.intake.receipts.code_hash for legacy_code_hash (the Argon2id function every tip used until
this change: 19 MiB, 2 passes); "after" is the code as shipped. The rounds alternate before/after.

  hotline   tipline.intake.hotline.importer.import_lines (what `tipline intake import-hotline` runs)
            on --calls distinct generated calls per scheme and round (bench/ingest.py's make_calls):
            milliseconds per imported call. Goal: after <= 33.7 / 5 = 6.7 ms (5x faster than the
            100,000-call figure of docs/benchmarks.md, sixth session).
  intake    the submitting POST /report (forms fetched before the timed part, each posted once:
            CSRF, submission token, challenge, validation, encryption, audit, hooks, receipt page)
            through the app's WSGI interface, versus bench/bare_app.py's POST /submit (parse the
            form, INSERT, commit) with no hash at all, as the issue defines the baseline. Reported as
            throughput ratio bare_ms / post_ms. Goal: >= 0.5.

Sequential in-process timing measures one request at a time with no network or worker pool, unlike
figure 1 (gunicorn + locust, bench/intake.py); the two ratios are not interchangeable, the
before/after comparison within this run is the point.
"""
from __future__ import annotations

import os as _os
import sys as _sys

_here = _os.path.dirname(_os.path.abspath(__file__))
_sys.path[:] = [p for p in _sys.path if _os.path.abspath(p or ".") != _here] + [_here]

import argparse
import secrets
import statistics
import time

from common import app_env, apply_env, create_db, drop_db, log, migrate, new_instance, save, verdict

DB = "tipline_bench_receipt_hash"
HOTLINE_BEFORE_MS = 33.7  # docs/benchmarks.md, sixth session: the 100,000-call import, Argon2id


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=400)
    ap.add_argument("--posts", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--keep-db", action="store_true")
    args = ap.parse_args()
    instance = new_instance("receipt")
    env = app_env(DB, instance)
    apply_env(env)
    create_db(DB)
    result: dict = {"figure": "receipt hashing: Argon2id before, HMAC-SHA256 after", "calls": args.calls,
                    "posts": args.posts, "rounds": args.rounds}
    try:
        migrate(env)
        import bare_app
        from form_page import parse_form
        from ingest import make_calls
        from tipline import timesource, create_app
        from tipline.extensions import db, limiter
        from tipline.intake import receipts
        from tipline.intake.hotline.importer import import_lines

        app = create_app()
        app.config["RATELIMIT_ENABLED"] = False
        limiter.enabled = False
        hmac_hash, argon_hash = receipts.code_hash, receipts.legacy_code_hash
        schemes = {"before": argon_hash, "after": hmac_hash}
        key = env["TIPLINE_HMAC_KEY"].encode()
        for name, fn in schemes.items():
            fn(receipts.new_code(), key)
            started = time.process_time()
            for _ in range(20):
                fn(receipts.new_code(), key)
            result[f"hash_alone_ms_{name}"] = (time.process_time() - started) * 1000 / 20  # CPU time
            log(f"{name}: the hash alone {result[f'hash_alone_ms_{name}']:.3f} ms CPU")

        # --- hotline import ---
        divisions = app.extensions["divisions"]
        counties = ["410000"] + [c.code for c in divisions.counties("410100")]
        all_calls = make_calls(args.calls * 2 * args.rounds + 50, counties)
        settings = app.config["TIPLINE"]
        hotline: dict = {"before": [], "after": []}
        hotline_cpu: dict = {"before": [], "after": []}
        with app.app_context():
            known = lambda c: c in divisions  # noqa: E731
            import_lines(db.factory, timesource.now(), list(enumerate(all_calls[-50:], 1)),  # warm-up
                         default_division=settings.intake_division, known_division=known)
            batch = 0
            for _round in range(args.rounds):
                for name, fn in schemes.items():
                    lines = all_calls[batch * args.calls:(batch + 1) * args.calls]
                    batch += 1
                    receipts.code_hash = fn
                    try:
                        started, cpu = time.perf_counter(), time.process_time()
                        summary = import_lines(db.factory, timesource.now(), list(enumerate(lines, 1)),
                                               default_division=settings.intake_division, known_division=known)
                        ms = (time.perf_counter() - started) * 1000 / len(lines)
                        cpu_ms = (time.process_time() - cpu) * 1000 / len(lines)
                    finally:
                        receipts.code_hash = hmac_hash
                    assert summary.new == len(lines), (summary.new, summary.rejected[:3])
                    hotline[name].append(ms)
                    hotline_cpu[name].append(cpu_ms)
                    log(f"hotline {name}: {ms:.2f} ms per call, {cpu_ms:.2f} ms CPU of this process "
                        f"({summary.new} new)")

        # --- web intake POST vs a bare insert endpoint ---
        client = app.test_client()

        def prefetch(n: int) -> list[dict]:
            forms = []
            for i in range(n):
                c = app.test_client()
                c.environ_base["REMOTE_ADDR"] = f"10.1.{i // 250}.{i % 250}"
                form = parse_form(c.get("/report").get_data(as_text=True))
                forms.append((c, form))
            return forms

        def post(c, form, i: int) -> None:
            data = {"kind": "report", "category_code": "test.false_report", "entity_name": f"郑州某检测{i}有限公司",
                    "entity_address": "郑州市金水区某路1号", "division_code": "410105", "occurred_on": "2026-02-10",
                    "description": f"该公司在没有做检测的情况下出具了水泥检验报告，报告编号 2026-{i:04d}，样品从未到实验室。",
                    "knowledge": "insider", "csrf_token": form["csrf"], "submission_token": form["token"],
                    "challenge": form["challenge"], "challenge_answer": form["answer"]}
            resp = c.post("/report", data=data, content_type="multipart/form-data")
            assert resp.status_code == 200 and 'data-testid="receipt-code"' in resp.get_data(as_text=True), resp.status_code

        bare_app.create_tables()
        bare_app.code_hash = lambda code, _key: secrets.token_hex(16)  # no hash at all: a unique value
        bare = bare_app.app.test_client()

        def bare_ms(n: int) -> tuple[float, float]:
            started, cpu = time.perf_counter(), time.process_time()
            for i in range(n):
                r = bare.post("/submit", data={"kind": "report", "category_code": "test.false_report",
                                               "entity_name": f"郑州某检测{i}有限公司", "division_code": "410105",
                                               "description": "该公司在没有做检测的情况下出具了水泥检验报告。"},
                              content_type="multipart/form-data")
                assert r.status_code == 200
            return (time.perf_counter() - started) * 1000 / n, (time.process_time() - cpu) * 1000 / n

        intake: dict = {"before": [], "after": [], "bare": []}
        intake_cpu: dict = {"before": [], "after": [], "bare": []}
        for c, f in prefetch(10):  # warm-up
            post(c, f, 0)
        bare_ms(10)
        n = 0
        for _round in range(args.rounds):
            for name, fn in schemes.items():
                forms = prefetch(args.posts)
                b_ms, b_cpu = bare_ms(args.posts)
                intake["bare"].append(b_ms)
                intake_cpu["bare"].append(b_cpu)
                receipts.code_hash = fn
                try:
                    started, cpu = time.perf_counter(), time.process_time()
                    for c, f in forms:
                        n += 1
                        post(c, f, n)
                    ms = (time.perf_counter() - started) * 1000 / len(forms)
                    cpu_ms = (time.process_time() - cpu) * 1000 / len(forms)
                finally:
                    receipts.code_hash = hmac_hash
                intake[name].append(ms)
                intake_cpu[name].append(cpu_ms)
                log(f"intake POST {name}: {ms:.2f} ms per POST ({cpu_ms:.2f} ms CPU); bare {b_ms:.2f} ms "
                    f"({b_cpu:.2f} ms CPU)")
        del client
        db.engine.dispose()
        bare_app.engine.dispose()

        med = {k: statistics.median(v) for k, v in hotline.items()}
        cmed = {k: statistics.median(v) for k, v in hotline_cpu.items()}
        result["hotline_cpu_ms_per_call"] = hotline_cpu | {"median_before": cmed["before"],
                                                           "median_after": cmed["after"]}
        icmed = {k: statistics.median(v) for k, v in intake_cpu.items()}
        result["intake_cpu_ms_per_post"] = intake_cpu | {f"median_{k}": v for k, v in icmed.items()} | {
            "ratio_before": icmed["bare"] / icmed["before"], "ratio_after": icmed["bare"] / icmed["after"]}
        result["hotline_ms_per_call"] = hotline | {"median_before": med["before"], "median_after": med["after"],
                                                   "speedup_same_run": med["before"] / med["after"],
                                                   "speedup_vs_33_7_ms": HOTLINE_BEFORE_MS / med["after"]}
        imed = {k: statistics.median(v) for k, v in intake.items()}
        result["intake_ms_per_post"] = intake | {f"median_{k}": v for k, v in imed.items()} | {
            "ratio_before": imed["bare"] / imed["before"], "ratio_after": imed["bare"] / imed["after"]}
        log(f"HOTLINE before {med['before']:.2f} ms/call, after {med['after']:.2f} ms/call: "
            f"{med['before'] / med['after']:.1f}x same run, {HOTLINE_BEFORE_MS / med['after']:.1f}x vs 33.7 ms "
            f"(goal >= 5x: {verdict(HOTLINE_BEFORE_MS / med['after'], 5.0)})")
        log(f"INTAKE POST ratio (bare / POST) before {result['intake_ms_per_post']['ratio_before']:.2f}, after "
            f"{result['intake_ms_per_post']['ratio_after']:.2f} (goal >= 0.5: "
            f"{verdict(result['intake_ms_per_post']['ratio_after'], 0.5)})")
        log(f"by CPU of this process: hotline {cmed['before']:.2f} -> {cmed['after']:.2f} ms/call; intake ratio "
            f"{result['intake_cpu_ms_per_post']['ratio_before']:.2f} -> {result['intake_cpu_ms_per_post']['ratio_after']:.2f}")
        save("receipt_hash", result)
    finally:
        if not args.keep_db:
            drop_db(DB)


if __name__ == "__main__":
    main()
