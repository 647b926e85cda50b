"""The staff blueprint and what its page modules share: the roles that work cases and the mapping of
domain errors onto a form or a flash. Its own module, so the page modules need not import views.py
(which imports them to register their pages)."""
from __future__ import annotations

from flask import Blueprint
from flask_babel import gettext as _

from ..errors import Conflict
from ..web import run_service
from .labels import FIELD_ERRORS
from .procedure_labels import PROCEDURE_MESSAGES

bp = Blueprint("cases", __name__, url_prefix="/staff")

CASE_ROLES = ("officer", "supervisor")


def _conflict_message(exc) -> str | None:
    """What an officer is told when a case or tip action is refused (tipline.web.run_service)."""
    if not isinstance(exc, Conflict):
        return None  # Forbidden and the rest: the error page with the error's status
    kind = exc.details.get("kind")
    if kind == "stale":
        return _("Someone else changed this record meanwhile. Nothing was saved; please check and try again.")
    if kind == "extension_once":
        return _("The time to decide on filing can be extended only once, and it has been.")
    if kind == "extension_open":
        return _("A request for more time is already waiting for a supervisor's decision.")
    if kind in PROCEDURE_MESSAGES:
        return str(PROCEDURE_MESSAGES[kind])
    return _("This action is not possible in the record's current state.")


def run_action(fn, form) -> int | None:
    """Run a case or tip action's service call; None, or the status to render the page with (422, 409)."""
    return run_service(fn, form, field_text=lambda code: FIELD_ERRORS.get(code, FIELD_ERRORS["invalid"]),
                       message=_conflict_message)
