"""Issue 19's hotline figure in-process: wall time, CPU and SQL per imported call.

    python bench/hotline_calls.py [--calls 800] [--warm 400] [--statements 25]
    PROFILE=tottime python bench/hotline_calls.py --calls 300     (cProfile, sorted by that key)

`import_lines` (what `tipline intake import-hotline` runs) over --calls new calls, after --warm
earlier calls so that the duplicate-suggestion window of the city is full, on a fresh PostgreSQL
database. Prints per call: wall time, this process's CPU time, statements sent and their summed
round-trip time (a `before/after_cursor_execute` listener), then the statements by total time.
To compare two versions of the code, run it alternately in two worktrees (docs/benchmarks.md,
"Eighth session"); one run moves by about 25 % on this virtual machine.
"""
from __future__ import annotations

import os as _os
import sys as _sys

_here = _os.path.dirname(_os.path.abspath(__file__))
_sys.path[:] = [p for p in _sys.path if _os.path.abspath(p or ".") != _here] + [_here]

import argparse
import time

from common import app_env, apply_env, create_db, drop_db, log, migrate, new_instance, save

DB = "tipline_bench_hotline_calls"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=800)
    ap.add_argument("--warm", type=int, default=400)
    ap.add_argument("--statements", type=int, default=25, help="how many statement kinds to list")
    args = ap.parse_args()
    env = app_env(DB, new_instance("hotlinecalls"))
    apply_env(env)
    create_db(DB)
    try:
        migrate(env)
        from ingest import make_calls
        from sqlalchemy import event

        from tipline import create_app, timesource
        from tipline.extensions import db
        from tipline.intake.hotline.importer import import_lines
        app = create_app()
        with app.app_context():
            divisions = app.extensions["divisions"]
            counties = ["410000"] + [c.code for c in divisions.counties("410100")]

            def run(lines):
                return import_lines(db.factory, timesource.now(), list(enumerate(lines, 1)),
                                    default_division="410000", known_division=lambda c: c in divisions)

            run(make_calls(args.warm, counties, seed=1))
            lines = [ln.replace(b"CC-BENCH-", b"CC-MEASURED-") for ln in make_calls(args.calls, counties, seed=2)]
            sent = {"n": 0, "s": 0.0}
            by_kind: dict[str, float] = {}

            @event.listens_for(db.engine, "before_cursor_execute")
            def before(conn, cursor, statement, params, context, many):
                conn.info["bench_t0"] = time.perf_counter()

            @event.listens_for(db.engine, "after_cursor_execute")
            def after(conn, cursor, statement, params, context, many):
                spent = time.perf_counter() - conn.info["bench_t0"]
                sent["n"] += 1
                sent["s"] += spent
                kind = " ".join(statement.split()[:4])[:70]
                by_kind[kind] = by_kind.get(kind, 0.0) + spent

            profiler = None
            if _os.environ.get("PROFILE"):
                import cProfile
                profiler = cProfile.Profile()
                profiler.enable()
            wall, cpu = time.perf_counter(), time.process_time()
            summary = run(lines)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            if profiler is not None:
                import pstats
                profiler.disable()
                pstats.Stats(profiler).sort_stats(_os.environ["PROFILE"]).print_stats(45)
            assert summary.new == args.calls, summary
            n = args.calls
            result = {"figure": "hotline import per call, in-process", "calls": n, "warm": args.warm,
                      "wall_ms": wall / n * 1000, "cpu_ms": cpu / n * 1000, "statements": sent["n"] / n,
                      "sql_ms": sent["s"] / n * 1000, "goal_ms": 33.7 / 5, "profiled": profiler is not None,
                      "by_statement_ms": {k: v / n * 1000 for k, v in sorted(by_kind.items(), key=lambda kv: -kv[1])},
                      "loadavg_1_5_15": _os.getloadavg()}
            log(f"per call: wall {result['wall_ms']:.2f} ms, cpu {result['cpu_ms']:.2f} ms, "
                f"statements {result['statements']:.1f}, sql {result['sql_ms']:.2f} ms (goal: wall <= 6.7 ms)")
            for kind, ms in list(result["by_statement_ms"].items())[:args.statements]:
                print(f"{ms:6.2f} ms  {kind}")
        db.engine.dispose()
        if profiler is None:
            save("hotline_calls", result)
    finally:
        drop_db(DB)


if __name__ == "__main__":
    main()
