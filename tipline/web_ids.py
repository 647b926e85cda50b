"""Ids in URLs stay inside the range a database column can hold.

`/staff/tips/99999999999999999999` used to reach the database: SQLite raised OverflowError and
PostgreSQL "integer out of range", both a 500. Every `<int:...>` rule now matches only 0..2**31-1
(the range of the INTEGER primary keys on PostgreSQL), so a larger number is simply no such page: 404.
"""
from __future__ import annotations

import builtins

from flask import Flask
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1


class BoundedIntegerConverter(IntegerConverter):
    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = None,  # noqa: A002
                 signed: bool = False) -> None:
        bound = MAX_ID if max is None else builtins.min(max, MAX_ID)
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=bound, signed=signed)


def install_bounded_ids(app: Flask) -> None:
    app.url_map.converters["int"] = BoundedIntegerConverter
