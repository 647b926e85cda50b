"""Staff side: the officer's home, the division's tips, one tip with its files and messages."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from .. import categories, clock
from ..audit import services as audit
from ..auth.access import staff_required
from ..errors import ValidationFailed
from ..extensions import db
from ..intake import services as intake
from ..intake.models import EvidenceFile, Tip
from ..intake.status import STATUS_LABELS
from ..jurisdiction import can_see, division_filter, division_name
from .forms import RevealIdentityForm, StaffMessageForm

bp = Blueprint("cases", __name__, url_prefix="/staff")

CASE_ROLES = ("officer", "supervisor")
PAGE_SIZE = 50


@bp.get("/")
@staff_required()
def home():
    return render_template("cases/home.html", division=division_name(current_user.division_code))


@bp.get("/tips")
@staff_required(*CASE_ROLES)
def tips():
    """Newest first, keyset-paginated on (received_at, id): no OFFSET, one query per page."""
    stmt = select(Tip).where(division_filter(Tip.division_code, current_user))
    before = request.args.get("before", "")
    if before:
        try:
            ts, tip_id = before.rsplit("_", 1)
            at = dt.datetime.fromtimestamp(float(ts), dt.timezone.utc)
            stmt = stmt.where(or_(Tip.received_at < at, and_(Tip.received_at == at, Tip.id < int(tip_id))))
        except ValueError:
            abort(400)
    rows = db.session.scalars(stmt.order_by(Tip.received_at.desc(), Tip.id.desc()).limit(PAGE_SIZE + 1)).all()
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    next_key = f"{rows[-1].received_at.timestamp()}_{rows[-1].id}" if more else None
    return render_template("cases/tips.html", tips=rows, next_key=next_key, categories=categories.by_code(),
                           status_labels=STATUS_LABELS, division_name=division_name)


def _tip_or_404(tip_id: int) -> Tip:
    tip = db.session.scalar(select(Tip).where(Tip.id == tip_id).options(
        selectinload(Tip.files), selectinload(Tip.messages)))
    # Another division's tip is answered as if it did not exist.
    if tip is None or not can_see(current_user, tip.division_code):
        abort(404)
    return tip


def _detail(tip: Tip, message_form=None, reveal_form=None, identity=None, revealed=False, status=200):
    return render_template("cases/tip.html", tip=tip, category=categories.get(tip.category_code),
                           message_form=message_form or StaffMessageForm(),
                           reveal_form=reveal_form or RevealIdentityForm(), identity=identity, revealed=revealed,
                           division=division_name(tip.division_code), status_labels=STATUS_LABELS), status


@bp.get("/tips/<int:tip_id>")
@staff_required(*CASE_ROLES)
def tip(tip_id: int):
    t = _tip_or_404(tip_id)
    audit.record(db.session, now=clock.now(), action="tip.viewed", actor=current_user, object_type="tip",
                 object_id=t.id)
    db.session.commit()
    return _detail(t)


@bp.post("/tips/<int:tip_id>/messages")
@staff_required(*CASE_ROLES)
def send_message(tip_id: int):
    t = _tip_or_404(tip_id)
    form = StaffMessageForm()
    if not form.validate_on_submit():
        return _detail(t, message_form=form, status=422)
    intake.post_message(db.session, now=clock.now(), tip=t, body=form.body.data, author="staff",
                        staff_user=current_user)
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
        identity = intake.reveal_identity(db.session, now=clock.now(), tip=t, user=current_user,
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
    audit.record(db.session, now=clock.now(), action="evidence.downloaded", actor=current_user, object_type="tip",
                 object_id=t.id, details={"file": f.id, "sha256": f.sha256})
    db.session.commit()
    from urllib.parse import quote
    # Always a download, never rendered inline: evidence may be hostile.
    return Response(data, mimetype="application/octet-stream", headers={
        "Content-Disposition": f"attachment; filename=evidence-{f.id}; filename*=UTF-8''{quote(f.display_name)}",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
    })
