"""Duplicate-suggestion candidates at 1M tips: the merged per-code seeks (the app's `_candidates`)
against the former single range over the city's codes, same database, same run.

    python bench/load_tips.py --db tipline_bench --rows 1000000 --create
    python bench/suggestion_candidates.py --db tipline_bench [--repeat 15]

For a tip arriving now in each of six divisions: the median time of each way, the number of rows,
and whether both return the same candidates (they must).
"""
from __future__ import annotations

import os as _os
import sys as _sys

_here = _os.path.dirname(_os.path.abspath(__file__))
_sys.path[:] = [p for p in _sys.path if _os.path.abspath(p or ".") != _here] + [_here]

import argparse
import statistics
import time

from common import app_env, apply_env, log, new_instance, save

DIVISIONS = ["410100", "410102", "410000", "419001", "411700", "410300"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default="tipline_bench")
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args()
    apply_env(app_env(args.db, new_instance("candidates")))
    from sqlalchemy import func, select

    from tipline import create_app
    from tipline.cases import entities
    from tipline.extensions import db
    from tipline.intake.models import Tip
    from tipline.jurisdiction import code_prefix

    def single_range(session, tip):  # the statement before the sixth session
        since = tip.received_at - entities.SUGGESTION_WINDOW
        return session.execute(
            select(Tip.id, Tip.entity_uscc, Tip.entity_name, Tip.version, Tip.receipt_hash)
            .where(Tip.id != tip.id, Tip.received_at >= since, code_prefix(Tip.division_code, tip.division_code[:4]))
            .order_by(Tip.received_at.desc()).limit(entities.SUGGESTION_CANDIDATES)).all()

    app = create_app()
    result = {"figure": "suggestion candidates at the loaded tips: merged per-code seeks vs one range", "rows": {}}
    with app.app_context():
        session = db.session
        newest = session.scalar(select(func.max(Tip.received_at)))
        result["tips"] = session.scalar(select(func.count(Tip.id)))
        for code in DIVISIONS:
            tip = Tip(id=-1, division_code=code, received_at=newest)
            row = {}
            for name, fn in (("single_range", single_range), ("merged", entities._candidates)):
                fn(session, tip)
                times = []
                for _ in range(args.repeat):
                    t = time.perf_counter()
                    found = fn(session, tip)
                    times.append(time.perf_counter() - t)
                row[name] = {"ms": statistics.median(times) * 1000, "ids": sorted(r.id for r in found)}
            same = row["single_range"]["ids"] == row["merged"]["ids"]
            log(f"{code}: one range {row['single_range']['ms']:.1f} ms, merged {row['merged']['ms']:.1f} ms, "
                f"{len(row['merged']['ids'])} candidates, same: {same}")
            result["rows"][code] = {"single_range_ms": row["single_range"]["ms"], "merged_ms": row["merged"]["ms"],
                                    "candidates": len(row["merged"]["ids"]), "same_candidates": same}
        session.rollback()
        db.engine.dispose()
    save("suggestion_candidates", result)


if __name__ == "__main__":
    main()
