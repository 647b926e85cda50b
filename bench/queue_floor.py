"""What limits figure 3b: the cost of a staff page before it shows any queue, against the bare select.

    python bench/queue_floor.py [--rows 20000] [--rounds 7] [--requests 60]

In-process (Flask test clients, no gunicorn), PostgreSQL, in alternated rounds whose medians are
reported. Each request's cost is this process's CPU plus PostgreSQL's CPU (all its backends), per
request, because on this 2-core machine the throughput of figure 3b is bounded by that total:

  bare      GET /queue?after=CURSOR on bench/bare_app.py: the keyset SELECT as JSON (3b's baseline)
  healthz   GET /healthz on the app: Flask, the app's hooks and security headers, no session
  signed-in a route behind @staff_required that returns "ok": the staff session check (one
            statement: session, account, site 2FA setting) and Flask-Login, nothing rendered
  layout    the same, rendering base.html with an empty content block: the page chrome every staff
            page has (menu by role, language switch, sign-out form with its CSRF token)
  queue     GET /staff/tips?after=CURSOR: the real page (filters form, 50 rows)

The two extra routes exist only in this process (registered on the app object here); nothing is
added to the application. Each ratio is bare ÷ that row, the same sense as 3b's "app ÷ bare
throughput": if even "layout" is near or below 0.5, no queue page built on that layout can reach
3b's goal without caching whole pages.
"""
from __future__ import annotations

import os as _os
import sys as _sys

_here = _os.path.dirname(_os.path.abspath(__file__))
_sys.path[:] = [p for p in _sys.path if _os.path.abspath(p or ".") != _here] + [_here]

import argparse
import re
import statistics
import time

from common import (app_env, apply_env, create_db, drop_db, libpq_dsn, log, migrate, new_instance,
                    postgres_cpu_seconds, save)

DB = "tipline_bench_floor"
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
NEXT = re.compile(r'[?&]after=([A-Za-z0-9_-]+)')


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=20000)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--requests", type=int, default=60, help="requests per case per round")
    args = ap.parse_args()
    env = app_env(DB, new_instance("floor"))
    apply_env(env)
    create_db(DB)
    try:
        migrate(env)
        import load_tips
        load_tips.create_staff(env)
        load_tips.copy_tips(libpq_dsn(DB), args.rows, load_tips._ciphertext(env))
        from flask import render_template
        from jinja2 import ChoiceLoader, DictLoader

        from tipline import create_app
        from tipline.auth.access import staff_required
        from tipline.extensions import db

        app = create_app()
        app.jinja_env.loader = ChoiceLoader([
            DictLoader({"bench_floor.html": '{% extends "base.html" %}{% block content %}ok{% endblock %}'}),
            app.jinja_env.loader])

        @app.get("/staff/bench-floor/signed-in")
        @staff_required()
        def floor_signed_in():
            return "ok"

        @app.get("/staff/bench-floor/layout")
        @staff_required()
        def floor_layout():
            return render_template("bench_floor.html")

        client = app.test_client()
        csrf = CSRF.search(client.get("/staff/login").get_data(as_text=True)).group(1)
        client.post("/staff/login", data={"csrf_token": csrf, "username": load_tips.OFFICER,
                                          "password": load_tips.PASSWORD})
        after = NEXT.search(client.get("/staff/tips").get_data(as_text=True)).group(1)

        import bare_app
        bare = bare_app.app.test_client()
        cases = {
            "bare": (bare, f"/queue?after={after}"),
            "healthz": (client, "/healthz"),
            "signed-in": (client, "/staff/bench-floor/signed-in"),
            "layout": (client, "/staff/bench-floor/layout"),
            "queue": (client, f"/staff/tips?after={after}"),
        }
        for name, (c, url) in cases.items():
            response = c.get(url)
            assert response.status_code == 200, (name, response.status_code)
        assert "ok" in client.get("/staff/bench-floor/layout").get_data(as_text=True)

        per_request = {name: [] for name in cases}
        for r in range(args.rounds):
            order = list(cases)[r % len(cases):] + list(cases)[:r % len(cases)]
            for name in order:
                c, url = cases[name]
                for _ in range(10):
                    c.get(url)
                cpu, pg = time.process_time(), postgres_cpu_seconds()
                for _ in range(args.requests):
                    c.get(url)
                spent = (time.process_time() - cpu) + (postgres_cpu_seconds() - pg)
                per_request[name].append(spent / args.requests * 1000)
        medians = {name: statistics.median(xs) for name, xs in per_request.items()}
        result = {"figure": "3b floor: CPU per request (this process + PostgreSQL), in-process",
                  "rows": args.rows, "rounds": args.rounds, "requests_per_round": args.requests,
                  "ms_per_request": medians, "rounds_ms": per_request,
                  "bare_over": {name: medians["bare"] / m for name, m in medians.items()}}
        for name, m in medians.items():
            log(f"{name:10s} {m:6.2f} ms CPU per request   bare ÷ this {medians['bare'] / m:.2f}")
        db.engine.dispose()
        bare_app.engine.dispose()
        save("queue_floor", result)
    finally:
        drop_db(DB)


if __name__ == "__main__":
    main()
