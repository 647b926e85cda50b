"""The current time for the web layer. Services take `now` as an argument; views ask here, so a
test (or a replay) can set app.config['TIPLINE_CLOCK'] to a callable returning an aware datetime."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app

from .db import utcnow

SHANGHAI = ZoneInfo("Asia/Shanghai")


def now() -> dt.datetime:
    return current_app.config.get("TIPLINE_CLOCK", utcnow)()


def local_date(moment: dt.datetime) -> dt.date:
    """The calendar day in Henan at that moment. Dates people enter and see are local: before 08:00
    in Zhengzhou the UTC date is still yesterday's."""
    return moment.astimezone(SHANGHAI).date()


def local(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None else value.astimezone(SHANGHAI)
