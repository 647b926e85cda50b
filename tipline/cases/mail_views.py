"""Mail the parser could not read: kept raw and listed for manual intake (services: intake.email.manual)."""
from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from .. import timesource
from ..auth.access import staff_required
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..intake.email import manual
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
    try:
        return manual.waiting_message(db.session, message_id)
    except NotFound:
        abort(404)


@bp.get("/mail")
@staff_required(*CASE_ROLES)
def manual_mail():
    _allowed()
    return render_template("cases/mail.html", rows=manual.waiting(db.session), form=ManualIntakeForm())


@bp.get("/mail/<int:message_id>/raw")
@staff_required(*CASE_ROLES)
def manual_mail_raw(message_id: int):
    _allowed()
    row = _message_or_404(message_id)
    raw = manual.download_raw(db.session, now=timesource.now(), message=row, actor=current_user)
    db.session.commit()
    return Response(raw, mimetype="application/octet-stream",
                    headers={"Content-Disposition": f"attachment; filename=message-{row.id}.eml",
                             "Content-Security-Policy": "default-src 'none'; sandbox"})


@bp.post("/mail/<int:message_id>/intake")
@staff_required(*CASE_ROLES)
def manual_mail_intake(message_id: int):
    _allowed()
    row = _message_or_404(message_id)
    form = ManualIntakeForm()
    if form.validate_on_submit():
        try:
            tip = manual.take_in(db.session, now=timesource.now(), message=row, description=form.description.data,
                                 entity_name=form.entity_name.data or "",
                                 division_code=current_app.config["TIPLINE"].intake_division,
                                 known_division=lambda c: c in current_app.extensions["divisions"],
                                 actor=current_user)
        except ValidationFailed:
            db.session.rollback()
            form.description.errors = [_("Please describe the report in at least 20 characters.")]
        else:
            db.session.commit()
            flash(_("The message is now a tip. The sender was not sent a receipt code: reply to them from the "
                    "mailbox if they should follow the report."), "success")
            return redirect(url_for("cases.tip", tip_id=tip.id))
    return render_template("cases/mail.html", rows=manual.waiting(db.session), form=form, open_id=row.id), 422
