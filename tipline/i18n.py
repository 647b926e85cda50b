"""Locale selection: Simplified Chinese unless the visitor chose English with the switch."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, g, redirect, request
from flask_babel import get_locale, get_translations
from flask_babel import lazy_gettext as _l
from jinja2 import pass_eval_context
from markupsafe import Markup

LOCALE_COOKIE = "tipline_lang"
LANGUAGES = {"zh": "中文", "en": "English"}

bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    override = g.get("locale_override") if request else None
    if override in LANGUAGES:  # chosen in this very request (use_language)
        return override
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
        remember_language(response, code)
    return response


def remember_language(response, code: str):
    settings = current_app.config["TIPLINE"]
    response.set_cookie(LOCALE_COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax",
                        secure=settings.secure_cookies, httponly=True)
    return response


def use_language(code: str) -> None:
    """The rest of this request speaks `code` (a form posted back to switch language)."""
    from flask_babel import refresh
    g.locale_override = code
    refresh()


# (language, territory, autoescape, message) -> the finished text of `_("message")` in a template.
_TEMPLATE_TEXTS: dict[tuple, str] = {}
_TEMPLATE_TEXTS_MAX = 20_000  # templates only translate literals; the bound guards against a future _(data)


@pass_eval_context
def template_gettext(eval_ctx, string: str, **variables) -> str:
    """`_()` and `gettext()` in templates, with the output of Flask-Babel's Jinja callable (newstyle:
    Markup when autoescaping, always %-formatted) but the translation of a literal without variables
    kept per locale. Flask-Babel's path costs ~34 µs a call (context lookups, Markup formatting), and
    a staff page makes 25-30 calls, the report form many more. tests/test_i18n.py compares the two."""
    locale = get_locale()
    if locale is None or variables:
        return _translate(eval_ctx, string) % variables
    key = (locale.language, locale.territory, eval_ctx.autoescape, string)
    text = _TEMPLATE_TEXTS.get(key)
    if text is None:
        if len(_TEMPLATE_TEXTS) >= _TEMPLATE_TEXTS_MAX:
            _TEMPLATE_TEXTS.clear()
        text = _TEMPLATE_TEXTS[key] = _translate(eval_ctx, string) % {}
    return text


def _translate(eval_ctx, string: str):
    rv = get_translations().ugettext(string)
    # Our own catalogue's text, marked safe as Jinja's i18n extension does under autoescape.
    return Markup(rv) if eval_ctx.autoescape else rv  # noqa: S704 - trusted catalogue text (comment above)


def init_app(app):
    app.register_blueprint(bp)
    # After Flask-Babel installed its callables (ngettext and pgettext stay Flask-Babel's).
    app.jinja_env.globals.update(gettext=template_gettext, _=template_gettext)

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
