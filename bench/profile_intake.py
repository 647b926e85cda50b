"""Where a web submission's time goes in the app: cProfile of N GET /report + POST /report
(test client, in-process, PostgreSQL seeded with 2,000 recent tips as in bench/intake.py).

    python bench/profile_intake.py [--requests 30] [--no-profile]   (SORT=tottime TOP=40 to change the listing)
"""
from __future__ import annotations

import os as _os
import sys as _sys

_here = _os.path.dirname(_os.path.abspath(__file__))
_sys.path[:] = [p for p in _sys.path if _os.path.abspath(p or ".") != _here] + [_here]

import argparse
import cProfile
import functools
import pstats
import time
from collections import defaultdict

from common import apply_env, app_env, create_db, drop_db, libpq_dsn, migrate, new_instance

DB = "tipline_bench_profile_i"


class Timings:
    """TIMING=1: unprofiled wall time of chosen functions, wrapped in place (nested calls counted
    in each wrapper, so the rows overlap)."""

    def __init__(self):
        self.total = defaultdict(float)
        self.calls = defaultdict(int)

    def wrap(self, owner, name: str, label: str | None = None) -> None:
        fn = getattr(owner, name)
        label = label or f"{getattr(owner, '__name__', owner)}.{name}"

        @functools.wraps(fn)
        def timed(*a, **kw):
            t0 = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                self.total[label] += time.perf_counter() - t0
                self.calls[label] += 1
        setattr(owner, name, timed)

    def reset(self) -> None:
        self.total.clear()
        self.calls.clear()

    def report(self, submissions: int) -> None:
        for label, total in sorted(self.total.items(), key=lambda kv: -kv[1]):
            print(f"{total * 1000 / submissions:8.2f} ms/submission  {self.calls[label] / submissions:5.1f} calls  {label}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=30)
    ap.add_argument("--no-profile", action="store_true", help="time only (no cProfile overhead)")
    args = ap.parse_args()
    env = app_env(DB, new_instance("profi"))
    apply_env(env)
    create_db(DB)
    try:
        migrate(env)
        import load_tips
        from form_page import RECEIPT, form_data, parse_form
        load_tips.copy_tips(libpq_dsn(DB), 2000, load_tips._ciphertext(env), days=90, id_prefix="seed")
        from tipline import create_app
        from tipline.extensions import db
        app = create_app()
        from tipline.extensions import limiter
        app.config["RATELIMIT_ENABLED"] = False
        limiter.enabled = False
        client = app.test_client()

        def submit(timings):
            t0 = time.perf_counter()
            page = client.get("/report").get_data(as_text=True)
            t1 = time.perf_counter()
            f = parse_form(page)
            data = form_data()
            data.update(csrf_token=f["csrf"], submission_token=f["token"], challenge=f["challenge"],
                        challenge_answer=f["answer"])
            r = client.post("/report", data=data, content_type="multipart/form-data")
            t2 = time.perf_counter()
            assert RECEIPT.search(r.get_data(as_text=True)), r.status_code
            timings.append((t1 - t0, t2 - t1))

        tp = Timings()
        if _os.environ.get("TIMING"):  # unprofiled wall time of chosen functions
            from tipline.cases import entities
            from tipline.cases.deadlines import clocks as cl
            from tipline.calendar import services as cal
            from tipline.intake import services as isv, views as iv, receipts as rc
            from tipline.audit import services as au
            import wtforms.form
            tp.wrap(entities, "suggest_related"); tp.wrap(entities, "get_or_create_entity")
            tp.wrap(entities, "priority_of"); tp.wrap(cl, "start"); tp.wrap(cal.WorkCalendar, "load")
            tp.wrap(au, "record"); tp.wrap(rc, "code_hash"); tp.wrap(isv, "find_by_submission")
            tp.wrap(iv, "render_template"); tp.wrap(wtforms.form.Form, "validate"); tp.wrap(iv, "_drafts")
            tp.wrap(isv, "submit"); tp.wrap(iv, "_prepare"); tp.wrap(iv.ReportForm, "__call__", "ReportForm()")
        for _ in range(3):
            submit([])
        if _os.environ.get("STATEMENTS"):  # the statements of one GET + POST, each with its median time
            from sqlalchemy import event
            from common import postgres_cpu_seconds
            runs: list[list] = []

            def before(conn, cursor, statement, *rest):
                conn.info["t0"] = time.perf_counter()

            def after(conn, cursor, statement, *rest):
                runs[-1].append((statement, time.perf_counter() - conn.info.pop("t0")))
            event.listen(db.engine, "before_cursor_execute", before)
            event.listen(db.engine, "after_cursor_execute", after)
            pg = postgres_cpu_seconds()
            for _ in range(10):
                runs.append([])
                submit([])
            pg = postgres_cpu_seconds() - pg
            event.remove(db.engine, "before_cursor_execute", before)
            event.remove(db.engine, "after_cursor_execute", after)
            for i, (stmt, _t) in enumerate(runs[-1]):
                times = sorted(r[i][1] for r in runs if len(r) > i)
                print(f"{times[len(times) // 2] * 1000:6.2f} ms  " + " ".join(stmt.split())[:140])
            print(len(runs[-1]), f"statements; PostgreSQL CPU {pg / len(runs) * 1000:.1f} ms per GET + POST")
        tp.reset()
        prof = cProfile.Profile()
        timings: list = []
        if not args.no_profile:
            prof.enable()
        for _ in range(args.requests):
            submit(timings)
        prof.disable()
        if _os.environ.get("TIMING"):
            tp.report(args.requests)
        label = "unprofiled" if args.no_profile else "profiled"
        get = sorted(t[0] for t in timings)[len(timings) // 2] * 1000
        post = sorted(t[1] for t in timings)[len(timings) // 2] * 1000
        print(f"median GET /report {get:.1f} ms, POST /report {post:.1f} ms ({label})")
        if not args.no_profile:
            pstats.Stats(prof).sort_stats(_os.environ.get("SORT", "cumulative")).print_stats(int(_os.environ.get("TOP", "40")))
        db.engine.dispose()
    finally:
        drop_db(DB)


if __name__ == "__main__":
    main()
