"""Where an imported hotline call's time goes: cProfile of import_lines over N calls (default 150).

    python bench/profile_ingest.py [--calls 150]
"""
from __future__ import annotations

import os as _os
import sys as _sys

_here = _os.path.dirname(_os.path.abspath(__file__))
_sys.path[:] = [p for p in _sys.path if _os.path.abspath(p or ".") != _here] + [_here]

import argparse
import cProfile
import pstats

from common import apply_env, app_env, create_db, drop_db, migrate, new_instance

DB = "tipline_bench_profile"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=150)
    args = ap.parse_args()
    env = app_env(DB, new_instance("profile"))
    apply_env(env)
    create_db(DB)
    try:
        migrate(env)
        from ingest import make_calls
        from tipline import timesource, create_app
        from tipline.extensions import db
        from tipline.intake.hotline.importer import import_lines
        app = create_app()
        with app.app_context():
            divisions = app.extensions["divisions"]
            counties = ["410000"] + [c.code for c in divisions.counties("410100")]
            warm = make_calls(400, counties, seed=1)  # 300+ earlier tips: the suggestion window is full
            import_lines(db.factory, timesource.now(), list(enumerate(warm, 1)), default_division="410000",
                         known_division=lambda c: c in divisions)
            lines = [ln.replace(b"CC-BENCH-", b"CC-PROF-") for ln in make_calls(args.calls, counties, seed=2)]
            prof = cProfile.Profile()
            prof.enable()
            import_lines(db.factory, timesource.now(), list(enumerate(lines, 1)), default_division="410000",
                         known_division=lambda c: c in divisions)
            prof.disable()
            pstats.Stats(prof).sort_stats("cumulative").print_stats(35)
        db.engine.dispose()
    finally:
        drop_db(DB)


if __name__ == "__main__":
    main()
