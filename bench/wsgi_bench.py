"""The real Tipline app for the benchmarks, with rate limiting switched off.

There is no TIPLINE_* setting for rate limiting, and Flask-Limiter reads RATELIMIT_ENABLED only
inside `init_app` (which `create_app` has already called), so setting the config key afterwards
is not enough on its own: the limiter's `enabled` flag is what its decorators check per request.
Both are set here. Nothing else differs from `wsgi:app`.

Serve with: gunicorn --chdir /work/main bench.wsgi_bench:app
"""
from tipline import create_app
from tipline.extensions import limiter

app = create_app()
app.config["RATELIMIT_ENABLED"] = False
limiter.enabled = False  # what @limiter.limit checks per request (init_app already read the config)
