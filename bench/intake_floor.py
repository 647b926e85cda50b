"""What limits issue 19's intake figure: the cost of any form POST on this stack, against the bare insert.

    python bench/intake_floor.py [--rounds 5] [--requests 40]

Issue 19 asks for the submitting POST /report to reach at least 0.5 of the throughput of a bare
insert endpoint without any hash (bench/bare_app.py POST /submit: form parse, one HMAC, one INSERT).
On this 2-core machine throughput is bounded by CPU, so the figure is CPU per request. In-process
(Flask test clients, no gunicorn), PostgreSQL, alternated rounds whose medians are reported; each
request's cost is this process's CPU plus PostgreSQL's CPU (all its backends):

  bare      POST /submit on bench/bare_app.py: the issue's baseline
  form      POST to a route that exists only in this process (registered on the app object here):
            the real ReportForm with the same data: CSRF check, every field's validators, the
            challenge, then base.html with an empty content block. No database, no encryption, no
            audit, nothing stored: the least any form POST answered with a page costs in this app
  post      POST /report: the real submission (forms fetched before each measured batch, each
            posted once; the GETs are not counted)

Each ratio is bare / that row, in the sense of the issue's "POST at least 0.5x a bare insert": if
"form" is already below 0.5, no intake built on Flask-WTF forms and the public layout can reach the
goal, whatever it does with the database.
"""
from __future__ import annotations

import os as _os
import sys as _sys

_here = _os.path.dirname(_os.path.abspath(__file__))
_sys.path[:] = [p for p in _sys.path if _os.path.abspath(p or ".") != _here] + [_here]

import argparse
import statistics
import time

from common import (app_env, apply_env, create_db, drop_db, libpq_dsn, log, migrate, new_instance,
                    postgres_cpu_seconds, save)

DB = "tipline_bench_intake_floor"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--requests", type=int, default=40, help="requests per case per round")
    args = ap.parse_args()
    env = app_env(DB, new_instance("intakefloor"))
    apply_env(env)
    create_db(DB)
    try:
        migrate(env)
        import load_tips
        from form_page import RECEIPT, form_data, parse_form
        load_tips.copy_tips(libpq_dsn(DB), 2000, load_tips._ciphertext(env), days=90, id_prefix="seed")
        from flask import render_template
        from jinja2 import ChoiceLoader, DictLoader

        from wsgi_bench import app  # the real app with rate limiting off (docs/benchmarks.md, "Rate limiting")

        from tipline.extensions import db
        from tipline.intake import views as intake_views

        app.jinja_env.loader = ChoiceLoader([
            DictLoader({"bench_floor.html": '{% extends "base.html" %}{% block content %}ok{% endblock %}'}),
            app.jinja_env.loader])
        validated: list[bool] = []

        @app.post("/bench-floor/form")
        def floor_form():
            form = intake_views.ReportForm()
            intake_views._prepare(form)
            validated.append(form.validate())
            return render_template("bench_floor.html")

        client = app.test_client()

        def fetch_form() -> dict:
            f = parse_form(client.get("/report").get_data(as_text=True))
            data = form_data()
            data.update(csrf_token=f["csrf"], submission_token=f["token"], challenge=f["challenge"],
                        challenge_answer=f["answer"])
            return data

        import bare_app
        bare_app.create_tables()
        bare = bare_app.app.test_client()

        def run(name: str, n: int):
            """n requests of case `name`; returns a callable doing them (forms prefetched)."""
            if name == "bare":
                items = [form_data() for _ in range(n)]
                return lambda: [bare.post("/submit", data=d) for d in items]
            if name == "form":
                items = [fetch_form() for _ in range(n)]
                return lambda: [client.post("/bench-floor/form", data=d, content_type="multipart/form-data")
                                for d in items]
            items = [fetch_form() for _ in range(n)]

            def posts():
                for d in items:
                    r = client.post("/report", data=d, content_type="multipart/form-data")
                    assert RECEIPT.search(r.get_data(as_text=True)), r.status_code
            return posts

        cases = ("bare", "form", "post")
        for name in cases:  # warm-up, and the checks that each case does what it says
            run(name, 5)()
        assert validated and all(validated), "the floor form did not validate: it would be cheaper than a real POST"
        per_request: dict[str, list[float]] = {name: [] for name in cases}
        for r in range(args.rounds):
            for name in cases[r % 3:] + cases[:r % 3]:
                batch = run(name, args.requests)
                cpu, pg = time.process_time(), postgres_cpu_seconds()
                batch()
                spent = (time.process_time() - cpu) + (postgres_cpu_seconds() - pg)
                per_request[name].append(spent / args.requests * 1000)
        medians = {name: statistics.median(xs) for name, xs in per_request.items()}
        result = {"figure": "issue 19 intake floor: CPU per request (this process + PostgreSQL), in-process",
                  "rounds": args.rounds, "requests_per_round": args.requests, "ms_per_request": medians,
                  "rounds_ms": per_request, "bare_over": {name: medians["bare"] / m for name, m in medians.items()},
                  "loadavg_1_5_15": _os.getloadavg()}
        for name, m in medians.items():
            log(f"{name:6s} {m:6.2f} ms CPU per request   bare / this {medians['bare'] / m:.2f}")
        db.engine.dispose()
        bare_app.engine.dispose()
        save("intake_floor", result)
    finally:
        drop_db(DB)


if __name__ == "__main__":
    main()
