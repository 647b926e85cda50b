"""Case pages: the list, one case with its timeline, investigation records and decision."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from .. import categories, timesource
from ..audit.labels import ACTION_LABELS
from ..audit.models import AuditEvent
from ..auth.access import staff_required
from ..auth.models import User
from ..division_names import division_name
from ..extensions import db
from ..intake.models import Tip
from ..jurisdiction import can_see, division_filter
from . import assignment, investigation, procedure, recusal
from .blueprint import CASE_ROLES, bp, run_action
from .forms import CaseActionForm, TriageForm
from .labels import (
    CASE_STATE_LABELS,
    CLOCK_KIND_LABELS,
    CLOCK_LABELS,
    MEASURE_LABELS,
    OUTCOME_LABELS,
    REDRAW_LABELS,
    SUSPENSION_LABELS,
)
from .models import (
    MEASURES,
    Assignment,
    Case,
    CaseNote,
    CaseTask,
    EvidenceItem,
    ExtensionRequest,
    Inspection,
    Suspension,
)
from .procedure_labels import ART_64, ART_64_COLLECTIVE, WAY_OUT_LABELS


@bp.get("/cases")
@staff_required(*CASE_ROLES)
def cases():
    mine = request.args.get("mine") == "1"
    stmt = select(Case).where(division_filter(Case.division_code, current_user))
    if mine:
        stmt = stmt.join(Assignment, Assignment.case_id == Case.id).where(
            Assignment.user_id == current_user.id, Assignment.active.is_(True))
    rows = db.session.scalars(stmt.order_by(Case.filed_at.desc(), Case.id.desc()).limit(200)).all()
    return render_template("cases/cases.html", cases=rows, mine=mine, state_labels=CASE_STATE_LABELS,
                           categories=categories.by_code(), division_name=division_name)


def _case_or_404(case_id: int) -> Case:
    case = db.session.get(Case, case_id)
    if case is None or not can_see(current_user, case.division_code):
        abort(404)
    return case


def _action_form(case: Case, form: CaseActionForm | None = None) -> CaseActionForm:
    form = form or CaseActionForm()
    form.suspension_reason.choices = [(k, str(v)) for k, v in SUSPENSION_LABELS.items()]
    form.clock.choices = [(k, str(v)) for k, v in CLOCK_LABELS.items()]
    form.outcome.choices = [(k, str(v)) for k, v in OUTCOME_LABELS.items()]
    form.measures.choices = [(k, str(MEASURE_LABELS[k])) for k in MEASURES]
    form.reason_code.choices = [(k, str(v)) for k, v in REDRAW_LABELS.items()]
    active = db.session.scalars(select(User).join(Assignment, Assignment.user_id == User.id).where(
        Assignment.case_id == case.id, Assignment.active.is_(True)).order_by(User.id)).all()
    form.officer.choices = [(str(u.id), u.display_name or u.username) for u in active]
    if request.method == "GET":
        form.version.data = case.version
        today = timesource.local_date(timesource.now())
        form.on.data = form.decision_date.data = form.closed_on.data = today
    return form


def _page(case: Case, status: int = 200, form: CaseActionForm | None = None, open_action: str = ""):
    s = db.session
    tips = s.scalars(select(Tip).where(Tip.case_id == case.id).order_by(Tip.received_at)).all()
    investigators = s.scalars(select(User).join(Assignment, Assignment.user_id == User.id).where(
        Assignment.case_id == case.id, Assignment.active.is_(True)).order_by(User.id)).all()
    tip_ids = [str(t.id) for t in tips]
    timeline = s.scalars(select(AuditEvent).where(or_(
        (AuditEvent.object_type == "case") & (AuditEvent.object_id == str(case.id)),
        (AuditEvent.object_type == "tip") & (AuditEvent.object_id.in_(tip_ids) if tip_ids else False),
    )).where(AuditEvent.action != "tip.viewed").order_by(AuditEvent.id)).all()
    context = dict(
        case=case, tips=tips, investigators=investigators, timeline=timeline, **_procedure_context(case, timeline),
        notes=s.scalars(select(CaseNote).where(CaseNote.case_id == case.id).order_by(CaseNote.id)).all(),
        tasks=s.scalars(select(CaseTask).where(CaseTask.case_id == case.id).order_by(CaseTask.id)).all(),
        inspections=s.scalars(select(Inspection).where(Inspection.case_id == case.id).order_by(Inspection.id)).all(),
        items=s.scalars(select(EvidenceItem).where(EvidenceItem.case_id == case.id).order_by(EvidenceItem.id)).all(),
        suspensions=s.scalars(select(Suspension).where(Suspension.case_id == case.id).order_by(Suspension.id)).all(),
        extensions=s.scalars(select(ExtensionRequest).where(ExtensionRequest.case_id == case.id)
                             .order_by(ExtensionRequest.id)).all(),
        form=_action_form(case, form), open_action=open_action,
        can_work=investigation.can_work(s, case, current_user),
        category=categories.get(case.category_code), division=division_name(case.division_code),
        state_labels=CASE_STATE_LABELS, outcome_labels=OUTCOME_LABELS, measure_labels=MEASURE_LABELS,
        suspension_labels=SUSPENSION_LABELS, action_labels=ACTION_LABELS, kind_labels=CLOCK_KIND_LABELS,
        clocks=_clock_views(case.id), clock_labels=CLOCK_LABELS, redraw_form=TriageForm(),
        users={u.id: u for u in s.scalars(select(User).where(User.division_code.in_(
            [case.division_code, current_user.division_code])))},
    )
    return render_template("cases/case.html", **context), status


DRAW_ACTIONS = ("case.draw", "case.draw_refused", "case.investigator_removed")


def _procedure_context(case: Case, timeline) -> dict:
    """The draws, removals and refusals; the extension history with its articles; recusal
    applications; whether a collective decision is the next step for the decision period."""
    import json
    s = db.session
    draws = [(ev, json.loads(ev.details or "{}")) for ev in timeline if ev.action in DRAW_ACTIONS]
    ids = {ev.actor_id for ev, _details in draws if getattr(ev, "actor_id", None)}
    for _event, d in draws:
        ids.update(int(u) for u in d.get("result", []) + d.get("kept", []))
        if d.get("officer"):
            ids.add(int(d["officer"]))
    history = procedure.extension_history(s, case.id)
    applications = recusal.applications(s, case.id)
    for step in history:
        row = step["row"]
        ids.update(x for x in (getattr(row, "requested_by", None), getattr(row, "decided_by", None),
                               getattr(row, "recorded_by", None)) if x)
    ids.update(a.officer_id for a in applications)
    ids.update(a.decided_by for a in applications if a.decided_by)
    names = {u.id: u.display_name or u.username for u in s.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    collective_next = False
    if case.state != "closed":
        from ..errors import Conflict
        try:
            _, rule = investigation.extension_rule(s, case, "decision")
            collective_next = (rule.beyond == "collective" and
                               investigation.approved_extensions(s, case.id, "decision") >= rule.extension_count)
        except Conflict:
            pass
    return dict(draws=draws, staff_names=names, extension_history=history, recusal_applications=applications,
                collective_next=collective_next, art_64=ART_64, art_64_collective=ART_64_COLLECTIVE,
                redraw_labels=REDRAW_LABELS, way_out_labels=WAY_OUT_LABELS,
                short_of_officers=len(assignment.active_investigators(s, case.id)) < assignment.MIN_INVESTIGATORS)


def _clock_views(case_id: int):
    from .deadline_views import clocks_for
    return clocks_for(case_id=case_id)


@bp.get("/cases/<int:case_id>")
@staff_required(*CASE_ROLES)
def case(case_id: int):
    return _page(_case_or_404(case_id))


@bp.post("/cases/<int:case_id>/action")
@staff_required(*CASE_ROLES)
def case_action(case_id: int):
    c = _case_or_404(case_id)
    form = _action_form(c, CaseActionForm())
    if not form.validate_on_submit():
        return _page(c, 422, form, form.action.data or "")
    s, now, user = db.session, timesource.now(), current_user._get_current_object()
    version = int(form.version.data) if (form.version.data or "").isdigit() else None
    base = dict(now=now, case=c, actor=user)
    day = form.on.data or timesource.local_date(now)
    calls = {
        "note": lambda: investigation.add_note(s, body=form.body.data or "", **base),
        "task": lambda: investigation.add_task(s, title=form.title.data or "", due_on=form.due_on.data, **base),
        "task_done": lambda: investigation.complete_task(s, task_id=form.task_id.data or 0, **base),
        "inspection": lambda: investigation.add_inspection(
            s, inspected_on=day, place=form.place.data or "", officers=form.officers.data or "",
            findings=form.findings.data or "", problems_found=form.problems_found.data or 0, **base),
        "evidence": lambda: investigation.add_evidence(
            s, item=form.item.data or "", source=form.source.data or "", received_on=day,
            sha256=form.sha256.data or "", custodian=form.custodian.data or "", **base),
        "custody": lambda: investigation.transfer_custody(s, item_id=form.item_id.data or 0,
                                                          to=form.custodian.data or "", **base),
        "suspend": lambda: investigation.suspend(s, version=version, reason=form.suspension_reason.data or "",
                                                 note=form.note.data or "", on=day, **base),
        "resume": lambda: investigation.resume(s, version=version, on=day, note=form.note.data or "", **base),
        "extension": lambda: investigation.request_extension(s, clock=form.clock.data or "",
                                                             length=form.length.data or 0,
                                                             reason=form.reason.data or "", **base),
        "extension_decision": lambda: investigation.decide_extension(
            s, request_id=form.request_id.data or 0, approve=form.approve.data == "1", **base),
        "decide": lambda: investigation.decide(
            s, version=version, outcome=form.outcome.data or "", decision_number=form.decision_number.data or "",
            decision_date=form.decision_date.data or timesource.local_date(now), fines=form.fines.data or 0,
            confiscated_gains=form.confiscated_gains.data or 0,
            confiscated_property=form.confiscated_property.data or 0, measures=form.measures.data or [],
            legal_basis=form.legal_basis.data or "", **base),
        "close": lambda: investigation.close(s, version=version,
                                             executed_on=form.executed_on.data or timesource.local_date(now),
                                             closed_on=form.closed_on.data or timesource.local_date(now),
                                             reason=form.reason.data or "", **base),
        "redraw": lambda: assignment.redraw(s, now=now, case=c, actor=user, officer_id=_officer(form),
                                            reason=form.reason_code.data or "", text=form.reason.data or "",
                                            widen="city" if form.widen.data else None),
        "complete_team": lambda: assignment.complete_team(s, now=now, case=c, actor=user,
                                                          widen="city" if form.widen.data else None,
                                                          reason=form.reason.data or ""),
        "collective": lambda: procedure.record_collective_decision(
            s, decided_on=form.on.data, participants=form.participants.data or "", length=form.length.data or 0,
            reason=form.reason.data or "", **base),
        "recusal": lambda: recusal.record_application(s, officer_id=_officer(form),
                                                      applicant=form.applicant.data or "",
                                                      grounds=form.grounds.data or "", received_on=day, **base),
        "recusal_decision": lambda: recusal.decide_application(s, application_id=form.application_id.data or 0,
                                                               upheld=form.approve.data == "1",
                                                               note=form.reason.data or "", **base),
        "publishable": lambda: _toggle_publishable(c, user, now),
        "conflict": lambda: assignment.declare_conflict(s, now=now, user=user, entity_id=c.entity_id,
                                                        reason=form.reason.data or ""),
    }
    action = form.action.data
    if action not in calls:
        abort(400)
    status = run_action(calls[action], form)
    if status == 422:
        return _page(_case_or_404(case_id), 422, form, action)
    if status:
        return _page(_case_or_404(case_id), status)
    s.commit()
    flash(_("Saved."), "success")
    return redirect(url_for("cases.case", case_id=c.id))


def _officer(form) -> int:
    value = form.officer.data or ""
    return int(value) if str(value).isdigit() else 0


def _toggle_publishable(case: Case, user, now) -> None:
    from ..audit import services as audit
    from ..errors import Conflict, Forbidden
    if not user.has_role("supervisor"):
        raise Forbidden("supervisors decide publication")
    if case.state not in ("decided", "closed") or not case.decision_number:
        raise Conflict("no published decision", kind="state")
    case.publishable = not case.publishable
    audit.record(db.session, now=now, action="case.publishable", actor=user, object_type="case", object_id=case.id,
                 details={"publishable": case.publishable})
