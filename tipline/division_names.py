"""Division names and form choices in the request's language (the web part of jurisdiction)."""
from __future__ import annotations

from flask_babel import get_locale

from .jurisdiction import divisions


def division_choices(include_province: bool = True) -> dict:
    """Choices for a WTForms SelectField, grouped by city (WTForms renders a dict as optgroups)."""
    locale = str(get_locale() or "zh")
    d = divisions()
    result: dict = {}
    if include_province:
        result[""] = [(d.province.code, d.province.name(locale))]
    for city_label, options in d.choices(locale):
        result[city_label] = options
    return result


def division_name(code: str, locale: str | None = None) -> str:
    """`locale` saves looking it up again where a caller names many divisions (a list page)."""
    div = divisions().get(code)
    return div.name(locale or str(get_locale() or "zh")) if div else code
