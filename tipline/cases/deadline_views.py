"""Deadline pages: an officer's own, and a supervisor's view of the division."""
from __future__ import annotations

import datetime as dt
import json

from flask import render_template
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from .. import timesource
from ..auth.access import staff_required
from ..calendar.services import WorkCalendar
from ..division_names import division_name
from ..extensions import db
from ..intake.models import Tip
from ..jurisdiction import division_filter
from .blueprint import CASE_ROLES, bp
from .deadlines import clocks
from .deadlines.models import Clock, Notice
from .deadlines.reminder_rules import shipped_reminder_rules
from .labels import CLOCK_KIND_LABELS, NOTICE_LABELS
from .models import Assignment


def _grouped(rows, cal, today):
    week_end = today + dt.timedelta(days=6 - today.weekday())
    groups = {"overdue": [], "week": [], "later": [], "stopped": []}
    for c in rows:
        v = clocks.view(c, cal, today)
        if c.state == "stopped":
            groups["stopped"].append(v)
        elif c.due_on < today:
            groups["overdue"].append(v)
        elif c.due_on <= week_end:
            groups["week"].append(v)
        else:
            groups["later"].append(v)
    return groups


def _notice_labels() -> dict:
    """The notice labels, the "due within n working days" one with n from deadlines.json."""
    before = shipped_reminder_rules().workdays_before("before_3")  # None: the data no longer has the rule
    return {**NOTICE_LABELS, "before_3": NOTICE_LABELS["before_3"] % {"n": before} if before is not None
            else _("Due soon")}


@bp.get("/deadlines")
@staff_required(*CASE_ROLES)
def deadlines():
    """Mine: clocks on cases I investigate and tips I triaged; supervisors see the whole division."""
    s = db.session
    supervisor = current_user.has_role("supervisor")
    stmt = select(Clock).where(Clock.state != "done")
    if supervisor:
        stmt = stmt.where(division_filter(Clock.division_code, current_user))
    else:
        mine_cases = select(Assignment.case_id).where(Assignment.user_id == current_user.id,
                                                      Assignment.active.is_(True))
        mine_tips = select(Tip.id).where(Tip.triaged_by_id == current_user.id)
        stmt = stmt.where(or_(Clock.case_id.in_(mine_cases), Clock.tip_id.in_(mine_tips)))
    rows = s.scalars(stmt.order_by(Clock.due_on.asc().nulls_last(), Clock.id).limit(1000)).all()
    cal = WorkCalendar.load(s)
    today = clocks.local_date(timesource.now())
    notices = s.scalars(select(Notice).where(Notice.user_id == current_user.id)
                        .order_by(Notice.id.desc()).limit(20)).all()
    return render_template("cases/deadlines.html", groups=_grouped(rows, cal, today), supervisor=supervisor,
                           kind_labels=CLOCK_KIND_LABELS, notices=notices, notice_labels=_notice_labels(),
                           params=lambda n: json.loads(n.params), division=division_name(current_user.division_code))


def clocks_for(*, tip_id: int | None = None, case_id: int | None = None) -> list[dict]:
    """The clocks a tip or case page shows, with days left."""
    s = db.session
    stmt = select(Clock).where(Clock.tip_id == tip_id) if tip_id is not None else select(Clock).where(
        Clock.case_id == case_id)
    rows = s.scalars(stmt.order_by(Clock.id)).all()
    if not rows:
        return []
    cal = WorkCalendar.load(s)
    today = clocks.local_date(timesource.now())
    return [clocks.view(c, cal, today) for c in rows]
