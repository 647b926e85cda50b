"""Projected statutory holidays for years without published data (provisional by nature).

The projection is deliberately conservative: only the statutory holiday days themselves, as
fixed by the 2025 revision of the national holiday rules (全国年节及纪念日放假办法), count:

- New Year's Day: 1 January (1 day)
- Spring Festival: lunar New Year's Eve to lunar 1/3 (4 days)
- Qingming: the day of the Qingming solar term, 4 or 5 April (1 day)
- Labour Day: 1-2 May (2 days)
- Dragon Boat Festival: lunar 5/5 (1 day)
- Mid-Autumn Festival: lunar 8/15 (1 day)
- National Day: 1-3 October (3 days)

No bridging days and no weekend make-up working days (调休) are projected: the State Council
announces those each year and they cannot be predicted. Leaving them out makes a projected
deadline the same or earlier than the official one in nearly all cases, which is the safe side
for an authority that must act within the period. Holidays that fall on a weekend are simply
weekend days here (the compensating weekday is also an announcement, not a rule).
"""
from __future__ import annotations

import datetime as dt
from functools import lru_cache

import chinese_calendar

# Gregorian dates of lunar 1/1, 5/5 and 8/15 for 2027-2040. Generated with lunardate 0.3.0
# (pure-Python port of Fung F. Lee and Ricky Yeung's "lunar" tables) and cross-checked date by
# date against zhdate 0.1; both agree for every entry. Embedded rather than depending on either
# package: 14 rows do not justify a dependency with unclear licensing (GPLv2-derived) for an
# AGPL project. chinesecalendar's own data covers 2004-2026; extend this table before 2040.
LUNAR_DATES: dict[int, tuple[tuple[int, int], tuple[int, int], tuple[int, int]]] = {
    2027: ((2, 6), (6, 9), (9, 15)),
    2028: ((1, 26), (5, 28), (10, 3)),
    2029: ((2, 13), (6, 16), (9, 22)),
    2030: ((2, 3), (6, 5), (9, 12)),
    2031: ((1, 23), (6, 24), (10, 1)),
    2032: ((2, 11), (6, 12), (9, 19)),
    2033: ((1, 31), (6, 1), (9, 8)),
    2034: ((2, 19), (6, 20), (9, 27)),
    2035: ((2, 8), (6, 10), (9, 16)),
    2036: ((1, 28), (5, 30), (10, 4)),
    2037: ((2, 15), (6, 18), (9, 24)),
    2038: ((2, 4), (6, 7), (9, 13)),
    2039: ((1, 24), (5, 27), (10, 2)),
    2040: ((2, 12), (6, 14), (9, 20)),
}


class ProjectionUnavailable(ValueError):
    """No rule data for this year (outside the lunar table); enter the official calendar."""


def _qingming(year: int) -> dt.date:
    # chinesecalendar computes solar terms by the standard century-constant formula, which is
    # not limited to the years of its holiday data.
    terms = chinese_calendar.get_solar_terms(dt.date(year, 4, 1), dt.date(year, 4, 10))
    day: dt.date = terms[0][0]  # the package is untyped
    return day


@lru_cache(maxsize=64)
def projected_holidays(year: int) -> dict[dt.date, str]:
    """Statutory holidays projected for `year`, day -> English name.

    Raises ProjectionUnavailable when `year` is outside LUNAR_DATES.
    """
    if year not in LUNAR_DATES:
        raise ProjectionUnavailable(
            f"no projection rules for {year}: enter its official calendar with `tipline calendar import`")
    new_year, dragon_boat, mid_autumn = (dt.date(year, m, d) for m, d in LUNAR_DATES[year])
    days: dict[dt.date, str] = {dt.date(year, 1, 1): "New Year's Day"}
    for offset in range(-1, 3):  # lunar New Year's Eve to lunar 1/3
        days[new_year + dt.timedelta(days=offset)] = "Spring Festival"
    days[_qingming(year)] = "Tomb-sweeping Day"
    days[dt.date(year, 5, 1)] = days[dt.date(year, 5, 2)] = "Labour Day"
    days[dragon_boat] = "Dragon Boat Festival"
    days[mid_autumn] = "Mid-autumn Festival"
    for day in (1, 2, 3):
        # National Day wins where Mid-Autumn coincides (2031): still one holiday that day.
        days[dt.date(year, 10, day)] = "National Day"
    return days
