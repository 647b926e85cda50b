"""The reporter's side of a hotline call: confirming the transcript, or asking for a correction.

Uses the same reporter session as the status portal (intake.views._reporter_tip_id).
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _

from ... import clock
from ...errors import ValidationFailed
from ...extensions import db, limiter
from ..views import _portal, _reporter_tip_id
from . import services

bp = Blueprint("hotline", __name__)


@bp.app_context_processor
def _transcript_helper():
    # Templates that do not get a transcript from their view (the status page) look it up here.
    return {"hotline_transcript": lambda tip: services.transcript_for(db.session, tip)}


def _back():
    return redirect(url_for("intake.status_view"))


@bp.post("/status/report/transcript/confirm")
@limiter.limit("30 per hour")
def confirm():
    tip_id = _reporter_tip_id()
    if tip_id is None:
        return _portal()  # asks for the receipt code again
    call = services.confirm(db.session, now=clock.now(), tip_id=tip_id)
    if call is None:
        db.session.rollback()
        return _back()
    db.session.commit()
    flash(_("Thank you: you confirmed the record of your call."), "success")
    return _back()


@bp.post("/status/report/transcript/correction")
@limiter.limit("30 per hour")
def correction():
    tip_id = _reporter_tip_id()
    if tip_id is None:
        return _portal()
    try:
        call = services.request_correction(db.session, now=clock.now(), tip_id=tip_id,
                                           note=request.form.get("note", ""))
    except ValidationFailed as exc:
        db.session.rollback()
        problem = exc.details["fields"]["note"]
        flash(_("Please say what is wrong in the record (at most 2000 characters).") if problem == "too_long"
              else _("Please say what is wrong in the record."), "error")
        return _portal(status=422)
    if call is None:
        db.session.rollback()
        return _back()
    db.session.commit()
    flash(_("Your correction request was sent to the officer handling your report."), "success")
    return _back()
