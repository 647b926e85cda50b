"""Mail the parser could not read: kept raw and listed for manual intake."""
from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from .. import clock
from ..audit import services as audit
from ..auth.access import staff_required
from ..errors import ValidationFailed
from ..extensions import db
from ..intake import services as intake
from ..intake.email.models import MailMessage
from ..jurisdiction import can_see
from .blueprint import CASE_ROLES, bp


class ManualIntakeForm(FlaskForm):
    description = TextAreaField(_l("What the message reports (as read by you)"),
                                validators=[DataRequired(message=_l("This field is required.")), Length(max=20000)],
                                render_kw={"rows": 6})
    entity_name = StringField(_l("Business name"), validators=[Optional(), Length(max=200)])


def _allowed() -> None:
    # Unreadable mail has no place yet: it sits with the bureau that receives the mailbox.
    if not can_see(current_user, current_app.config["TIPLINE"].intake_division):
        abort(403)


def _message_or_404(message_id: int) -> MailMessage:
    row = db.session.get(MailMessage, message_id)
    if row is None or row.status != "needs_manual":
        abort(404)
    return row


@bp.get("/mail")
@staff_required(*CASE_ROLES)
def manual_mail():
    _allowed()
    rows = db.session.scalars(select(MailMessage).where(MailMessage.status == "needs_manual")
                              .order_by(MailMessage.received_at.desc()).limit(200)).all()
    return render_template("cases/mail.html", rows=rows, form=ManualIntakeForm())


@bp.get("/mail/<int:message_id>/raw")
@staff_required(*CASE_ROLES)
def manual_mail_raw(message_id: int):
    _allowed()
    row = _message_or_404(message_id)
    audit.record(db.session, now=clock.now(), action="mail.raw_downloaded", actor=current_user,
                 object_type="mail_message", object_id=row.id)
    db.session.commit()
    return Response(row.raw, mimetype="application/octet-stream",
                    headers={"Content-Disposition": f"attachment; filename=message-{row.id}.eml",
                             "Content-Security-Policy": "default-src 'none'; sandbox"})


@bp.post("/mail/<int:message_id>/intake")
@staff_required(*CASE_ROLES)
def manual_mail_intake(message_id: int):
    _allowed()
    row = _message_or_404(message_id)
    form = ManualIntakeForm()
    if form.validate_on_submit():
        settings = current_app.config["TIPLINE"]
        data = intake.TipInput(kind="report", category_code="", entity_name=form.entity_name.data or "",
                               division_code=settings.intake_division, description=form.description.data,
                               channel="email")
        try:
            result = intake.submit(db.session, now=clock.now(), data=data, token=f"manual-mail-{row.id}",
                                   known_division=lambda c: c in current_app.extensions["divisions"],
                                   actor_label=current_user.username)
        except ValidationFailed:
            db.session.rollback()
            form.description.errors = [_("Please describe the report in at least 20 characters.")]
        else:
            result.tip.sealed_receipt = None
            row.status, row.tip_id = "ingested", result.tip.id
            audit.record(db.session, now=clock.now(), action="mail.manual_intake", actor=current_user,
                         object_type="mail_message", object_id=row.id, details={"tip": result.tip.id})
            db.session.commit()
            flash(_("The message is now a tip. The sender was not sent a receipt code: reply to them from the "
                    "mailbox if they should follow the report."), "success")
            return redirect(url_for("cases.tip", tip_id=result.tip.id))
    rows = db.session.scalars(select(MailMessage).where(MailMessage.status == "needs_manual")
                              .order_by(MailMessage.received_at.desc()).limit(200)).all()
    return render_template("cases/mail.html", rows=rows, form=form, open_id=row.id), 422
