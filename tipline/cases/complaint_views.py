"""Staff pages for the complaint track (services: complaints.py; what the complainant reads: complaint_status.py)."""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from .. import timesource
from ..auth.access import staff_required
from ..errors import Conflict
from ..extensions import db
from ..web import run_service
from . import complaints, workflow
from .blueprint import CASE_ROLES
from .complaint_status import (
    FOLLOW_UP_LABELS,
    FORM_LABELS,
    GROUND_LABELS,
    GROUND_ZH,
    OUTCOME_LABELS,
    OUTCOME_ZH,
    STOP_LABELS,
    TERMINATION_LABELS,
)
from .labels import FIELD_ERRORS


def _choices(labels: dict) -> list:
    return [("", _("Please choose"))] + [(k, str(v)) for k, v in labels.items()]


class ComplaintForm(FlaskForm):
    """One form for every complaint action; each action's panel shows the fields it needs."""
    action = HiddenField()
    version = HiddenField()
    on = DateField(_l("Date"), validators=[Optional()])
    ground = SelectField(_l("Legal ground"), validators=[Optional()])
    notice = TextAreaField(_l("Written notice the complainant will read"), validators=[Optional(), Length(max=5000)],
                           render_kw={"rows": 3})
    mode = SelectField(_l("Form of mediation"), validators=[Optional()])
    mediator = StringField(_l("Body mediating on the bureau's behalf"), validators=[Optional(), Length(max=200)])
    positions = TextAreaField(_l("The parties' positions"), validators=[Optional(), Length(max=5000)],
                              render_kw={"rows": 3})
    stop_reason = SelectField(_l("Why mediation waits"), validators=[Optional()])
    outcome = SelectField(_l("Outcome"), validators=[Optional()])
    termination_ground = SelectField(_l("Statutory ground for termination"), validators=[Optional()])
    terms = TextAreaField(_l("Terms of the agreement"), validators=[Optional(), Length(max=5000)],
                          render_kw={"rows": 3})
    agreement_file = SelectField(_l("Scanned agreement (a file of this complaint)"), validators=[Optional()])
    agreement_scan = FileField(_l("Or upload the scanned agreement"))
    result = SelectField(_l("Result of the follow-up"), validators=[Optional()])
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500)])


FIELD_OF = {"form": "mode", "reason": "stop_reason", "agreement_file_id": "agreement_file", "held_on": "on"}


def complaint_form(tip, form: ComplaintForm | None = None) -> ComplaintForm:
    form = form or ComplaintForm()
    form.ground.choices = _choices(GROUND_LABELS)
    form.mode.choices = _choices(FORM_LABELS)
    form.stop_reason.choices = _choices(STOP_LABELS)
    form.outcome.choices = _choices({k: v for k, v in OUTCOME_LABELS.items() if k != "expired"})
    form.termination_ground.choices = _choices(TERMINATION_LABELS)
    form.result.choices = _choices(FOLLOW_UP_LABELS)
    form.agreement_file.choices = [("", _("None"))] + [(str(f.id), f.display_name) for f in tip.files]
    if request.method == "GET":
        form.version.data = tip.version
        form.on.data = timesource.local_date(timesource.now())
    return form


def staff_section(tip) -> dict | None:
    """What the tip page shows about a complaint (None for a report)."""
    if tip.kind != "complaint":
        return None
    row = complaints.complaint_of(db.session, tip)
    states = {name: tip.status in t.sources and tip.kind == "complaint"
              for name, t in workflow.COMPLAINT_TRANSITIONS.items()}
    return dict(complaint=row, sessions=complaints.sessions_of(db.session, row),
                stops=complaints.stops_of(db.session, row), can=states, form=complaint_form(tip),
                labels=dict(ground=GROUND_LABELS, form=FORM_LABELS, stop=STOP_LABELS, outcome=OUTCOME_LABELS,
                            termination=TERMINATION_LABELS, follow_up=FOLLOW_UP_LABELS))


def _store_scan(tip, scan, form):
    """The officer's scan of a signed agreement becomes one of the complaint's files (source "staff").
    Returns the stored files (the cleaned copy and the original), or [] with the problem on the form."""
    from flask import current_app

    from ..intake import evidence as ev
    from ..intake import services as intake
    from ..intake.messages import file_message
    settings = current_app.config["TIPLINE"]
    store = current_app.extensions["evidence_store"]
    uploads, rejected = ev.read_uploads([scan], settings.max_upload_mb * 1024 * 1024)
    stored, more = ev.store_uploads(db.session, now=timesource.now(), uploads=uploads, store=store, keep_original=True,
                                    source="staff", room=1)
    rejected += more
    if rejected or not stored:
        db.session.rollback()
        ev.discard(store, stored)
        form.agreement_scan.errors = [file_message(r) for r in rejected] or [_("This field is required.")]
        return []
    intake.attach_files(db.session, now=timesource.now(), tip=tip, files=stored, source="staff",
                        actor=current_user._get_current_object())
    form.agreement_file.choices = list(form.agreement_file.choices) + [(str(f.id), f.display_name) for f in stored]
    return stored


def _discard(files) -> None:
    if files:
        from flask import current_app

        from ..intake import evidence as ev
        ev.discard(current_app.extensions["evidence_store"], files)


def register(bp, *, detail, tip_or_404):
    """The complaint action on the tip page; `detail` renders that page, `tip_or_404` finds its tip
    (passed in by views.py, which owns the page, so this module need not import it)."""

    @bp.post("/tips/<int:tip_id>/complaint")
    @staff_required(*CASE_ROLES)
    def complaint_action(tip_id: int):
        t = tip_or_404(tip_id)
        form = complaint_form(t, ComplaintForm())
        if not form.validate_on_submit():
            return detail(t, status=422, complaint_form=form, open_action=form.action.data)
        s, action = db.session, form.action.data
        version = int(form.version.data) if (form.version.data or "").isdigit() else None
        common = dict(now=timesource.now(), tip=t, actor=current_user._get_current_object(), version=version)
        calls = {
            "accept": lambda: complaints.accept(s, on=form.on.data, notice=form.notice.data or "", **common),
            "not_accept": lambda: complaints.not_accept(s, ground=form.ground.data or "", notice=form.notice.data or "",
                                                        on=form.on.data, **common),
            "record_session": lambda: complaints.record_session(s, held_on=form.on.data, form=form.mode.data or "",
                                                                positions=form.positions.data or "",
                                                                mediator=form.mediator.data or "", **common),
            "stop_mediation": lambda: complaints.stop_mediation(s, reason=form.stop_reason.data or "", on=form.on.data,
                                                                note=form.reason.data or "", **common),
            "resume_mediation": lambda: complaints.resume_mediation(s, on=form.on.data, **common),
            "end_mediation": lambda: complaints.end_mediation(
                s, outcome=form.outcome.data or "", notice=form.notice.data or "", terms=form.terms.data or "",
                termination_ground=form.termination_ground.data or "",
                agreement_file_id=int(form.agreement_file.data) if (form.agreement_file.data or "").isdigit() else None,
                on=form.on.data, **common),
            "refer_violation": lambda: complaints.refer_violation(s, reason=form.reason.data or "", **common),
            "follow_up": lambda: complaints.record_follow_up(s, result=form.result.data or "", on=form.on.data,
                                                             **common),
        }
        if action not in calls:
            abort(400)
        scan, scan_files = request.files.get(form.agreement_scan.name), []
        if action == "end_mediation" and scan is not None and scan.filename:
            scan_files = _store_scan(t, scan, form)
            if not scan_files:
                return detail(tip_or_404(tip_id), status=422, complaint_form=form, open_action=action)
            form.agreement_file.data = str(next((f for f in scan_files if f.is_original), scan_files[0]).id)
        done = False
        try:
            status = run_service(
                calls[action], form, field_of=FIELD_OF,
                field_text=lambda code: FIELD_ERRORS.get(code, FIELD_ERRORS["invalid"]),
                message=lambda exc: _("Someone else changed this record meanwhile, or the action no longer applies. "
                                      "Nothing was saved.") if isinstance(exc, Conflict) else None)
            done = status is None
        finally:
            if not done:
                _discard(scan_files)  # the stored scan of a step that did not go through
        if status == 422:
            return detail(tip_or_404(tip_id), status=422, complaint_form=form, open_action=action)
        if status:
            return detail(tip_or_404(tip_id), status=status)
        s.commit()
        if action in ("accept", "not_accept", "end_mediation"):
            from flask import current_app
            from flask_babel import force_locale

            from . import complaint_mail
            row = complaints.complaint_of(s, t)  # there is one: the action above created it if needed
            zh = en = ""
            with force_locale("en"):
                if row is not None:
                    if action == "not_accept":
                        ground = row.ground or ""
                        zh, en = GROUND_ZH.get(ground, ""), str(GROUND_LABELS.get(ground, ""))
                    elif action == "end_mediation":
                        outcome = row.outcome or ""
                        zh, en = OUTCOME_ZH.get(outcome, ""), str(OUTCOME_LABELS.get(outcome, ""))
                    if row.agreement_terms:
                        zh, en = f"{zh}：{row.agreement_terms}", f"{en}: {row.agreement_terms}"
            complaint_mail.send(current_app.config["TIPLINE"], s, t, action, zh, en)
        flash(_("Saved."), "success")
        return redirect(url_for("cases.tip", tip_id=t.id))

    return complaint_action
