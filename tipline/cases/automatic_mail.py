"""Machine mail (auto-replies, bounces, list mail, notifications): kept, never in triage.

The mail poller files these as `automatic` (intake.email.parse.machine_reason). Staff of the bureau
that receives the mailbox can read them here and, for the rare person's report caught by a rule,
make it a tip with one click ("treat as a report"), recorded in the audit trail.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from .. import timesource
from ..audit import services as audit
from ..auth.access import staff_required
from ..extensions import db
from ..intake.email import importer
from ..intake.email.models import MailMessage
from ..intake.email.parse import ParseError, parse
from .blueprint import CASE_ROLES, bp
from .mail_views import _allowed

REASONS = {
    "auto_submitted": _l("Marked as sent automatically (Auto-Submitted)"),
    "autoreply": _l("Automatic reply (X-Autoreply)"),
    "auto_response_suppress": _l("Automatic reply (X-Auto-Response-Suppress)"),
    "precedence": _l("Bulk or list mail (Precedence)"),
    "list": _l("Mailing list (List-Id)"),
    "report": _l("Delivery report (bounce)"),
    "null_sender": _l("No return address (bounce)"),
    "noreply_sender": _l("Sent from a no-reply address"),
}


@dataclass
class Row:
    id: int
    received_at: object
    reason: str
    subject: str
    preview: str


class TreatForm(FlaskForm):
    """One click; the CSRF token is the only field."""


def _row(m: MailMessage) -> Row:
    try:
        parsed = parse(bytes(m.raw))
        subject, preview = parsed.subject, parsed.text[:300]
    except ParseError:
        subject, preview = "", ""
    code = (m.error or "").removeprefix("automatic: ")
    return Row(m.id, m.received_at, str(REASONS.get(code, code)), subject, preview)


@bp.get("/mail/automatic")
@staff_required(*CASE_ROLES)
def automatic_mail():
    _allowed()
    rows = db.session.scalars(select(MailMessage).where(MailMessage.status == "automatic")
                              .order_by(MailMessage.received_at.desc(), MailMessage.id.desc()).limit(200)).all()
    return render_template("cases/automatic_mail.html", rows=[_row(m) for m in rows], form=TreatForm())


@bp.post("/mail/automatic/<int:message_id>/report")
@staff_required(*CASE_ROLES)
def automatic_mail_report(message_id: int):
    _allowed()
    form = TreatForm()
    if not form.validate_on_submit():
        abort(400)
    row = db.session.get(MailMessage, message_id)
    if row is None or row.status != "automatic":
        abort(404)
    app = current_app
    now = timesource.now()
    result = importer.make_tip_from_row(db.session, now, row, store=app.extensions["evidence_store"],
                                        settings=app.config["TIPLINE"],
                                        known_division=lambda c: c in app.extensions["divisions"])
    audit.record(db.session, now=now, action="mail.treated_as_report", actor=current_user,
                 object_type="mail_message", object_id=row.id,
                 details={"tip": result.tip.id if result.tip else None, "status": row.status})
    importer.commit_or_discard(db.session, result, app.extensions["evidence_store"])
    if result.tip is None:
        flash(_("The message is too short to be a tip by itself; it is now in the list of mail needing manual intake."),
              "success")
        return redirect(url_for("cases.manual_mail"))
    flash(_("The message is now a tip in the triage queue. No receipt code was sent to the sender."), "success")
    return redirect(url_for("cases.tip", tip_id=result.tip.id))
