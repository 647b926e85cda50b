"""Administration: staff accounts and site-wide security settings."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from .. import timesource
from ..auth import services
from ..auth.access import staff_required
from ..auth.forms import ConfirmForm, UserCreateForm
from ..auth.models import Role, SiteSetting, User
from ..division_names import division_choices
from ..errors import ValidationFailed
from ..extensions import db
from ..i18n import ROLE_LABELS
from .blueprint import bp

FIELD_MESSAGES = {
    "taken": lambda: _("This username is already taken."),
    "unknown_division": lambda: _("Choose a division from the list."),
    "unknown_role": lambda: _("Choose a role from the list."),
    "too_short": lambda: _("The password is too short."),
    "required": lambda: _("This field is required."),
}


def _user_form():
    form = UserCreateForm()
    form.role.choices = [(r.value, ROLE_LABELS[r.value]) for r in Role]
    form.division_code.choices = division_choices()
    return form


@bp.route("/users", methods=["GET", "POST"])
@staff_required("admin")
def users():
    form = _user_form()
    if form.validate_on_submit():
        divisions = current_app.extensions["divisions"]
        try:
            user = services.create_user(
                db.session, now=timesource.now(), username=form.username.data, password=form.password.data,
                role=form.role.data, division_code=form.division_code.data, display_name=form.display_name.data or "",
                email=form.email.data or "", actor=current_user, known_division=lambda c: c in divisions,
            )
        except ValidationFailed as exc:
            db.session.rollback()
            for name, code in exc.details["fields"].items():
                getattr(form, name).errors.append(FIELD_MESSAGES[code]())
        else:
            user.totp_required = bool(form.require_2fa.data)
            db.session.commit()
            flash(_("Account %(name)s created.", name=user.username), "success")
            return redirect(url_for("admin.users"))
    rows = db.session.scalars(select(User).order_by(User.username)).all()
    row = db.session.get(SiteSetting, "require_2fa")
    site_2fa = current_app.config["TIPLINE"].require_2fa if row is None else row.value == "1"
    return render_template("admin/users.html", form=form, users=rows, site_2fa=site_2fa,
                           action_form=ConfirmForm(), role_labels=ROLE_LABELS)


def _target(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.post("/users/<int:user_id>/<action>")
@staff_required("admin")
def user_action(user_id: int, action: str):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    user = _target(user_id)
    now = timesource.now()
    if action == "disable":
        if user.id == current_user.id:
            flash(_("You cannot disable your own account."), "error")
            return redirect(url_for("admin.users"))
        services.set_active(db.session, now=now, actor=current_user, user=user, active=False)
    elif action == "enable":
        services.set_active(db.session, now=now, actor=current_user, user=user, active=True)
    elif action == "reset-2fa":
        services.reset_totp(db.session, now=now, actor=current_user, user=user)
    elif action == "require-2fa":
        user.totp_required = not user.totp_required
        from ..audit import services as audit
        audit.record(db.session, now=now, action="user.require_2fa", actor=current_user, object_type="user",
                     object_id=user.id, details={"required": user.totp_required})
    else:
        abort(404)
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for("admin.users"))


@bp.post("/settings/require-2fa")
@staff_required("admin")
def site_require_2fa():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    row = db.session.get(SiteSetting, "require_2fa")
    current = current_app.config["TIPLINE"].require_2fa if row is None else row.value == "1"
    services.set_site_require_2fa(db.session, now=timesource.now(), actor=current_user, required=not current)
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for("admin.users"))


from . import calendar_views  # noqa: E402,F401  (registers the deadline and calendar pages)
