"""Locale selection: Simplified Chinese unless the visitor chose English with the switch."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, request
from flask_babel import lazy_gettext as _l

LOCALE_COOKIE = "tipline_lang"
LANGUAGES = {"zh": "中文", "en": "English"}

bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    chosen = request.cookies.get(LOCALE_COOKIE) if request else None
    if chosen in LANGUAGES:
        return chosen
    return current_app.config["TIPLINE"].default_locale


def _safe_next(target: str | None) -> str:
    # Only same-site paths: never redirect to another host.
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@bp.get("/lang/<code>")
def switch(code: str):
    response = redirect(_safe_next(request.args.get("next")))
    if code in LANGUAGES:
        settings = current_app.config["TIPLINE"]
        response.set_cookie(LOCALE_COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax",
                            secure=settings.secure_cookies, httponly=True)
    return response


def init_app(app):
    app.register_blueprint(bp)

    @app.context_processor
    def _languages():
        from flask_babel import get_locale
        return {"LANGUAGES": LANGUAGES, "current_locale": str(get_locale() or "zh")}


ROLE_LABELS = {
    "officer": _l("Case officer"),
    "supervisor": _l("Supervisor"),
    "finance": _l("Finance"),
    "admin": _l("Administrator"),
    "auditor": _l("Auditor"),
}
