"""Where a queue page's time goes in the app: cProfile of N GET /staff/tips (test client, in-process).

    python bench/profile_queue.py [--rows 20000] [--requests 30]
"""
from __future__ import annotations

import os as _os
import sys as _sys

_here = _os.path.dirname(_os.path.abspath(__file__))
_sys.path[:] = [p for p in _sys.path if _os.path.abspath(p or ".") != _here] + [_here]

import argparse
import cProfile
import pstats
import time

from common import apply_env, app_env, create_db, drop_db, libpq_dsn, migrate, new_instance

DB = "tipline_bench_profile_q"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=20000)
    ap.add_argument("--requests", type=int, default=30)
    ap.add_argument("--no-profile", action="store_true", help="time only (no cProfile overhead)")
    args = ap.parse_args()
    env = app_env(DB, new_instance("profq"))
    apply_env(env)
    create_db(DB)
    try:
        migrate(env)
        import load_tips
        load_tips.create_staff(env)
        load_tips.copy_tips(libpq_dsn(DB), args.rows, load_tips._ciphertext(env))
        import re
        from tipline import create_app
        from tipline.extensions import db
        app = create_app()
        client = app.test_client()
        page = client.get("/staff/login").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
        client.post("/staff/login", data={"csrf_token": csrf, "username": load_tips.OFFICER,
                                          "password": load_tips.PASSWORD})
        html = client.get("/staff/tips").get_data(as_text=True)
        after = re.search(r'[?&]after=([A-Za-z0-9_-]+)', html).group(1)
        url = "/staff/tips?after=" + after
        client.get(url)
        prof = cProfile.Profile()
        t, cpu = time.perf_counter(), time.process_time()
        if not args.no_profile:
            prof.enable()
        for _ in range(args.requests):
            assert client.get(url).status_code == 200
        prof.disable()
        label = "unprofiled" if args.no_profile else "profiled"
        print(f"{(time.perf_counter() - t) / args.requests * 1000:.1f} ms per page ({label}), "
              f"{(time.process_time() - cpu) / args.requests * 1000:.1f} ms of this process's CPU")
        if not args.no_profile:
            pstats.Stats(prof).sort_stats(_os.environ.get("SORT", "cumulative")).print_stats(int(_os.environ.get("TOP", "30")))
        db.engine.dispose()
    finally:
        drop_db(DB)


if __name__ == "__main__":
    main()
