"""Staff login, two-factor, logout and own account."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, current_app, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from .. import timesource
from ..errors import InvalidCredentials, Throttled
from ..extensions import db, limiter, login_manager
from ..ratelimit import client_key
from . import services
from .access import staff_required
from .forms import EnrolForm, LoginForm, PasswordChangeForm, SecondFactorForm
from .models import User

bp = Blueprint("auth", __name__, url_prefix="/staff")

PENDING_2FA_SECONDS = 300


def init_login(app):
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = None  # the server-side session record does this job
    login_manager.login_message = None

    @login_manager.user_loader
    def _load(token: str):
        s = app.config["TIPLINE"]
        return services.load_session(
            db.session, now=timesource.now(), token=token,
            idle=dt.timedelta(minutes=s.session_idle_minutes), absolute=dt.timedelta(hours=s.session_absolute_hours),
        )


def _settings():
    return current_app.config["TIPLINE"]


def _finish_login(user: User, method: str):
    services.start_session(db.session, now=timesource.now(), user=user, method=method)  # sets user.current_sid
    db.session.commit()
    session.clear()
    session.permanent = False
    login_user(user)
    return redirect(url_for("cases.home"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("cases.home"))
    form = LoginForm()
    if form.validate_on_submit():
        s = _settings()
        try:
            user = services.authenticate(
                db.session, now=timesource.now(), username=form.username.data, password=form.password.data,
                client=client_key(), max_failures=s.login_max_failures,
                lockout=dt.timedelta(minutes=s.login_lockout_minutes),
            )
        except Throttled:
            db.session.commit()
            form.password.errors.append(_("Too many failed attempts. Please wait a few minutes and try again."))
            return render_template("auth/login.html", form=form), 429
        except InvalidCredentials:
            db.session.commit()
            form.password.errors.append(_("Username or password is incorrect."))
            return render_template("auth/login.html", form=form), 200
        if user.totp_enabled:
            db.session.commit()
            session.clear()
            session["pending_2fa"] = {"uid": user.id, "at": timesource.now().timestamp()}
            return redirect(url_for("auth.second_factor"))
        return _finish_login(user, "password")
    return render_template("auth/login.html", form=form)


@bp.route("/login/2fa", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
def second_factor():
    pending = session.get("pending_2fa")
    if not pending or timesource.now().timestamp() - pending["at"] > PENDING_2FA_SECONDS:
        session.pop("pending_2fa", None)
        flash(_("Please sign in again."), "info")
        return redirect(url_for("auth.login"))
    user = db.session.get(User, pending["uid"])
    if user is None or not user.active:
        session.clear()
        return redirect(url_for("auth.login"))
    form = SecondFactorForm()
    if form.validate_on_submit():
        if user.locked_until and user.locked_until > timesource.now():
            form.code.errors.append(_("Too many failed attempts. Please wait a few minutes and try again."))
            return render_template("auth/second_factor.html", form=form), 429
        try:
            method = services.verify_second_factor(db.session, now=timesource.now(), user=user, code=form.code.data)
        except InvalidCredentials:
            s = _settings()
            if user.failed_logins >= s.login_max_failures:
                user.locked_until = timesource.now() + dt.timedelta(minutes=s.login_lockout_minutes)
                user.failed_logins = 0
            db.session.commit()
            form.code.errors.append(_("That code is not valid. Check your app's time and try again."))
            return render_template("auth/second_factor.html", form=form)
        return _finish_login(user, "password+" + method)
    return render_template("auth/second_factor.html", form=form)


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        services.end_session(db.session, now=timesource.now(), token=current_user.current_sid)
        db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
@staff_required()
def account():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            services.change_password(db.session, now=timesource.now(), user=current_user, current=form.current.data,
                                     new=form.new.data)
        except InvalidCredentials:
            db.session.rollback()
            form.current.errors.append(_("The current password is not correct."))
        else:
            db.session.commit()
            flash(_("Your password was changed. Your other sessions were signed out."), "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form)


@bp.route("/account/2fa", methods=["GET", "POST"])
@staff_required()
def enrol_2fa():
    user = current_user._get_current_object()
    form = EnrolForm()
    enrolment = services.begin_totp(db.session, user=user)
    if form.validate_on_submit():
        try:
            codes = services.confirm_totp(db.session, now=timesource.now(), user=user, code=form.code.data)
        except InvalidCredentials:
            form.code.errors.append(_("That code is not valid. Check your app's time and try again."))
        else:
            db.session.commit()
            return render_template("auth/recovery_codes.html", codes=codes)
    db.session.commit()  # keep the pending secret so the QR code stays the same on reload
    return render_template("auth/enrol_2fa.html", form=form, enrolment=enrolment,
                           secret_groups=" ".join(enrolment.secret[i:i + 4]
                                                  for i in range(0, len(enrolment.secret), 4)))
