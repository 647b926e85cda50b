"""City officers' triage queue at 1M tips: the merged per-code read against the single-statement
plan it replaced, in the same run, for every one of Henan's 18 cities.

    python bench/city_queue.py --db tipline_bench [--pages 5] [--repeat 5]

A city's tips lie under its own code and its counties' codes. Before, a city officer's page was one
SELECT filtered by a code range and ordered by the queue's order, which PostgreSQL served by walking
the whole province's queue index and filtering for the city: cheap for Zhengzhou (a fifth of the
tips), slow for a small city. Now `tipline.cases.queue.queue_page` merges one index seek per code.
The baseline is the same function with the merge switched off (`_divisions_to_merge` returning
None), so both sides build their statement, run it and read the rows the same way.

Each figure is the median over `--repeat` walks of the time of pages 1..`--pages` (in-process,
keyset cursors), the two plans alternating, for three views: priority order, priority order with
one channel (hotline, a quarter of the tips), and newest first.
"""
from __future__ import annotations

import os as _os
import sys as _sys

_here = _os.path.dirname(_os.path.abspath(__file__))
_sys.path[:] = [p for p in _sys.path if _os.path.abspath(p or ".") != _here] + [_here]

import argparse
import statistics
import time
import types

from common import apply_env, app_env, db_exists, log, new_instance, save


VARIANTS = (("priority, no filter", {}), ("priority, hotline only", {"channel": "hotline"}),
            ("newest first", {"sort": "newest"}))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default="tipline_bench")
    ap.add_argument("--pages", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    if not db_exists(args.db):
        raise SystemExit(f"database {args.db} does not exist: run bench/load_tips.py --create first")
    apply_env(app_env(args.db, new_instance("cityq")))
    from tipline import create_app
    from tipline.cases import queue as q
    from tipline.divisions import packaged
    from tipline.extensions import db

    merged_codes = q._divisions_to_merge

    def walk(user, merge: bool, f: dict) -> float:
        q._divisions_to_merge = merged_codes if merge else (lambda _user: None)
        try:
            cursor, started = None, time.perf_counter()
            for _ in range(args.pages):
                page = q.queue_page(db.session, user, q.QueueFilter(**f), cursor=cursor)
                cursor = page.next_cursor
                if not cursor:
                    break
            db.session.rollback()
            return (time.perf_counter() - started) / args.pages * 1000
        finally:
            q._divisions_to_merge = merged_codes

    app = create_app()
    results = {}
    with app.app_context():
        for label, f in VARIANTS:
            rows = results[label] = []
            for city in packaged().cities():
                user = types.SimpleNamespace(division_code=city.code, sees_all=False, id=0)
                walk(user, True, f), walk(user, False, f)  # warm: plans, caches
                merged, single = [], []
                for r in range(args.repeat):
                    order = ((True, merged), (False, single)) if r % 2 == 0 else ((False, single), (True, merged))
                    for merge, out in order:
                        out.append(walk(user, merge, f))
                row = {"city": city.code, "name": city.name("zh"), "codes": len(merged_codes(user) or [city.code]),
                       "merged_ms": statistics.median(merged), "single_statement_ms": statistics.median(single)}
                rows.append(row)
                log(f"{label}: {city.code} {row['name']}: {row['codes']} codes, merged {row['merged_ms']:.1f} ms, "
                    f"single statement {row['single_statement_ms']:.1f} ms per page")
        db.engine.dispose()
    summary = {}
    for label, rows in results.items():
        summary[label] = {k: round(fn(r[key] for r in rows), 1) for k, fn, key in (
            ("slowest_merged_ms", max, "merged_ms"), ("slowest_single_ms", max, "single_statement_ms"),
            ("median_merged_ms", statistics.median, "merged_ms"),
            ("median_single_ms", statistics.median, "single_statement_ms"))}
        log(f"{label}: slowest city merged {summary[label]['slowest_merged_ms']} ms vs single statement "
            f"{summary[label]['slowest_single_ms']} ms per page; medians over cities "
            f"{summary[label]['median_merged_ms']} vs {summary[label]['median_single_ms']} ms")
    save("city_queue", {"figure": "city officers' queue, merged per-code reads vs one statement",
                        "pages": args.pages, "repeat": args.repeat, "summary": summary, "cities": results})

if __name__ == "__main__":
    main()
