"""Figures on a known data set, compared with hand-counted values (see data.py)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tipline.oversight import stats

from . import data

YEAR = stats.Period.year(2026)


@pytest.fixture
def known(app, session, clock):
    return data.build(app, session, clock)


def test_every_figure_matches_the_hand_count(session, known):
    ov = stats.overview(session, YEAR, "410105")
    exp = data.EXPECTED
    assert ov.by_channel == exp["by_channel"]
    assert ov.submissions == 7
    assert ov.by_group == exp["by_group"]
    assert ov.triage == exp["triage"]
    assert ov.cases_filed == 3
    assert ov.key_figures == exp["key_figures"]
    assert list(ov.key_figures) == list(stats.KEY_FIGURES)
    assert ov.decisions.by_outcome == exp["by_outcome"]
    assert ov.decisions.fines == exp["fines"] and isinstance(ov.decisions.fines, Decimal)
    assert ov.decisions.confiscated_gains == exp["gains"]
    assert ov.decisions.penalties == exp["penalties"]
    assert {k: (s.count, s.median, s.p90) for k, s in ov.handling.items()} == exp["handling"]
    assert (ov.deadlines_met, ov.deadlines_missed) == exp["deadlines"]
    assert ov.answered_percent == exp["answered_percent"]
    assert ov.rewards.paid == 0 and ov.rewards.paid_amount == Decimal("0.00")


def test_scope_and_period_limit_the_figures(session, known):
    province = stats.overview(session, YEAR, "410000")
    assert province.submissions == 8 and province.by_channel["web"] == 6
    city = stats.overview(session, YEAR, "410100")  # Zhengzhou and its counties
    assert city.submissions == 7 and city.cases_filed == 3
    luoyang = stats.overview(session, YEAR, "410300")
    assert luoyang.submissions == 1 and luoyang.cases_filed == 0 and luoyang.decisions.penalties == 0
    march = stats.overview(session, stats.Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31)), "410105")
    # c3 was decided on 1 April, c1 closed on 11 April: outside March.
    assert march.decisions.by_outcome == {"violation": 2, "no_violation": 0, "criminal_transfer": 0}
    assert march.handling["investigation"].count == 2 and march.handling["closing"].count == 0
    assert stats.overview(session, stats.Period.year(2025), "410105").submissions == 0


def test_monthly_rows_add_up_to_the_year(session, known):
    months = stats.monthly(session, 2026, "410105")
    assert [m["submissions"] for m in months][:4] == [0, 0, 7, 0]
    assert [m["cases_filed"] for m in months][:4] == [0, 0, 3, 0]
    assert [m["decisions"] for m in months][:4] == [0, 0, 2, 1]
    assert sum(m["penalties"] for m in months) == data.EXPECTED["penalties"]


def test_percentile_interpolates_between_ranks():
    assert stats.percentile([], 0.5) is None
    assert stats.percentile([4.0], 0.9) == 4.0
    assert stats.percentile([1, 1, 2, 2, 3, 4, 5], 0.5) == 2
    assert stats.percentile([1, 1, 2, 2, 3, 4, 5], 0.9) == pytest.approx(4.4)
    assert stats.percentile([9, 17, 28], 0.9) == pytest.approx(25.8)


def test_period_bounds_are_shanghai_midnights():
    lo, hi = stats.Period(dt.date(2026, 1, 1), dt.date(2026, 1, 31)).bounds
    assert lo == dt.datetime(2025, 12, 31, 16, 0, tzinfo=dt.timezone.utc)
    assert hi == dt.datetime(2026, 1, 31, 16, 0, tzinfo=dt.timezone.utc)
