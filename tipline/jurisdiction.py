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


def division_name(code: str, locale: str | None = None) -> str:
    """`locale` saves looking it up again where a caller names many divisions (a list page)."""
    div = divisions().get(code)
    return div.name(locale or str(get_locale() or "zh")) if div else code


def can_see(user, division_code: str) -> bool:
    return user.sees_all or divisions().is_within(division_code, user.division_code)


def code_prefix(column, prefix: str):
    """`column` starts with the digits `prefix`, as a range (prefix <= column < prefix + 1) that a
    btree index on the column serves under any collation; LIKE 'prefix%' is only indexable with
    the C collation or text_pattern_ops, so it read the whole tip table on every arriving tip."""
    upper = str(int(prefix) + 1).zfill(len(prefix))
    return (column >= prefix) & (column < upper)


def division_filter(column, user):
    """A SQL condition limiting `column` (a division code) to what `user` may see.

    County staff see their county; city staff their city and its counties; provincial staff
    everything. In GB/T 2260 a code ending in 00 is a city and its counties share its first four
    digits (Jiyuan, 419001, has none), so no lookup is needed and services can call this freely."""
    from sqlalchemy import true
    code = user.division_code
    if user.sees_all:
        return true()
    if code.endswith("00"):
        return code_prefix(column, code[:4])
    return column == code
