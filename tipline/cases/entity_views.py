"""The entity register: a business's tips, cases and outcomes, and the list flagged for inspection."""
from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user
from sqlalchemy import select

from .. import categories
from ..auth.access import staff_required
from ..division_names import division_name
from ..extensions import db
from ..intake.models import Tip
from ..intake.status import STATUS_LABELS
from ..jurisdiction import division_filter
from .blueprint import CASE_ROLES, bp
from .labels import CASE_STATE_LABELS, OUTCOME_LABELS
from .models import Case, Entity


@bp.get("/entities")
@staff_required(*CASE_ROLES)
def entities():
    """Businesses with a substantiated violation in my jurisdiction: raised inspection frequency."""
    query = (request.args.get("q") or "").strip()
    stmt = (select(Entity).join(Case, Case.entity_id == Entity.id)
            .where(division_filter(Case.division_code, current_user)).distinct())
    if query:
        stmt = stmt.where((Entity.name.contains(query)) | (Entity.uscc == query.upper()))
    else:
        stmt = stmt.where(Entity.flagged_at.is_not(None))
    rows = db.session.scalars(stmt.order_by(Entity.substantiated.desc(), Entity.name).limit(500)).all()
    return render_template("cases/entities.html", entities=rows, query=query)


@bp.get("/entities/<int:entity_id>")
@staff_required(*CASE_ROLES)
def entity(entity_id: int):
    e = db.session.get(Entity, entity_id)
    if e is None:
        abort(404)
    tips = db.session.scalars(select(Tip).where(Tip.entity_id == e.id, division_filter(Tip.division_code, current_user))
                              .order_by(Tip.received_at.desc()).limit(500)).all()
    cases = db.session.scalars(select(Case).where(Case.entity_id == e.id,
                                                  division_filter(Case.division_code, current_user))
                               .order_by(Case.filed_on.desc())).all()
    if not tips and not cases:
        abort(404)  # nothing of it in this officer's jurisdiction
    return render_template("cases/entity.html", entity=e, tips=tips, cases=cases, categories=categories.by_code(),
                           status_labels=STATUS_LABELS, state_labels=CASE_STATE_LABELS,
                           outcome_labels=OUTCOME_LABELS, division_name=division_name)
