"""`/public/inspections`: each plan's draw and the final results, in both languages, no JavaScript.

Only what the plan published (year, division, departments, seed, digest of the candidate list) and
final inspection results (body, credit code, date, result, rectification status) are shown. Like
/public/statistics (oversight/public.py) the page says the same to everyone and may be cached for
five minutes; figures are computed at most once per five minutes per year and division.
"""
from __future__ import annotations

import json
import math

from flask import Blueprint, make_response, render_template, request
from sqlalchemy import func, select

from .. import reporting
from ..division_names import division_name
from ..extensions import db
from ..public_pages import cacheable, city_choices, division_arg, year_arg
from .labels import PROBLEM_LABELS, RECTIFICATION_LABELS, RESULT_LABELS, TIER_LABELS
from .models import BodyInspection, InspectionPlan, SupervisedBody
from .public_figures import cached_figures

bp = Blueprint("public_inspections", __name__, url_prefix="/public")
PAGE_SIZE = 50
MAX_PAGE = 2**31 // PAGE_SIZE  # an OFFSET the databases accept; the pager clamps to the last page


def _page_rows(listed, page: int):
    """One page of final results, newest first, and the number of results in all: the total comes
    with the rows (`count(*) OVER ()`, computed by the same scan) instead of a second query over
    every result of the year. Returns (rows, total); past the last page there is no row to carry
    the total, so it is counted on its own then."""
    found = db.session.execute(
        select(SupervisedBody.name, SupervisedBody.uscc, SupervisedBody.division_code, BodyInspection.inspected_on,
               BodyInspection.result, BodyInspection.problem_kinds, BodyInspection.rectification_due,
               BodyInspection.rectified_on, BodyInspection.plan_id, func.count().over().label("total"))
        .join(SupervisedBody, SupervisedBody.id == BodyInspection.body_id)
        .join(InspectionPlan, InspectionPlan.id == BodyInspection.plan_id)
        .where(*listed)
        .order_by(BodyInspection.inspected_on.desc(), BodyInspection.id.desc())
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    if found or page == 1:
        return found, found[0].total if found else 0
    total = db.session.scalar(select(func.count(BodyInspection.id))
                              .join(InspectionPlan, InspectionPlan.id == BodyInspection.plan_id).where(*listed)) or 0
    return [], total


@bp.get("/inspections")
def inspections():
    this_year, year, years = year_arg()
    division = division_arg()
    # The columns the page shows, not whole plans: a drawn plan's frozen list is one text of every
    # candidate (~1.4 MB at 50,000 bodies), which the page never shows (its digest is shown).
    plans = db.session.execute(select(InspectionPlan.id, InspectionPlan.division_code, InspectionPlan.departments,
                                      InspectionPlan.drawn_at, InspectionPlan.seed, InspectionPlan.candidates_digest,
                                      InspectionPlan.drawn)
                               .where(
        InspectionPlan.year == year, InspectionPlan.state == "drawn",
        reporting.scope(InspectionPlan.division_code, division)).order_by(InspectionPlan.division_code)).all()
    listed = (InspectionPlan.year == year, BodyInspection.state == "final",
              reporting.scope(InspectionPlan.division_code, division))
    try:
        page = min(max(1, int(request.args.get("page", 1))), MAX_PAGE)
    except ValueError:
        page = 1
    rows, total = _page_rows(listed, page)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    if page > pages:  # past the end (an old link): the last page, as before
        page = pages
        rows, total = _page_rows(listed, page)
    # The number drawn is the length of each plan's published draw (a count over its tasks cost
    # a scan of every task of the year on every request).
    drawn_counts = {p.id: len(json.loads(p.drawn or "[]")) for p in plans}
    # Each label resolved once per request (a lazy string is translated again at every use:
    # ~130 look-ups for 50 rows).
    resolved = lambda labels: {k: str(v) for k, v in labels.items()}  # noqa: E731
    return cacheable(make_response(render_template(
        "inspections/public.html", plans=plans, drawn_counts=drawn_counts, rows=rows, total=total, page=page,
        pages=pages, year=year, years=years, division=division, division_label=division_name(division),
        cities=city_choices(), fig=cached_figures(year, division), result_labels=resolved(RESULT_LABELS),
        problem_labels=resolved(PROBLEM_LABELS), rectification_labels=resolved(RECTIFICATION_LABELS),
        tier_labels=TIER_LABELS,
        division_name=division_name)))
