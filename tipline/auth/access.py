"""View guards for staff pages: login, role, and mandatory 2FA enrolment."""
from __future__ import annotations

from functools import wraps

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user

from ..extensions import db
from .services import totp_required


def staff_required(*roles: str):
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            if (not current_user.totp_enabled
                    and totp_required(db.session, current_user, current_app.config["TIPLINE"].require_2fa)
                    and request.endpoint not in {"auth.enrol_2fa", "auth.logout"}):
                return redirect(url_for("auth.enrol_2fa"))
            if roles and not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator
