"""Figure 4: the reminder sweep's generate step with 1,000,000 open clocks vs 1,000 open clocks.

    python bench/reminders.py --db tipline_bench [--clocks 1000000] [--repeat 5]

Both phases have the same 200 running clocks due within the look-ahead (some overdue, some due
today, some due within three working days), spread over Henan's counties; the rest are running
clocks due 1-2 years ahead. Clock rows are inserted directly with COPY (no tip or case behind
them: the handlers then fall back to the city's supervisors, created by bench/load_tips.py).

Phase small: 200 due + 800 far = 1,000 open clocks. Phase large: + 999,000 far = 1,000,000.
Each measurement is tipline.cases.deadlines.reminders.generate(session, now, cal) in-process against
PostgreSQL, repeated (the reminder table is emptied between repetitions, outside the timing),
median taken. Goal: large / small within 2x.
"""
from __future__ import annotations

import os as _os
import sys as _sys

# bench/queue.py would shadow the standard library's `queue` (psycopg, urllib3 and gunicorn import
# it): keep this folder on the path, but after the standard library.
_here = _os.path.dirname(_os.path.abspath(__file__))
_sys.path[:] = [p for p in _sys.path if _os.path.abspath(p or ".") != _here] + [_here]

import argparse
import datetime as dt
import random
import statistics
import time

import psycopg

from common import apply_env, app_env, db_exists, libpq_dsn, log, new_instance, save, verdict

DUE = 200
SMALL = 1000
COLUMNS = ("kind", "division_code", "start_on", "length", "unit", "rule_from", "extended", "state", "due_on",
           "provisional", "created_at")
TYPES = ("varchar", "varchar", "date", "int4", "varchar", "date", "int4", "varchar", "date", "bool", "timestamptz")
KINDS = ("filing", "complaint_acceptance", "investigation")


def clock_rows(n: int, counties: list[str], due_dates: list[dt.date] | None, today: dt.date, seed: int):
    rng = random.Random(seed)
    now = dt.datetime.now(dt.timezone.utc)
    for i in range(n):
        due = due_dates[i] if due_dates else today + dt.timedelta(days=rng.randint(365, 730))
        start = due - dt.timedelta(days=15)
        yield (rng.choice(KINDS), rng.choice(counties), start, 15, "workdays", dt.date(2024, 1, 1), 0, "running",
               due, False, now)


def copy_clocks(dsn: str, rows) -> None:
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        with cur.copy(f"COPY clock ({', '.join(COLUMNS)}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(TYPES)
            for row in rows:
                copy.write_row(row)
        conn.commit()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("ANALYZE clock")


def reset(dsn: str) -> None:
    with psycopg.connect(dsn) as conn:
        conn.execute("DELETE FROM reminder")
        conn.commit()


def plan(dsn: str, horizon: dt.date) -> str:
    with psycopg.connect(dsn) as conn:
        return "\n".join(r[0] for r in conn.execute(
            "EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM clock WHERE state = 'running' AND due_on <= %s AND id > 0 "
            "ORDER BY id LIMIT 200", (horizon,)))


def measure(factory, dsn: str, now, cal, repeat: int) -> dict:
    from tipline.cases.deadlines.reminders import generate
    times, created = [], 0
    for _ in range(repeat):
        reset(dsn)
        with factory() as session:
            t = time.perf_counter()
            created = generate(session, now, cal)
            times.append(time.perf_counter() - t)
    with psycopg.connect(dsn) as conn:
        rows = conn.execute("SELECT count(*) FROM reminder").fetchone()[0]
    return {"reminder_rows_in_table": rows, "median_ms": statistics.median(times) * 1000, "min_ms": min(times) * 1000, "runs": repeat,
            "reminders_created": created}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default="tipline_bench")
    ap.add_argument("--clocks", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    if not db_exists(args.db):
        raise SystemExit(f"database {args.db} does not exist: run bench/load_tips.py --create first")
    env = app_env(args.db, new_instance("reminders"))
    apply_env(env)
    dsn = libpq_dsn(args.db)
    from tipline import timesource, create_app
    from tipline.calendar.services import WorkCalendar
    from tipline.cases.deadlines.clocks import local_date
    from tipline.cases.deadlines.reminder_rules import shipped_reminder_rules
    from tipline.extensions import db
    app = create_app()
    with app.app_context():
        counties = [c.code for city in app.extensions["divisions"].cities()
                    for c in (app.extensions["divisions"].counties(city.code) or [city])]
        now = timesource.now()
        with db.factory() as s:
            cal = WorkCalendar.load(s)
        today = local_date(now)
        horizon = cal.add_workdays(today, shipped_reminder_rules().look_ahead).date
        rng = random.Random(7)
        span = (horizon - today).days
        due_dates = [today + dt.timedelta(days=rng.randint(-5, span)) for _ in range(DUE)]

        with psycopg.connect(dsn) as conn:
            conn.execute("DELETE FROM reminder")
            conn.execute("DELETE FROM staff_notice")
            conn.execute("DELETE FROM clock")
            conn.commit()
        copy_clocks(dsn, clock_rows(DUE, counties, due_dates, today, 1))
        copy_clocks(dsn, clock_rows(SMALL - DUE, counties, None, today, 2))
        small = measure(db.factory, dsn, now, cal, args.repeat)
        small["plan"] = plan(dsn, horizon)
        log(f"{SMALL:,} open clocks: generate median {small['median_ms']:.1f} ms, generate() returned {small['reminders_created']}, "
            f"{small['reminder_rows_in_table']} reminder rows")

        t = time.perf_counter()
        copy_clocks(dsn, clock_rows(args.clocks - SMALL, counties, None, today, 3))
        log(f"added {args.clocks - SMALL:,} far-future clocks in {time.perf_counter() - t:.1f} s")
        large = measure(db.factory, dsn, now, cal, args.repeat)
        large["plan"] = plan(dsn, horizon)
        log(f"{args.clocks:,} open clocks: generate median {large['median_ms']:.1f} ms, "
            f"generate() returned {large['reminders_created']}, {large['reminder_rows_in_table']} reminder rows")
        ratio = large["median_ms"] / small["median_ms"]
        result = {"figure": "reminder generate, many vs few open clocks", "due_clocks": DUE,
                  "small_open_clocks": SMALL, "large_open_clocks": args.clocks, "small": small, "large": large,
                  "ratio": ratio, "goal": 2.0, "verdict": verdict(ratio, 2.0, higher_is_better=False),
                  "horizon": horizon.isoformat(), "today": today.isoformat()}
        log(f"RATIO large/small = {ratio:.2f} (goal <= 2: {result['verdict']})")
        save("reminders", result)
        with psycopg.connect(dsn) as conn:  # leave the shared database as the tips loader made it
            conn.execute("DELETE FROM reminder")
            conn.execute("DELETE FROM clock")
            conn.commit()
        db.engine.dispose()


if __name__ == "__main__":
    main()
