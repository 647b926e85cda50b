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

from ..extensions import db
from ..jurisdiction import division_name
from ..oversight import stats
from ..oversight.public_pages import cacheable, city_choices, division_arg, year_arg
from .labels import PROBLEM_LABELS, RECTIFICATION_LABELS, RESULT_LABELS, TIER_LABELS
from .models import BodyInspection, InspectionPlan, SupervisedBody
from .public_figures import cached_figures

bp = Blueprint("public_inspections", __name__, url_prefix="/public")
PAGE_SIZE = 50


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
        stats.scope(InspectionPlan.division_code, division)).order_by(InspectionPlan.division_code)).all()
    final = (select(BodyInspection.id).join(InspectionPlan, InspectionPlan.id == BodyInspection.plan_id)
             .where(InspectionPlan.year == year, BodyInspection.state == "final",
                    stats.scope(InspectionPlan.division_code, division)))
    total = db.session.scalar(select(func.count()).select_from(final.subquery())) or 0
    pages = max(1, math.ceil(total / PAGE_SIZE))
    try:
        page = min(max(1, int(request.args.get("page", 1))), pages)
    except ValueError:
        page = 1
    rows = db.session.execute(
        select(SupervisedBody.name, SupervisedBody.uscc, SupervisedBody.division_code, BodyInspection.inspected_on,
               BodyInspection.result, BodyInspection.problem_kinds, BodyInspection.rectification_due,
               BodyInspection.rectified_on, BodyInspection.plan_id)
        .join(SupervisedBody, SupervisedBody.id == BodyInspection.body_id)
        .join(InspectionPlan, InspectionPlan.id == BodyInspection.plan_id)
        .where(InspectionPlan.year == year, BodyInspection.state == "final",
               stats.scope(InspectionPlan.division_code, division))
        .order_by(BodyInspection.inspected_on.desc(), BodyInspection.id.desc())
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    # The number drawn is the length of each plan's published draw (a count over its tasks cost
    # a scan of every task of the year on every request).
    drawn_counts = {p.id: len(json.loads(p.drawn or "[]")) for p in plans}
    return cacheable(make_response(render_template(
        "inspections/public.html", plans=plans, drawn_counts=drawn_counts, rows=rows, total=total, page=page,
        pages=pages, year=year, years=years, division=division, division_label=division_name(division),
        cities=city_choices(), fig=cached_figures(year, division), result_labels=RESULT_LABELS,
        problem_labels=PROBLEM_LABELS, rectification_labels=RECTIFICATION_LABELS, tier_labels=TIER_LABELS,
        division_name=division_name)))
