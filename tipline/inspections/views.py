"""Staff pages: the register and its import, a body's tier explained, plans and their draw,
an inspection's officers, result, rectification follow-up and recusal."""
from __future__ import annotations

import json

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from .. import timesource
from ..auth.access import staff_required
from ..auth.models import User
from ..calendar.services import WorkCalendar
from ..division_names import division_name
from ..errors import Conflict, Forbidden, ValidationFailed
from ..extensions import db
from ..jurisdiction import can_see, division_filter
from ..timesource import local_date
from . import bodies as register
from . import results, services
from .forms import ImportForm, PlanForm, RectifiedForm, RecusalForm, ResultForm
from .labels import (
    EVENT_LABELS,
    KIND_LABELS,
    PLAN_STATE_LABELS,
    PROBLEM_LABELS,
    RECTIFICATION_LABELS,
    RECUSAL_LABELS,
    RESULT_LABELS,
    RULE_LABELS,
    STATUS_LABELS,
    TIER_LABELS,
)
from .models import BodyInspection, InspectionOfficer, InspectionPlan, SupervisedBody
from .tiers import tier_of

bp = Blueprint("inspections", __name__, url_prefix="/staff/inspections")
ROLES = ("officer", "supervisor", "admin", "auditor")
LABELS = dict(tier_labels=TIER_LABELS, rule_labels=RULE_LABELS, event_labels=EVENT_LABELS, result_labels=RESULT_LABELS,
              problem_labels=PROBLEM_LABELS, rectification_labels=RECTIFICATION_LABELS, kind_labels=KIND_LABELS,
              status_labels=STATUS_LABELS, plan_state_labels=PLAN_STATE_LABELS, recusal_labels=RECUSAL_LABELS,
              division_name=division_name)
FIELD_ERRORS = {"required": _l("This field is required."), "future": _l("This date is in the future."),
                "too_short": _l("Please describe the case in at least 20 characters.")}


def _tiers():
    return current_app.extensions["inspection_tiers"]


def _known(code: str) -> bool:
    return code in current_app.extensions["divisions"]


def _apply_errors(form, exc: ValidationFailed) -> None:
    for name, code in exc.details.get("fields", {}).items():
        field = getattr(form, name, None)
        if field is None:
            flash(_("Invalid value: %(field)s", field=name), "error")
            continue
        field.errors = list(field.errors) + [str(FIELD_ERRORS.get(code, _("Please check this value.")))]


def _division_choices() -> list[tuple[str, str]]:
    divs = current_app.extensions["divisions"]
    codes = [current_user.division_code] + [c for c in divs.codes_within(current_user.division_code)
                                            if c != current_user.division_code]
    return [(c, division_name(c)) for c in codes]


@bp.get("/")
@staff_required(*ROLES)
def plans():
    rows = db.session.scalars(select(InspectionPlan).where(division_filter(InspectionPlan.division_code, current_user))
                              .order_by(InspectionPlan.year.desc(), InspectionPlan.division_code)).all()
    form = PlanForm(year=local_date(timesource.now()).year)
    form.division_code.choices = _division_choices()
    version = _tiers().for_date(local_date(timesource.now()))
    return render_template("inspections/plans.html", plans=rows, form=form, version=version, **LABELS)


@bp.post("/plans")
@staff_required("supervisor")
def create_plan():
    form = PlanForm()
    form.division_code.choices = _division_choices()
    if form.validate_on_submit():
        ratios = {t: getattr(form, f"ratio_{t}").data for t in ("high", "elevated", "watch", "normal")
                  if getattr(form, f"ratio_{t}", None) is not None and getattr(form, f"ratio_{t}").data}
        try:
            plan = services.create_plan(db.session, now=timesource.now(), year=form.year.data,
                                        division_code=form.division_code.data, tiers=_tiers(), known_division=_known,
                                        departments=form.departments.data or "", ratios=ratios, actor=current_user)
            db.session.commit()
            return redirect(url_for(".plan", plan_id=plan.id))
        except ValidationFailed as exc:
            db.session.rollback()
            _apply_errors(form, exc)
        except Conflict:
            db.session.rollback()
            flash(_("A plan for this year and division exists already."), "error")
    rows = db.session.scalars(select(InspectionPlan).where(division_filter(InspectionPlan.division_code, current_user))
                              .order_by(InspectionPlan.year.desc())).all()
    return render_template("inspections/plans.html", plans=rows, form=form,
                           version=_tiers().for_date(local_date(timesource.now())), **LABELS), 422


def _plan_or_404(plan_id: int) -> InspectionPlan:
    plan = db.session.get(InspectionPlan, plan_id)
    if plan is None or not can_see(current_user, plan.division_code):
        abort(404)
    return plan


@bp.get("/plans/<int:plan_id>")
@staff_required(*ROLES)
def plan(plan_id: int):
    p = _plan_or_404(plan_id)
    tasks = db.session.scalars(select(BodyInspection).where(BodyInspection.plan_id == p.id)
                               .order_by(BodyInspection.id)).all()
    candidates = len(json.loads(p.candidates)) if p.candidates else None
    return render_template("inspections/plan.html", plan=p, tasks=tasks, ratios=services.plan_ratios(p),
                           candidates=candidates, departments=[d for d in p.departments.splitlines() if d], **LABELS)


@bp.post("/plans/<int:plan_id>/draw")
@staff_required("supervisor")
def draw(plan_id: int):
    p = _plan_or_404(plan_id)
    try:
        result = services.draw_plan(db.session, now=timesource.now(), plan=p, tiers=_tiers(),
                                    cal=WorkCalendar.load(db.session), actor=current_user)
        db.session.commit()
        flash(_("Drawn: %(n)d bodies. The draw is final and can be checked from its seed.", n=len(result.drawn)),
              "success")
    except Conflict as exc:
        db.session.rollback()
        if exc.details.get("kind") == "already_drawn":
            flash(_("This plan has been drawn already; a draw is final."), "error")
        else:
            flash(_("Not drawn: an inspection needs at least two eligible officers. %(detail)s",
                    detail=exc.message), "error")
    return redirect(url_for(".plan", plan_id=p.id))


@bp.route("/bodies", methods=["GET", "POST"])
@staff_required(*ROLES)
def bodies():
    form = ImportForm()
    outcome = None
    if request.method == "POST":
        if not current_user.has_role("supervisor", "admin"):
            abort(403)
        if form.validate_on_submit():
            upload = form.file.data
            try:
                outcome = register.import_file(db.session, now=timesource.now(),
                                               filename=upload.filename or "upload.csv",
                                               content=upload.read(), known_division=_known, actor=current_user)
                db.session.commit()
            except register.ImportFileError as exc:
                db.session.rollback()
                form.file.errors = [str(exc)]
    q = (request.args.get("q") or "").strip()[:100]
    stmt = select(SupervisedBody).where(division_filter(SupervisedBody.division_code, current_user))
    if q:
        stmt = stmt.where(SupervisedBody.name.contains(q, autoescape=True) | (SupervisedBody.uscc == q.upper()))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = db.session.scalars(stmt.order_by(SupervisedBody.name).limit(200)).all()
    return render_template("inspections/bodies.html", rows=rows, total=total, q=q, form=form, outcome=outcome,
                           columns=", ".join(register.COLUMNS),
                           **LABELS), (422 if form.errors else 200)


@bp.get("/bodies/<int:body_id>")
@staff_required(*ROLES)
def body(body_id: int):
    b = db.session.get(SupervisedBody, body_id)
    if b is None or not can_see(current_user, b.division_code):
        abort(404)
    today = local_date(timesource.now())
    version = _tiers().for_date(today)
    tier, events = tier_of(db.session, b.entity_id, version, today)
    tasks = db.session.scalars(select(BodyInspection).where(BodyInspection.body_id == b.id)
                               .order_by(BodyInspection.due_on.desc())).all()
    return render_template("inspections/body.html", body=b, tier=tier, events=events, version=version,
                           tasks=tasks, **LABELS)


def _inspection_or_404(inspection_id: int) -> BodyInspection:
    i = db.session.get(BodyInspection, inspection_id)
    if i is None or not can_see(current_user, i.body.division_code):
        abort(404)
    return i


def _render_inspection(i: BodyInspection, result_form=None, rectified_form=None, recusal_form=None, status=200):
    officers = db.session.execute(select(InspectionOfficer, User).join(User, User.id == InspectionOfficer.user_id)
                                  .where(InspectionOfficer.inspection_id == i.id).order_by(InspectionOfficer.id)).all()
    recusal_form = recusal_form or RecusalForm()
    recusal_form.user_id.choices = [(o.user_id, u.display_name or u.username) for o, u in officers if o.active]
    return render_template("inspections/inspection.html", inspection=i, officers=officers,
                           plan=db.session.get(InspectionPlan, i.plan_id),
                           result_form=result_form or ResultForm(inspected_on=local_date(timesource.now())),
                           rectified_form=rectified_form or RectifiedForm(rectified_on=local_date(timesource.now())),
                           recusal_form=recusal_form, may_record=results.may_record(db.session, current_user, i),
                           **LABELS), status


@bp.get("/<int:inspection_id>")
@staff_required(*ROLES)
def inspection(inspection_id: int):
    return _render_inspection(_inspection_or_404(inspection_id))


@bp.post("/<int:inspection_id>/result")
@staff_required("officer", "supervisor")
def record(inspection_id: int):
    i = _inspection_or_404(inspection_id)
    form = ResultForm()
    if form.validate_on_submit():
        try:
            results.record_result(db.session, now=timesource.now(), inspection=i, actor=current_user,
                                  result=form.result.data, inspected_on=form.inspected_on.data, tiers=_tiers(),
                                  cal=WorkCalendar.load(db.session), problem_kinds=form.problem_kinds.data or [],
                                  problems_count=form.problems_count.data or 0,
                                  findings=form.findings.data or "")
            db.session.commit()
            flash(_("Result recorded. It is now public."), "success")
            return redirect(url_for(".inspection", inspection_id=i.id))
        except ValidationFailed as exc:
            db.session.rollback()
            _apply_errors(form, exc)
        except Forbidden:
            db.session.rollback()
            abort(403)
        except Conflict:
            db.session.rollback()
            flash(_("This inspection's result has been recorded already."), "error")
            return redirect(url_for(".inspection", inspection_id=i.id))
    return _render_inspection(_inspection_or_404(inspection_id), result_form=form, status=422)


@bp.post("/<int:inspection_id>/rectified")
@staff_required("officer", "supervisor")
def rectified(inspection_id: int):
    i = _inspection_or_404(inspection_id)
    form = RectifiedForm()
    if form.validate_on_submit():
        try:
            results.record_rectified(db.session, now=timesource.now(), inspection=i, actor=current_user,
                                     rectified_on=form.rectified_on.data)
            db.session.commit()
            flash(_("Rectification recorded."), "success")
            return redirect(url_for(".inspection", inspection_id=i.id))
        except ValidationFailed as exc:
            db.session.rollback()
            _apply_errors(form, exc)
        except (Forbidden, Conflict):
            db.session.rollback()
            abort(409)
    return _render_inspection(_inspection_or_404(inspection_id), rectified_form=form, status=422)


@bp.post("/<int:inspection_id>/recuse")
@staff_required("supervisor")
def recuse(inspection_id: int):
    i = _inspection_or_404(inspection_id)
    form = RecusalForm()
    form.user_id.choices = [(u, str(u)) for u in results.active_officers(db.session, i.id)]
    if form.validate_on_submit():
        try:
            results.recuse(db.session, now=timesource.now(), inspection=i, user_id=form.user_id.data,
                           reason=form.reason.data, actor=current_user)
            db.session.commit()
            flash(_("Officer replaced by a new random draw."), "success")
        except (ValidationFailed, Forbidden):
            db.session.rollback()
            abort(400)
        except Conflict as exc:
            db.session.rollback()
            flash(_("Not replaced: %(detail)s", detail=exc.message), "error")
    return redirect(url_for(".inspection", inspection_id=i.id))
