"""Staff side: the officer's home, the triage queue, one tip with its triage actions."""
from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import categories, timesource
from ..audit import services as audit
from ..auth.access import staff_required
from ..auth.models import User
from ..division_names import division_choices, division_name
from ..errors import ValidationFailed
from ..extensions import db
from ..intake import services as intake
from ..intake.hotline import services as hotline
from ..intake.labels import CHANNEL_LABELS
from ..intake.models import EvidenceFile, Tip, TipSuggestion, reference_of
from ..intake.status import STATUS_LABELS
from ..jurisdiction import can_see
from . import procedure, reporter_notice, triage
from . import queue as q
from .blueprint import CASE_ROLES, bp, run_action
from .deadlines import filing as deadlines
from .entities import priority_of
from .forms import QueueFilterForm, RevealIdentityForm, StaffMessageForm, TriageForm
from .labels import CLOCK_KIND_LABELS, COMPLAINT_QUEUE_LABELS, DEPARTMENT_LABELS, SUGGESTION_LABELS, SUSPENSION_LABELS


def known_division(code: str) -> bool:
    return code in current_app.extensions["divisions"]


@bp.get("/")
@staff_required()
def home():
    return render_template("cases/home.html", division=division_name(current_user.division_code),
                           show_mail=can_see(current_user, current_app.config["TIPLINE"].intake_division))


def _filter_form() -> QueueFilterForm:
    form = QueueFilterForm(request.args)
    form.channel.choices = [("", _("All"))] + [(k, str(v)) for k, v in CHANNEL_LABELS.items()]
    form.category.choices = [("", _("All")), ("test", _("Inspection and testing")), ("cert", _("Certification")),
                             ("other", _("Other major violations"))]
    form.state.choices = [("", _("Open for triage")), ("complaints", _("Open complaints"))] + \
        [(k, str(v)) for k, v in STATUS_LABELS.items()]
    form.sort.choices = [("priority", _("Priority")), ("deadline", _("Deadline")), ("newest", _("Newest"))]
    return form


@bp.get("/tips")
@staff_required(*CASE_ROLES)
def tips():
    form = _filter_form()
    form.validate()
    f = q.QueueFilter(channel=form.channel.data or "", category=form.category.data or "",
                      states=q.COMPLAINT_STATES if form.state.data == "complaints" else
                      (form.state.data,) if form.state.data else q.TRIAGE_STATES,
                      entity=form.entity.data or "", mine=bool(form.mine.data),
                      sort=form.sort.data if form.sort.data in q.SORTS else "priority")
    if form.due.data:
        f.received_before = filing_due_threshold()
    try:
        page = q.queue_page(db.session, current_user, f, cursor=request.args.get("after") or None)
    except (ValueError, TypeError):
        abort(400)
    args = {k: v for k, v in request.args.items() if k != "after"}
    return render_template("cases/tips.html", page=page, form=form, args=args, rows=_queue_rows(page.rows))


def _queue_rows(tips) -> list[tuple]:
    """The queue's cells as plain strings. Each label is translated once per page rather than once per
    row, and the link is built once: a page of 50 rows then renders in a fraction of the time."""
    cats = categories.by_code()
    locale = str(get_locale())
    labels: dict[tuple[str, str], str] = {}

    def label(kind: str, value: str) -> str:
        key = (kind, value)
        if key not in labels:
            if kind == "channel":
                labels[key] = str(CHANNEL_LABELS.get(value, value))
            elif kind == "category":
                c = cats.get(value)
                labels[key] = c.name(locale) if c else _("Not yet categorised")
            elif kind == "division":
                labels[key] = division_name(value, locale)
            elif value.startswith("complaint:"):  # a complaint not yet accepted has its own wording
                status = value.split(":", 1)[1]
                labels[key] = str(COMPLAINT_QUEUE_LABELS.get(status) or STATUS_LABELS.get(status, status))
            else:
                labels[key] = str(STATUS_LABELS.get(value, value))
        return labels[key]

    href = url_for("cases.tip", tip_id=0)[:-1]  # the route ends in the id: /staff/tips/<tip_id>
    return [(f"{href}{t.id}", reference_of(t.received_at, t.id), t.priority,
             t.received_at.astimezone(timesource.SHANGHAI).strftime("%Y-%m-%d %H:%M"),  # received_at is NOT NULL
             label("channel", t.channel), label("category", t.category_code or ""), t.entity_name or "—",
             label("division", t.division_code),
             label("status", ("complaint:" if t.kind == "complaint" else "") + t.status)) for t in tips]


def filing_due_threshold() -> dt.datetime:
    """Tips received on or before this moment have their filing decision due soon
    (deadlines.DUE_SOON_WORKDAYS working days)."""
    return deadlines.filing_due_threshold(db.session, timesource.now())


def _tip_or_404(tip_id: int) -> Tip:
    tip = db.session.scalar(select(Tip).where(Tip.id == tip_id).options(
        selectinload(Tip.files), selectinload(Tip.messages)))
    # Another division's tip is answered as if it did not exist.
    if tip is None or not can_see(current_user, tip.division_code):
        abort(404)
    return tip


def _triage_form(tip: Tip, form: TriageForm | None = None) -> TriageForm:
    form = form or TriageForm()
    locale = str(get_locale() or "zh")
    form.division_code.choices = {"": [("", _("Please choose"))]} | division_choices(include_province=False)
    form.department.choices = [("", _("Please choose"))] + [(k, str(v)) for k, v in DEPARTMENT_LABELS.items()]
    form.category_code.choices = {"": [("", _("Please choose"))]} | categories.choices(locale)
    from .models import FILING_STOP_REASONS
    form.stop_reason.choices = [(k, str(SUSPENSION_LABELS[k])) for k in FILING_STOP_REASONS]
    if request.method == "GET":
        form.version.data = tip.version
        form.on.data = timesource.local_date(timesource.now())
        form.category_code.data = tip.category_code
        form.entity_name.data = tip.entity_name
        form.entity_uscc.data = tip.entity_uscc or ""
    return form


def _detail(tip: Tip, status=200, **extra):
    suggestions = db.session.execute(
        select(TipSuggestion, Tip.entity_name, Tip.received_at, Tip.division_code)
        .join(Tip, Tip.id == TipSuggestion.other_id).where(TipSuggestion.tip_id == tip.id)
    ).all()
    visible = [(s, name, reference_of(at, s.other_id)) for s, name, at, div in suggestions
               if can_see(current_user, div)]
    parts = priority_of(db.session, tip, today=timesource.local_date(timesource.now()))
    context = dict(tip=tip, category=categories.get(tip.category_code), message_form=StaffMessageForm(),
                   reveal_form=RevealIdentityForm(), identity=None, revealed=False,
                   division=division_name(tip.division_code), status_labels=STATUS_LABELS,
                   triage_form=_triage_form(tip), suggestions=visible, suggestion_labels=SUGGESTION_LABELS,
                   priority=parts, department_labels=DEPARTMENT_LABELS, division_name=division_name,
                   open_for_triage=tip.status in triage.workflow.OPEN_TIP_STATES,
                   transcript=hotline.transcript_for(db.session, tip),
                   clocks=deadline_views.clocks_for(tip_id=tip.id), kind_labels=CLOCK_KIND_LABELS,
                   filing_stops=procedure.filing_stops(db.session, tip.id), suspension_labels=SUSPENSION_LABELS,
                   filing_running=triage.clocks.running(db.session, "filing", tip_id=tip.id) is not None,
                   complaint_section=complaint_views.staff_section(tip), complaint_form=None,
                   **_filing_extension_context(tip))
    context.update(extra)
    return render_template("cases/tip.html", **context), status


def _filing_extension_context(tip: Tip) -> dict:
    requests = triage.filing_extensions(db.session, tip)
    names = {u.id: u.display_name or u.username for u in db.session.scalars(
        select(User).where(User.id.in_({r.requested_by for r in requests} | {r.decided_by for r in requests
                                                                           if r.decided_by})))} if requests else {}
    can_ask = not any(r.approved is None or r.approved for r in requests)
    return dict(filing_extensions=requests, staff_names=names,
                filing_extension_length=triage.filing_extension_length(db.session, tip) if can_ask else 0)


@bp.get("/tips/<int:tip_id>")
@staff_required(*CASE_ROLES)
def tip(tip_id: int):
    t = _tip_or_404(tip_id)
    audit.record(db.session, now=timesource.now(), action="tip.viewed", actor=current_user, object_type="tip",
                 object_id=t.id)
    db.session.commit()
    return _detail(t)


def _find_target(reference: str) -> Tip | None:
    ref = (reference or "").strip().upper()
    digits = ref.rsplit("-", 1)[-1].lstrip("T")
    return db.session.get(Tip, int(digits)) if digits.isdigit() else None


@bp.post("/tips/<int:tip_id>/triage")
@staff_required(*CASE_ROLES)
def triage_action(tip_id: int):
    t = _tip_or_404(tip_id)
    form = _triage_form(t, TriageForm())
    if not form.validate_on_submit():
        return _detail(t, status=422, triage_form=form)
    now, user, action = timesource.now(), current_user._get_current_object(), form.action.data
    version = int(form.version.data) if (form.version.data or "").isdigit() else None
    common = dict(now=now, tip=t, actor=user, version=version)
    s = db.session
    calls = {
        "start_triage": lambda: triage.workflow.apply_tip(s, action="start_triage", reason=form.reason.data or "",
                                                          **common),
        "file_case": lambda: triage.file_case(s, filing_number=form.document.data or "",
                                              filed_on=form.on.data or timesource.local_date(now),
                                              reason=form.reason.data or "",
                                              widen="city" if form.widen.data else None, **common),
        "split": lambda: triage.split(s, reason=form.reason.data or "", **common),
        "mark_complaint": lambda: triage.mark_complaint(s, reason=form.reason.data or "", **common),
        "transfer_division": lambda: triage.transfer_division(s, division_code=form.division_code.data or "",
                                                              known_division=known_division,
                                                              reason=form.reason.data or "", **common),
        "transfer_department": lambda: triage.transfer_department(s, department=form.department.data or "",
                                                                  reason=form.reason.data or "", **common),
        "reject": lambda: triage.reject(s, reason=form.reason.data or "", public_reason=form.public_reason.data or "",
                                        **common),
        "sender_real_name": lambda: triage.treat_sender_as_real_name(s, reason=form.reason.data or "", **common),
        "filing_extension": lambda: triage.request_filing_extension(s, reason=form.reason.data or "", **common),
        "stop_filing": lambda: procedure.stop_filing_clock(s, now=now, tip=t, actor=user,
                                                           reason=form.stop_reason.data or "",
                                                           note=form.note.data or "",
                                                           on=form.on.data or timesource.local_date(now)),
        "resume_filing": lambda: procedure.resume_filing_clock(s, now=now, tip=t, actor=user,
                                                               on=form.on.data or timesource.local_date(now),
                                                               note=form.note.data or ""),
        "filing_extension_decision": lambda: triage.decide_filing_extension(
            s, request_id=form.request_id.data or 0, approve=form.approve.data == "1", **common),
        "update_details": lambda: triage.update_details(
            s, category_code=form.category_code.data or "", entity_name=form.entity_name.data or "",
            entity_uscc=form.entity_uscc.data or "", division_code=form.division_code.data or t.division_code,
            known_division=known_division, **common),
    }
    if action == "merge":
        target = _find_target(form.target.data)
        if target is None:
            form.target.errors = [_("No tip with that reference.")]
            return _detail(t, status=422, triage_form=form)
        calls["merge"] = lambda: triage.merge(s, target=target,
                                              reason=form.reason.data or "", **common)
    if action == "mark_repeat":
        original = _find_target(form.target.data)
        if original is None:
            form.target.errors = [_("No tip with that reference.")]
            return _detail(t, status=422, triage_form=form, open_action=action)
        calls["mark_repeat"] = lambda: triage.mark_repeat(
            s, original=original, merge=form.approve.data == "1",
            reason=form.reason.data or "", public_reason=form.public_reason.data or "", **common)
    if action == "join_case":
        from .models import Case
        case = s.get(Case, form.case_id.data or 0)
        if case is None or not can_see(user, case.division_code):
            form.case_id.errors = [_("No case with that number in your jurisdiction.")]
            return _detail(t, status=422, triage_form=form)
        calls["join_case"] = lambda: triage.join_case(s, case=case, reason=form.reason.data or "", **common)
    if action not in calls:
        abort(400)
    status = run_action(calls[action], form)
    if status == 422:
        return _detail(_tip_or_404(tip_id), status=422, triage_form=form, open_action=action)
    if status:
        return _detail(_tip_or_404(tip_id), status=status)
    db.session.commit()
    if action in reporter_notice.ENDINGS and reporter_notice.send(current_app.config["TIPLINE"], db.session, t, now):
        db.session.commit()
    flash(_("Saved."), "success")
    if action == "file_case" and t.case_id:
        return redirect(url_for("cases.case", case_id=t.case_id))
    return redirect(url_for("cases.tip", tip_id=t.id))


@bp.post("/tips/<int:tip_id>/messages")
@staff_required(*CASE_ROLES)
def send_message(tip_id: int):
    t = _tip_or_404(tip_id)
    form = StaffMessageForm()
    if not form.validate_on_submit():
        return _detail(t, message_form=form, status=422)
    triage.message_reporter(db.session, now=timesource.now(), tip=t, actor=current_user, body=form.body.data)
    db.session.commit()
    flash(_("Message sent to the reporter."), "success")
    return redirect(url_for("cases.tip", tip_id=t.id))


@bp.post("/tips/<int:tip_id>/identity")
@staff_required(*CASE_ROLES)
def reveal_identity(tip_id: int):
    t = _tip_or_404(tip_id)
    form = RevealIdentityForm()
    if not form.validate_on_submit():
        return _detail(t, reveal_form=form, status=422)
    try:
        identity = intake.reveal_identity(db.session, now=timesource.now(), tip=t, user=current_user,
                                          reason=form.reason.data)
    except ValidationFailed:
        form.reason.errors = [_("This field is required.")]
        return _detail(t, reveal_form=form, status=422)
    db.session.commit()
    return _detail(t, identity=identity, revealed=True)


@bp.get("/tips/<int:tip_id>/files/<int:file_id>")
@staff_required(*CASE_ROLES)
def download(tip_id: int, file_id: int):
    t = _tip_or_404(tip_id)
    f = db.session.get(EvidenceFile, file_id)
    if f is None or f.tip_id != t.id:
        abort(404)
    data = current_app.extensions["evidence_store"].get(f.stored_name)
    audit.record(db.session, now=timesource.now(), action="evidence.downloaded", actor=current_user, object_type="tip",
                 object_id=t.id, details={"file": f.id, "sha256": f.sha256})
    db.session.commit()
    # Always a download, never rendered inline: evidence may be hostile.
    return Response(data, mimetype="application/octet-stream", headers={
        "Content-Disposition": f"attachment; filename=evidence-{f.id}; filename*=UTF-8''{quote(f.display_name)}",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
    })


from . import (  # noqa: E402,F401  (register their pages on this blueprint)
    automatic_mail,
    case_views,
    complaint_views,  # noqa: E402
    deadline_views,
    entity_views,
    mail_views,
)

complaint_views.register(bp, detail=_detail, tip_or_404=_tip_or_404)
