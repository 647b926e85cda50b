"""The reporter's browser session: the cookie that opens the status portal, and the claim passphrase
form both the receipt page and the portal use.

The record behind the cookie is server-side (tipline.intake.reporter_sessions); this module is its
web side, for intake's own pages and for the portal (tipline.portal) above it.
"""
from __future__ import annotations

from flask import flash, g, session
from flask_babel import gettext as _

from .. import timesource
from ..errors import Conflict, ValidationFailed
from ..extensions import db
from . import passphrase, reporter_sessions
from .messages import field_message


def open_portal(tip) -> None:
    """This browser's session is the reporter's of `tip`: a server-side record that sign-out, the
    idle timeout and the lifetime end. Commits."""
    session.pop("pending_2fa", None)
    session["reporter"] = reporter_sessions.start(db.session, now=timesource.now(), tip_id=tip.id)
    db.session.commit()


def reporter_tip_id() -> int | None:
    """The tip whose reporter this browser is, or None (no session, signed out, idle or too old)."""
    # The cookie holds only a session token; the record decides.
    if "reporter_tip_id" in g:  # already looked up in this request (e.g. by a rate-limit key)
        return g.reporter_tip_id
    token = session.get("reporter")
    tip_id = reporter_sessions.load(db.session, now=timesource.now(), token=token) if isinstance(token, str) else None
    if tip_id is None:
        session.pop("reporter", None)
    g.reporter_tip_id = tip_id
    return tip_id


def close_portal() -> None:
    """Sign the reporter out: the record ends, so a copy of the cookie opens nothing. Commits."""
    token = session.pop("reporter", None)
    if isinstance(token, str):
        reporter_sessions.end(db.session, now=timesource.now(), token=token)
        db.session.commit()


def set_passphrase(tip, form) -> bool:
    """Set the tip's claim passphrase from a PassphraseForm; False with the form's errors (or a flash) set."""
    try:
        passphrase.set_passphrase(db.session, now=timesource.now(), tip=tip, passphrase=form.passphrase.data,
                                  confirm=form.passphrase_confirm.data)
    except Conflict:
        db.session.rollback()
        flash(_("A claim passphrase is already set for this report. It cannot be changed here."), "info")
        return False
    except ValidationFailed as exc:
        db.session.rollback()
        for name, code in exc.details["fields"].items():
            getattr(form, name).errors = [field_message(code)]
        return False
    db.session.commit()
    flash(_("Your claim passphrase is set. Keep it with your receipt code: you will need both to claim a reward."),
          "success")
    return True
