"""Administration of the rules behind deadlines: the deadline table, official calendars, failed reminders."""
from __future__ import annotations

import tempfile
from pathlib import Path

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from .. import timesource
from ..auth.access import staff_required
from ..calendar.models import CalendarYear
from ..calendar.services import CalendarFileError, import_official, read_official_file
from ..cases.deadlines import clocks, reminders
from ..cases.deadlines.models import DeadlineRule
from ..cases.labels import CLOCK_KIND_LABELS, FIELD_ERRORS
from ..errors import ValidationFailed
from ..extensions import db
from .blueprint import bp
from .forms import CalendarImportForm, DeadlineRuleForm


@bp.route("/deadlines", methods=["GET", "POST"])
@staff_required("admin")
def deadline_rules():
    form = DeadlineRuleForm()
    form.clock.choices = [(k, str(v)) for k, v in CLOCK_KIND_LABELS.items()]
    if form.validate_on_submit():
        try:
            clocks.add_rule_version(db.session, now=timesource.now(), actor=current_user, clock=form.clock.data,
                                    effective_from=form.effective_from.data, length=form.length.data,
                                    unit=form.unit.data, extension=form.extension.data or 0)
        except ValidationFailed as exc:
            db.session.rollback()
            for name, code in exc.details["fields"].items():
                getattr(form, name).errors = [str(FIELD_ERRORS.get(code, FIELD_ERRORS["invalid"]))]
        else:
            db.session.commit()
            flash(_("Saved. Clocks already running keep the version they started under."), "success")
            return redirect(url_for("admin.deadline_rules"))
    clocks.seed_rules(db.session, timesource.now())
    db.session.commit()
    rows = db.session.scalars(select(DeadlineRule).order_by(DeadlineRule.clock, DeadlineRule.effective_from)).all()
    return render_template("admin/deadlines.html", form=form, rules=rows, labels=CLOCK_KIND_LABELS,
                           basis=clocks.basis_of)


@bp.route("/calendar", methods=["GET", "POST"])
@staff_required("admin")
def calendar():
    form = CalendarImportForm()
    if form.validate_on_submit():
        with tempfile.TemporaryDirectory() as tmp:
            name = "upload.json" if (form.file.data.filename or "").lower().endswith(".json") else "upload.csv"
            path = Path(tmp) / name
            form.file.data.save(path)
            try:
                rows, years = read_official_file(path)
                affected = import_official(db.session, timesource.now(), rows, actor=current_user, years=years)
            except (CalendarFileError, ValueError) as exc:
                db.session.rollback()
                form.file.errors = [str(exc)]
            else:
                db.session.commit()
                flash(_("Official days entered for %(years)s; open deadlines were recomputed.",
                        years=", ".join(str(y) for y in sorted(affected))), "success")
                return redirect(url_for("admin.calendar"))
    years = db.session.scalars(select(CalendarYear).order_by(CalendarYear.year)).all()
    failed = reminders.failures(db.session)
    return render_template("admin/calendar.html", form=form, years=years, failed=failed,
                           counts=reminders.count_by_status(db.session))
