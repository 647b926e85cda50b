"""What the public pages (/public/statistics, /public/results, /public/inspections) share: a
five-minute cache of their figures, the Cache-Control they send, and the ?year= and ?division= they
accept. Its own module so that the oversight and inspections pages need not import each other."""
from __future__ import annotations

import threading
import time

from flask import current_app, request
from flask_babel import get_locale

from . import timesource
from .divisions import PROVINCE_CODE
from .extensions import db

CACHE_SECONDS = 300
CACHE_CONTROL = f"public, max-age={CACHE_SECONDS}"
FIRST_YEAR = 2025  # the provincial measures took effect on 1 March 2025
YEARS_SHOWN = 5

_cache: dict[tuple, tuple[float, object]] = {}
_lock = threading.Lock()


def cached(key: tuple, compute):
    """`compute()` at most once per CACHE_SECONDS per key and database, in this process."""
    if db.engine is None:
        raise RuntimeError("the database is not set up (Database.init_app)")
    full = (str(db.engine.url),) + key
    now = time.monotonic()
    with _lock:
        hit = _cache.get(full)
        if hit and now - hit[0] < CACHE_SECONDS:
            return hit[1]
    value = compute()
    with _lock:
        if len(_cache) > 512:  # bounded: parameters come from anonymous visitors
            _cache.clear()
        _cache[full] = (now, value)
    return value


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def cacheable(response):
    response.headers["Cache-Control"] = CACHE_CONTROL
    # The language comes from a cookie: a shared cache must keep the two versions apart.
    response.vary.add("Cookie")
    return response


def city_choices() -> list[tuple[str, str]]:
    locale = str(get_locale() or "zh")
    divs = current_app.extensions["divisions"]
    return [(PROVINCE_CODE, divs.province.name(locale))] + [(c.code, c.name(locale)) for c in divs.cities()]


def year_arg() -> tuple[int, int, list[int]]:
    """(this year, the year asked for in ?year=, the years a public page offers); a year not offered,
    or not a number, is this year."""
    this_year = timesource.local_date(timesource.now()).year
    years = list(range(this_year, max(FIRST_YEAR, this_year - YEARS_SHOWN + 1) - 1, -1))
    try:
        year = int(request.args.get("year", this_year))
    except ValueError:
        year = this_year
    return this_year, (year if year in years else this_year), years


def division_arg() -> str:
    code = request.args.get("division") or PROVINCE_CODE
    return code if code in {c for c, _n in city_choices()} else PROVINCE_CODE
