"""The staff blueprint and what its page modules share: the roles that work cases and the mapping of
domain errors onto a form or a flash. Its own module, so the page modules need not import views.py
(which imports them to register their pages)."""
from __future__ import annotations

from flask import Blueprint, abort, flash
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from ..errors import Conflict, Forbidden, ValidationFailed
from ..extensions import db
from .labels import FIELD_ERRORS
from .procedure_labels import PROCEDURE_MESSAGES

bp = Blueprint("cases", __name__, url_prefix="/staff")

CASE_ROLES = ("officer", "supervisor")


def run_action(fn, form) -> str | None:
    """Run a service call; map domain errors onto the form or a flash. Returns an error kind or None."""
    try:
        fn()
    except ValidationFailed as exc:
        db.session.rollback()
        for name, code in exc.details.get("fields", {}).items():
            field = getattr(form, name, None) or getattr(form, "reason")
            field.errors = list(field.errors) + [str(FIELD_ERRORS.get(code, FIELD_ERRORS["invalid"]))]
        return "invalid"
    except (Conflict, StaleDataError) as exc:
        db.session.rollback()
        kind = None if isinstance(exc, StaleDataError) else exc.details.get("kind")
        if isinstance(exc, StaleDataError) or kind == "stale":
            flash(_("Someone else changed this record meanwhile. Nothing was saved; please check and try again."), "error")
        elif kind == "extension_once":
            flash(_("The time to decide on filing can be extended only once, and it has been."), "error")
        elif kind == "extension_open":
            flash(_("A request for more time is already waiting for a supervisor's decision."), "error")
        elif kind in PROCEDURE_MESSAGES:
            flash(str(PROCEDURE_MESSAGES[kind]), "error")
        else:
            flash(_("This action is not possible in the record's current state."), "error")
        return "conflict"
    except Forbidden:
        db.session.rollback()
        abort(403)
    return None
