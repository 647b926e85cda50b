"""What every published figure is computed over: a period of Asia/Shanghai calendar dates (both
included) and a division scope (one GB/T 2260 code: the province, a city with its counties, or a
county). Shared by oversight's statistics and the inspections' public figures; no Flask."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import true

from .divisions import PROVINCE_CODE
from .jurisdiction import code_prefix
from .timesource import SHANGHAI


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date

    @property
    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """UTC instants [start 00:00 Shanghai, the day after end 00:00 Shanghai)."""
        lo = dt.datetime.combine(self.start, dt.time(), SHANGHAI).astimezone(dt.timezone.utc)
        hi = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), SHANGHAI).astimezone(dt.timezone.utc)
        return lo, hi

    @classmethod
    def year(cls, year: int) -> "Period":
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31))


def local_date(value: dt.datetime) -> dt.date:
    return value.astimezone(SHANGHAI).date()


def scope(column, code: str):
    """Rows of division `code` and below (same rule as jurisdiction.division_filter, by code)."""
    if not code or code == PROVINCE_CODE:
        return true()
    if code.endswith("00"):
        return code_prefix(column, code[:4])
    return column == code
