"""The public side of "one public": concluded cases and statistics. No login, no JavaScript.

Only published, concluded cases with a decision number appear, and only the columns a decision
notice carries (business, violation, decision, date, division). Nothing here reads a tip: the
queries select from cases and entities, and statistics are counts. Responses may be cached by
browsers and proxies for five minutes, so a page must never depend on who asks (the staff menu
is left out; web.py refuses to cache a response that touched the session).
"""
from __future__ import annotations

import math

from flask import Blueprint, make_response, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from .. import categories, timesource
from ..cases.labels import MEASURE_LABELS, OUTCOME_LABELS
from ..cases.models import Case, Entity
from ..division_names import division_name
from ..extensions import db
from ..inspections.public_figures import cached_figures  # inspections of testing and certification bodies
from ..intake.labels import CHANNEL_LABELS
from ..public_pages import cacheable, cached, city_choices, division_arg, year_arg
from . import stats
from .charts import bar_chart, line_chart
from .labels import COMPLAINT_LABELS, MONTHLY_LABELS, STAGE_LABELS

bp = Blueprint("public", __name__, url_prefix="/public")

PAGE_SIZE = 20


def published():
    """The published concluded cases (the only cases the public side ever reads)."""
    return (select(Case).join(Entity, Entity.id == Case.entity_id)
            .where(Case.state.in_(("decided", "closed")), Case.publishable.is_(True),
                   Case.decision_number.is_not(None), Case.decision_number != ""))


@bp.get("/results")
def results():
    q = (request.args.get("q") or "").strip()[:100]
    category = request.args.get("category") or ""
    division = division_arg()
    stmt = published().where(stats.scope(Case.division_code, division))
    if q:
        stmt = stmt.where(or_(Entity.name.contains(q, autoescape=True), Entity.uscc == q.upper()))
    if categories.get(category):
        stmt = stmt.where(Case.category_code == category)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    pages = max(1, math.ceil(total / PAGE_SIZE))
    try:
        page = min(max(1, int(request.args.get("page", 1))), pages)
    except ValueError:
        page = 1
    rows = db.session.scalars(stmt.order_by(Case.decision_date.desc(), Case.id.desc())
                              .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    locale = str(get_locale() or "zh")
    args = {"q": q, "category": category, "division": division}
    return cacheable(make_response(render_template(
        "public/results.html", rows=rows, total=total, page=page, pages=pages, args=args,
        cities=city_choices(), category_choices=categories.choices(locale),
        category_name=lambda c: categories.get(c).name(locale) if categories.get(c) else c,
        outcome_labels=OUTCOME_LABELS, measure_labels=MEASURE_LABELS, division_name=division_name)))


def _year_figures(year: int, division: str) -> dict:
    def compute():
        session = db.session
        ov = stats.overview(session, stats.Period.year(year), division)
        return {"overview": ov, "months": stats.monthly(session, year, division)}
    return cached(("year", year, division), compute)


@bp.get("/statistics")
def statistics():
    this_year, year, years = year_arg()
    division = division_arg()
    figures = _year_figures(year, division)
    ov, months = figures["overview"], figures["months"]
    if year == this_year:  # months that have not happened yet are not zero: they are not shown
        months = months[:stats.local_date(timesource.now()).month]
    by_year = [(y, _year_figures(y, division)["overview"]) for y in years]
    month_labels = [str(m["month"]) for m in months]
    charts = {
        "channel": bar_chart("chart-channel", _("Submissions by channel"),
                             [(str(CHANNEL_LABELS.get(k, k)), v) for k, v in ov.by_channel.items()]),
        "monthly": line_chart("chart-monthly", _("Submissions and cases filed by month"), month_labels,
                              [(str(MONTHLY_LABELS["submissions"]), [m["submissions"] for m in months]),
                               (str(MONTHLY_LABELS["cases_filed"]), [m["cases_filed"] for m in months])]),
        "penalties": bar_chart("chart-penalties", _("Fines and confiscations by year (yuan)"),
                               [(str(y), o.decisions.penalties) for y, o in by_year]),
    }
    return cacheable(make_response(render_template(
        "public/statistics.html", inspections=cached_figures(year, division), ov=ov, months=months, by_year=by_year,
        year=year, years=years,
        division=division, division_label=division_name(division), cities=city_choices(), charts=charts,
        stage_labels=STAGE_LABELS, monthly_labels=MONTHLY_LABELS, complaint_labels=COMPLAINT_LABELS)))


@bp.app_template_filter("figure")
def figure(value) -> str:
    """A number as the pages show it: amounts with two decimals, counts whole, nothing as a dash."""
    from decimal import Decimal

    from ..web import format_money
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return format_money(value)  # the same sums as the staff and status pages write them
    if isinstance(value, float):
        return f"{value:,.1f}"
    return f"{value:,}" if isinstance(value, int) else str(value)
