"""Issue 24: drawing a plan over 50,000 bodies, and the public inspections page at 10,000 results.

    python bench/inspections.py [--db tipline_bench_insp] [--bodies 50000] [--results 10000] [--repeat 3]

Runs in-process against PostgreSQL (a fresh database, migrated). Every figure is a RATIO against a
baseline measured in the same run (goal >= 0.5):

1. draw: `services.draw_plan` for a Zhengzhou plan over the bodies (tiers computed, list frozen and
   hashed, 5% of the normal tier drawn, tasks, clocks and officers stored, audit event), rolled back
   after each repetition, vs a bare SELECT of the same candidate rows (credit code and entity id of
   the division's active bodies, in credit code order).
2. page: GET /public/inspections?year=2025 (figures cache cleared before each request, first page of
   50 results among `--results` final inspections) through the Flask test client, vs a bare SELECT
   of the same 50 rows the page shows (the same join, columns and order, no ORM objects).

Printed and saved for context, NOT the issue's figures: the same page with its figures cache warm
(`page_warm_ms`, how it is served for the rest of the five minutes), and the cold page against a
bare SELECT of all `--results` rows behind it (`page_vs_all_rows_ratio`; the page shows 50 of them
and counts all of them, so this baseline is looser than the issue's and flatters the page).
"""
from __future__ import annotations

import os as _os
import sys as _sys

_here = _os.path.dirname(_os.path.abspath(__file__))
_sys.path[:] = [p for p in _sys.path if _os.path.abspath(p or ".") != _here] + [_here]

import argparse
import json
import datetime as dt
import statistics
import time

from common import BENCH_KEYS, create_db, db_url, log, save

UTC = dt.timezone.utc


def timed(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default="tipline_bench_insp")
    ap.add_argument("--bodies", type=int, default=50_000)
    ap.add_argument("--results", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    _os.environ.update(BENCH_KEYS)
    import tempfile

    from sqlalchemy import insert, select, text

    from tipline import create_app, migrate
    from tipline.calendar.services import WorkCalendar
    from tipline.cases.models import Entity
    from tipline.extensions import db
    from tipline.inspections import register, services
    from tipline.inspections.models import BodyInspection, InspectionPlan, SupervisedBody
    from tipline.public_pages import clear_cache
    from tests import factories

    create_db(args.db)
    url = db_url(args.db)
    instance = tempfile.mkdtemp(prefix="bench-insp-")
    app = create_app({"database_url": url, "instance_path": instance, "scheduler_enabled": False})
    now = dt.datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
    app.config["TIPLINE_CLOCK"] = lambda: now
    with app.app_context():
        migrate.upgrade(url)
        session = db.session
        log(f"loading {args.bodies} bodies")
        rows = register.rows("410100", args.bodies)
        session.execute(insert(Entity), [{"key": "uscc:" + r["uscc"], "name": r["name"], "uscc": r["uscc"],
                                          "substantiated": 1 if i % 50 == 0 else 0} for i, r in enumerate(rows)])
        ids = dict(session.execute(select(Entity.uscc, Entity.id)).all())
        session.execute(insert(SupervisedBody), [dict(r, entity_id=ids[r["uscc"]], created_at=now, updated_at=now)
                                                 for r in rows])
        for n in range(4):
            factories.user(session, now=now, username=f"bench-officer{n}", role="officer", division_code="410100")
        session.commit()
        tiers = app.extensions["inspection_tiers"]
        cal = WorkCalendar.load(session)
        known = lambda c: c in app.extensions["divisions"]  # noqa: E731

        # A drawn 2025 plan with `--results` final inspections, for the page.
        old = services.create_plan(session, now=now, year=2025, division_code="410100", tiers=tiers,
                                   known_division=known)
        # A drawn plan's stored list is as long as its register (50,000 codes), as on a real instance.
        from tipline.inspections import draw as drawing
        old.state, old.seed, old.drawn = "drawn", "1", "[]"
        old.candidates = drawing.canonical([[r["uscc"], "normal"] for r in sorted(rows, key=lambda r: r["uscc"])])
        old.candidates_digest = drawing.text_digest(old.candidates)
        old.drawn_at = now
        body_ids = list(session.scalars(select(SupervisedBody.id).order_by(SupervisedBody.id).limit(args.results)))
        old.drawn = json.dumps(sorted(session.scalars(select(SupervisedBody.uscc).where(SupervisedBody.id.in_(body_ids)))))
        session.execute(insert(BodyInspection), [
            {"plan_id": old.id, "body_id": b, "round": 1, "tier": "normal", "due_on": dt.date(2025, 6, 1),
             "state": "final", "result": ("no_problem", "problems", "rectification")[i % 3],
             "inspected_on": dt.date(2025, 1, 1) + dt.timedelta(days=i % 360), "problem_kinds": "" if i % 3 == 0 else "records",
             "problems_count": 0 if i % 3 == 0 else 1, "findings": "",
             "rectification_due": dt.date(2025, 12, 31) if i % 3 == 2 else None} for i, b in enumerate(body_ids)])
        session.commit()
        plan = services.create_plan(session, now=now, year=2026, division_code="410100", tiers=tiers,
                                    known_division=known)
        session.commit()
        plan_id = plan.id
        session.execute(text("ANALYZE"))
        session.commit()

        def bare_candidates():
            session.execute(select(SupervisedBody.uscc, SupervisedBody.entity_id)
                            .where(SupervisedBody.status == "active",
                                   services.in_division(SupervisedBody.division_code, "410100"))
                            .order_by(SupervisedBody.uscc)).all()
            session.rollback()

        drawn_counts = []

        def draw():
            p = session.get(InspectionPlan, plan_id)
            result = services.draw_plan(session, now=now, plan=p, tiers=tiers, cal=cal, actor_label="bench")
            drawn_counts.append(len(result.inspection_ids))
            session.rollback()

        bare_candidates()
        draw()  # warm-up (both)
        if _os.environ.get("PROFILE"):
            import cProfile, pstats
            cProfile.runctx("draw()", globals(), locals(), "/tmp/wt24-draw.prof")
            pstats.Stats("/tmp/wt24-draw.prof").sort_stats("cumulative").print_stats(25)
            return
        t_bare = timed(bare_candidates, args.repeat)
        t_draw = timed(draw, args.repeat)
        log(f"draw: {t_draw * 1000:.0f} ms for {drawn_counts[-1]} inspections; bare select {t_bare * 1000:.0f} ms")

    client = app.test_client()
    page_rows = text(
        "SELECT b.name, b.uscc, b.division_code, i.inspected_on, i.result, i.problem_kinds, i.rectification_due,"
        " i.rectified_on, i.plan_id FROM body_inspection i JOIN supervised_body b ON b.id = i.body_id"
        " JOIN inspection_plan p ON p.id = i.plan_id WHERE p.year = 2025 AND i.state = 'final'"
        " AND b.division_code >= '4101' AND b.division_code < '4102'"
        " ORDER BY i.inspected_on DESC, i.id DESC LIMIT 50")

    def page():
        clear_cache()
        response = client.get("/public/inspections?year=2025&division=410100")
        assert response.status_code == 200 and b"data-testid=\"public-inspections\"" in response.data

    all_rows = text(str(page_rows).replace(" LIMIT 50", ""))

    def page_warm():
        response = client.get("/public/inspections?year=2025&division=410100")
        assert response.status_code == 200

    def bare_all_rows():
        with app.app_context():
            db.session.execute(all_rows).all()
            db.session.rollback()

    def bare_page():
        with app.app_context():
            db.session.execute(page_rows).all()
            db.session.rollback()

    page()
    bare_page()
    t_page = timed(page, args.repeat * 3)
    t_bare_page = timed(bare_page, args.repeat * 3)
    log(f"page: {t_page * 1000:.1f} ms; bare select of its 50 rows {t_bare_page * 1000:.1f} ms")
    page_warm()
    bare_all_rows()
    t_warm = timed(page_warm, args.repeat * 3)
    t_all = timed(bare_all_rows, args.repeat * 3)
    log(f"context only: page with warm figures cache {t_warm * 1000:.1f} ms; "
        f"bare select of all {args.results} rows {t_all * 1000:.1f} ms")
    result = {"bodies": args.bodies, "results": args.results, "drawn": drawn_counts[-1],
              "draw_ms": round(t_draw * 1000, 1), "draw_bare_ms": round(t_bare * 1000, 1),
              "draw_ratio": round(t_bare / t_draw, 3),
              "page_ms": round(t_page * 1000, 1), "page_bare_ms": round(t_bare_page * 1000, 1),
              "page_ratio": round(t_bare_page / t_page, 3),
              "context_only": {"page_warm_ms": round(t_warm * 1000, 1), "page_warm_ratio": round(t_bare_page / t_warm, 3),
                               "all_rows_bare_ms": round(t_all * 1000, 1),
                               "page_vs_all_rows_ratio": round(t_all / t_page, 3)}}
    log(result)
    save("inspections", result)


if __name__ == "__main__":
    main()
