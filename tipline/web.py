"""Response headers, error pages and template helpers shared by every blueprint."""
from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import format_datetime

from .clock import local

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def init_app(app: Flask) -> None:
    secure = app.config["TIPLINE"].secure_cookies

    @app.after_request
    def _headers(response):
        h = response.headers
        h.setdefault("Content-Security-Policy", CSP)
        h.setdefault("X-Frame-Options", "DENY")
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("Referrer-Policy", "no-referrer")
        h.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
        h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if secure:
            h.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
        # Pages may show tip data; nothing but static assets is kept by browsers or proxies.
        if request.endpoint != "static":
            h["Cache-Control"] = "no-store"
            h["Pragma"] = "no-cache"
        return response

    def _error(code: int):
        def handler(exc):
            return render_template(f"errors/{code}.html", error=exc), code
        return handler

    for code in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, _error(code))

    @app.template_filter("localtime")
    def _localtime(value, fmt="yyyy-MM-dd HH:mm"):
        if value is None:
            return ""
        return format_datetime(local(value), fmt)

    @app.template_filter("filesize")
    def _filesize(n: int) -> str:
        return f"{n / 1024:.1f} KB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.1f} MB"

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}
