"""Staff side of oversight: the dashboard, its exports, and legal holds."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange

from .. import categories, timesource
from ..audit import services as audit
from ..auth.access import staff_required
from ..cases.labels import OUTCOME_LABELS
from ..division_names import division_name
from ..divisions import PROVINCE_CODE
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..extensions import db
from ..intake.labels import CHANNEL_LABELS
from ..jurisdiction import can_see
from . import exports, holds, stats
from .charts import bar_chart
from .labels import COMPLAINT_LABELS, KEY_FIGURE_LABELS, STAGE_LABELS, TRIAGE_LABELS

bp = Blueprint("oversight", __name__, url_prefix="/staff")

DASHBOARD_ROLES = ("supervisor", "admin", "auditor")
EXPORTS = ("cases", "statistics", "rewards", "inspection-plan")
MIMETYPES = {"csv": "text/csv; charset=utf-8",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _parse_date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def division_options(user) -> list[tuple[str, str]]:
    """The divisions a user may choose: their own and everything beneath it."""
    divs = current_app.extensions["divisions"]
    locale = str(get_locale() or "zh")
    if user.sees_all:
        out = [(PROVINCE_CODE, divs.province.name(locale))]
        for city in divs.cities():
            out.append((city.code, city.name(locale)))
            out += [(c.code, "\u2003" + c.name(locale)) for c in divs.counties(city.code)]
        return out
    own = divs.get(user.division_code)
    out = [(own.code, own.name(locale))] if own else []
    if own and own.level == "city":
        out += [(c.code, "\u2003" + c.name(locale)) for c in divs.counties(own.code)]
    return out


def filters() -> tuple[stats.Period, str, list[str]]:
    """Period and division from the query string; anything invalid or out of reach falls back to
    the default (this calendar year in Shanghai, the user's own division) with a message."""
    problems = []
    year = stats.local_date(timesource.now()).year
    start = _parse_date(request.args.get("from"))
    end = _parse_date(request.args.get("to"))
    if (request.args.get("from") and start is None) or (request.args.get("to") and end is None):
        problems.append(_("A date could not be read; use YYYY-MM-DD."))
    start, end = start or dt.date(year, 1, 1), end or dt.date(year, 12, 31)
    if start > end:
        problems.append(_("The period ends before it starts; showing this year."))
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    division = request.args.get("division") or current_user.division_code
    if division not in current_app.extensions["divisions"] or not can_see(current_user, division):
        division = current_user.division_code
    return stats.Period(start, end), division, problems


def _query(period: stats.Period, division: str) -> dict:
    return {"from": period.start.isoformat(), "to": period.end.isoformat(), "division": division}


@bp.get("/dashboard")
@staff_required(*DASHBOARD_ROLES)
def dashboard():
    period, division, problems = filters()
    for p in problems:
        flash(p, "warning")
    ov = stats.overview(db.session, period, division)
    locale = str(get_locale() or "zh")
    groups = {g.code: g.name(locale) for g in categories.load()}
    charts = {
        "channel": bar_chart("chart-channel", _("Submissions by channel"),
                             [(str(CHANNEL_LABELS.get(k, k)), v) for k, v in ov.by_channel.items()]),
        "group": bar_chart("chart-group", _("Submissions by category group"),
                           [(groups.get(k, k), v) for k, v in ov.by_group.items()]),
        "triage": bar_chart("chart-triage", _("Triage outcomes"),
                            [(str(TRIAGE_LABELS[k]), v) for k, v in ov.triage.items()]),
        "outcome": bar_chart("chart-outcome", _("Decisions by outcome"),
                             [(str(OUTCOME_LABELS.get(k, k)), v) for k, v in ov.decisions.by_outcome.items()]),
        "key": bar_chart("chart-key", _("Key figures"),
                         [(str(KEY_FIGURE_LABELS[k]), v) for k, v in ov.key_figures.items()]),
    }
    return render_template("oversight/dashboard.html", complaint_labels=COMPLAINT_LABELS, ov=ov, charts=charts,
                           period=period, division=division,
                           division_label=division_name(division), options=division_options(current_user),
                           query=_query(period, division), stage_labels=STAGE_LABELS,
                           key_labels=KEY_FIGURE_LABELS, exports=EXPORTS,
                           rewards_available=exports.has_rewards(db.session))


@bp.get("/dashboard/export/<any(cases, statistics, rewards, 'inspection-plan'):what>.<any(csv, xlsx):fmt>")
@staff_required(*DASHBOARD_ROLES)
def export(what: str, fmt: str):
    period, division, _problems = filters()
    if what == "statistics":
        table = exports.statistics_table(stats.overview(db.session, period, division))
    elif what == "cases":
        table = exports.cases_table(db.session, period, division)
    elif what == "inspection-plan":
        table = exports.inspection_plan_table(db.session, division)
    else:
        rewards = exports.rewards_table(db.session, period, division)
        if rewards is None:
            abort(404)
        table = rewards
    body = exports.to_csv(table) if fmt == "csv" else exports.to_xlsx(table)
    # Exports leave the system: who took which one is on the record.
    audit.record(db.session, now=timesource.now(), action="oversight.export", actor=current_user, object_type="export",
                 object_id=what, details={"format": fmt, **_query(period, division), "rows": len(table.rows)})
    db.session.commit()
    name = f"tipline-{what}-{division}-{period.start.isoformat()}-{period.end.isoformat()}.{fmt}"
    return Response(body, mimetype=MIMETYPES[fmt], headers={"Content-Disposition": f'attachment; filename="{name}"'})


class HoldForm(FlaskForm):
    object_type = SelectField(_l("Record"), choices=[("tip", _l("Tip")), ("case", _l("Case"))])
    object_id = IntegerField(_l("Number (the digits of the tip reference, or the case number)"),
                             validators=[DataRequired(), NumberRange(min=1)])
    reason = TextAreaField(_l("Reason for the hold"), validators=[DataRequired(), Length(min=2, max=2000)])


@bp.route("/holds", methods=["GET", "POST"])
@staff_required(*holds.HOLD_ROLES)
def legal_holds():
    form = HoldForm()
    if form.validate_on_submit():
        try:
            holds.place(db.session, now=timesource.now(), actor=current_user, object_type=form.object_type.data,
                        object_id=form.object_id.data, reason=form.reason.data)
        except (ValidationFailed, NotFound, Forbidden, Conflict) as exc:
            db.session.rollback()
            message = {NotFound: _("No such record in your jurisdiction."),
                       Forbidden: _("No such record in your jurisdiction."),
                       Conflict: _("This record is already under a hold.")}.get(type(exc),
                                                                                _("Please check the form."))
            flash(message, "error")
        else:
            db.session.commit()
            flash(_("The hold is in place: the retention rules will not delete or anonymise this record."),
                  "success")
            return redirect(url_for("oversight.legal_holds"))
    rows = holds.active(db.session, current_user)
    return render_template("oversight/holds.html", form=form, rows=rows, division_name=division_name)


@bp.post("/holds/<int:hold_id>/release")
@staff_required(*holds.HOLD_ROLES)
def release_hold(hold_id: int):
    # CSRF is checked by the global CSRFProtect before this runs.
    try:
        holds.release(db.session, now=timesource.now(), actor=current_user, hold_id=hold_id)
    except NotFound:
        abort(404)
    except Forbidden:
        abort(403)
    except Conflict:
        db.session.rollback()
        flash(_("This hold was already released."), "error")
        return redirect(url_for("oversight.legal_holds"))
    db.session.commit()
    flash(_("The hold is released."), "success")
    return redirect(url_for("oversight.legal_holds"))
