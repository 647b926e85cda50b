"""Who sees what: staff of a division see it and what lies within it; provincial staff see all.

Pure: no Flask, so the gate (tipline.gate), services, the scheduler and the command line use the
same rule as the views. The names and form choices that need the request's locale live in
tipline.division_names."""
from __future__ import annotations

from sqlalchemy import true

from .actors import Actor
from .divisions import Divisions, packaged


def divisions() -> Divisions:
    """The packaged divisions, loaded once per process (the factory shares the same object as
    app.extensions["divisions"])."""
    return packaged()


def can_see(user: Actor, division_code: str | None) -> bool:
    """`user` may see a record of `division_code`. The system actor (the scheduler) sees all."""
    if getattr(user, "sees_all", False):
        return True
    own = getattr(user, "division_code", None)
    if not division_code or not own:
        return False
    return divisions().is_within(division_code, own)


def code_prefix(column, prefix: str):
    """`column` starts with the digits `prefix`, as a range (prefix <= column < prefix + 1) that a
    btree index on the column serves under any collation; LIKE 'prefix%' is only indexable with
    the C collation or text_pattern_ops, so it read the whole tip table on every arriving tip."""
    upper = str(int(prefix) + 1).zfill(len(prefix))
    return (column >= prefix) & (column < upper)


def division_filter(column, user: Actor):
    """A SQL condition limiting `column` (a division code) to what `user` may see.

    County staff see their county; city staff their city and its counties; provincial staff
    everything. In GB/T 2260 a code ending in 00 is a city and its counties share its first four
    digits (Jiyuan, 419001, has none), so no lookup is needed and services can call this freely."""
    code = user.division_code or ""  # an account without a division matches no row
    if user.sees_all:
        return true()
    if code.endswith("00"):
        return code_prefix(column, code[:4])
    return column == code
