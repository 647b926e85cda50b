"""Who sees what: staff of a division see it and what lies within it; provincial staff see all."""
from __future__ import annotations

from flask import current_app
from flask_babel import get_locale


def divisions():
    return current_app.extensions["divisions"]


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


def division_name(code: str) -> str:
    div = divisions().get(code)
    return div.name(str(get_locale() or "zh")) if div else code


def can_see(user, division_code: str) -> bool:
    return user.sees_all or divisions().is_within(division_code, user.division_code)
