"""Response headers, error pages and template helpers shared by every blueprint."""
from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any, Callable

import flask_wtf.i18n
import wtforms.widgets
import wtforms.widgets.core
from babel import support
from flask import Flask, current_app, has_request_context, jsonify, render_template, request, session
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.datastructures import ImmutableMultiDict
from wtforms.i18n import messages_path
from wtforms.widgets import Select
from wtforms.widgets.core import clean_key

from .errors import Conflict, TiplineError, ValidationFailed
from .timesource import local

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

# Public pages that say the same to everyone: their own Cache-Control stands (see _headers).
PUBLIC_CACHEABLE = frozenset({"public.results", "public.statistics", "public_inspections.inspections"})

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def init_app(app: Flask) -> None:
    secure = app.config["TIPLINE"].secure_cookies
    use_fast_html_params()
    flask_wtf.i18n._get_translations = _wtforms_translations  # looked up at call time by its Translations

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
        # A public page keeps the Cache-Control it set, unless it touched the session (per-visitor).
        cacheable = (request.endpoint in PUBLIC_CACHEABLE and "Cache-Control" in h and not session.modified
                     and "Set-Cookie" not in h)
        if request.endpoint != "static" and not cacheable:
            h["Cache-Control"] = "no-store"
            h["Pragma"] = "no-cache"
        return response

    def _error(code: int):
        def handler(exc):
            if request.path.startswith("/api/"):  # machines get JSON, never an HTML page
                response = jsonify({"error": getattr(exc, "description", None) or str(code)})
                response.status_code = code
                return response
            return render_template(f"errors/{code}.html", error=exc), code
        return handler

    for code in (400, 403, 404, 405, 413, 429, 500, 503):
        app.register_error_handler(code, _error(code))

    @app.before_request
    def _drop_nul_characters():
        # NUL is never part of text a person typed, and PostgreSQL refuses it in text columns:
        # dropping it here keeps every other character the visitor typed.
        if request.method in ("POST", "PUT", "PATCH") and request.mimetype in FORM_TYPES:
            if any("\x00" in v for _, vs in request.form.lists() for v in vs):
                request.form = ImmutableMultiDict(
                    [(k, v.replace("\x00", "")) for k, vs in request.form.lists() for v in vs])

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def _database_unavailable(exc):
        # The database went away (restart, network): nothing of this request was committed, so
        # the visitor can simply try again. The page does not touch the database itself.
        logging.getLogger("tipline").warning("database unavailable: %s", type(exc.orig).__name__ if exc.orig else exc)
        locked = "lock" in str(exc.orig or exc).lower()  # SQLite busy, PostgreSQL lock_timeout: retry soon
        retry = "5" if locked else "30"
        if request.path.startswith("/api/"):
            response = jsonify({"error": _("The database is busy; retry shortly.")})
            response.status_code = 503
            response.headers["Retry-After"] = retry
            return response
        response = render_template("errors/503.html", error=exc), 503
        return response[0], 503, {"Retry-After": retry}

    @app.template_filter("localtime")
    def _localtime(value, fmt="%Y-%m-%d %H:%M"):
        # Numeric dates read the same in both languages; strftime is far cheaper than Babel's
        # formatter, which matters on list pages of 50 rows.
        if value is None:
            return ""
        return local(value).strftime(fmt)

    app.add_template_filter(format_money, "money")

    @app.template_filter("filesize")
    def _filesize(n: int) -> str:
        return f"{n / 1024:.1f} KB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.1f} MB"

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}


def run_service(fn: Callable[[], object], form=None, *, field_text: Callable[[str], str],
                message: Callable[[TiplineError], str | None] = lambda exc: None,
                field_of: dict[str, str] | None = None) -> int | None:
    """Run one service call for a view and map a domain error to a response: the one place that does.

    None when the call went through (the caller commits). On a TiplineError (a StaleDataError counts as
    a Conflict of kind "stale") the session is rolled back and the error's `status` is returned for the
    view to render its page with: a ValidationFailed's field codes are put on `form` as
    `field_text(code)` (on the form field `field_of` names for the service's field, if it differs; a
    code for a field the form lacks goes on its `reason` field, if any), and any
    other error's `message(exc)` is flashed; an error with no message aborts with its status."""
    from flask import abort, flash
    from sqlalchemy.orm.exc import StaleDataError

    from .extensions import db
    try:
        fn()
    except (TiplineError, StaleDataError) as caught:
        db.session.rollback()
        exc = caught if isinstance(caught, TiplineError) else Conflict("stale", kind="stale")
        if isinstance(exc, ValidationFailed):
            for name, code in exc.details.get("fields", {}).items():
                field = getattr(form, (field_of or {}).get(name, name), None) or getattr(form, "reason", None)
                if field is not None:
                    field.errors = list(field.errors) + [str(field_text(code))]
            return exc.status
        text = message(exc)
        if text is None:
            abort(exc.status)
        flash(str(text), "error")
        return exc.status
    return None


def format_money(value) -> str:
    """A sum in yuan as every page shows it: thousands separators and two decimals (12,500.00);
    nothing as a dash. The one filter (`|money`) for amounts on status, staff and reward pages."""
    from decimal import Decimal, InvalidOperation
    if value is None or value == "":
        return "—"
    try:
        return f"{Decimal(str(value)):,.2f}"
    except InvalidOperation:
        return str(value)


_QUOT_RAW, _QUOT = Markup('"'), Markup("&quot;")


def html_params(**kwargs) -> Markup:
    """WTForms' `html_params` with the same output, built with str.join instead of one Markup.format
    per attribute: that formatting was almost half of rendering the report form (22 inputs, about
    150 attributes) on every GET /report. tests/test_web.py checks it against WTForms' own."""
    params = []
    for k, v in sorted(kwargs.items()):
        if v is False:
            continue
        k = escape(clean_key(k))
        params.append(k if v is True else f'{k}="{escape(v).replace(_QUOT_RAW, _QUOT)}"')
    return Markup(" ".join(params))  # noqa: S704 - every key and value above went through escape()


ORIGINAL_HTML_PARAMS = wtforms.widgets.core.html_params


@lru_cache(maxsize=None)
def _wtforms_catalogue(locale: str):
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


def _wtforms_translations():
    """Flask-WTF's lookup of WTForms' own messages ("Not a valid date value."), but the catalogue is
    read from disk once per locale and kept, not parsed again on every request that builds a form."""
    if not has_request_context() or "babel" not in current_app.extensions:
        return None
    return _wtforms_catalogue(str(get_locale()))


def use_fast_html_params(fn=None) -> None:
    """Install `fn` (default: ours) where WTForms looks html_params up at call time: the two modules'
    globals, and the widget classes (Input and its subclasses, SubmitInput) that keep a reference."""
    fn = fn or html_params
    wtforms.widgets.core.html_params = fn
    wtforms.widgets.html_params = fn
    for cls in vars(wtforms.widgets.core).values():
        if isinstance(cls, type) and "html_params" in vars(cls):
            widget: Any = cls  # a WTForms widget class; `type` has no html_params to mypy
            widget.html_params = staticmethod(fn)


class CachedOptionsSelect(Select):
    """A <select> whose options are rendered once per distinct choice list and reused.

    The division list has about 175 options in 18 groups; rendering them through WTForms on every
    GET /report was most of that page's cost. The cached body has no selection; the current value
    is marked on the copy sent. Attributes (id, aria-*, required) are rendered per call as usual."""

    _bodies: dict[str, str] = {}
    _MAX = 64

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        if "required" not in kwargs and "required" in getattr(field, "flags", ()):
            kwargs["required"] = True
        key = repr(field.choices)
        body = self._bodies.get(key)
        if body is None:
            saved, field.data = field.data, None
            try:
                html = str(super().__call__(field))
            finally:
                field.data = saved
            body = html[html.index(">") + 1:html.rindex("</select>")]
            if len(self._bodies) >= self._MAX:
                self._bodies.clear()
            self._bodies[key] = body
        if field.data not in (None, ""):
            value = escape(str(field.data))
            body = body.replace(f'<option value="{value}">', f'<option selected value="{value}">', 1)
        # html_params escapes, body is WTForms' own rendering and the selected value is escaped above.
        markup = f"<select {html_params(name=field.name, **kwargs)}>{body}</select>"
        return Markup(markup)  # noqa: S704 - every part escaped (comment above)
