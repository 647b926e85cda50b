from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from .services import MIN_PASSWORD_LENGTH


class LoginForm(FlaskForm):
    username = StringField(_l("Username"),
                           validators=[DataRequired(message=_l("Please enter your username.")), Length(max=64)],
                           render_kw={"autocomplete": "username", "autocapitalize": "none"})
    password = PasswordField(_l("Password"),
                             validators=[DataRequired(message=_l("Please enter your password.")), Length(max=256)],
                             render_kw={"autocomplete": "current-password"})


class SecondFactorForm(FlaskForm):
    code = StringField(_l("Authentication code or recovery code"),
                       validators=[DataRequired(message=_l("Please enter the code from your app.")), Length(max=20)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})


class EnrolForm(FlaskForm):
    code = StringField(_l("6-digit code from your app"),
                       validators=[DataRequired(message=_l("Please enter the code from your app.")), Length(max=10)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})


class PasswordChangeForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(message=_l("This field is required."))],
                            render_kw={"autocomplete": "current-password"})
    new = PasswordField(_l("New password"), validators=[
        DataRequired(message=_l("This field is required.")),
        Length(min=MIN_PASSWORD_LENGTH, max=256,
               message=_l("Use at least %(num)d characters.", num=MIN_PASSWORD_LENGTH))],
        render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Repeat the new password"), validators=[
        DataRequired(message=_l("This field is required.")), EqualTo("new", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"})


class UserCreateForm(FlaskForm):
    username = StringField(_l("Username"),
                           validators=[DataRequired(message=_l("This field is required.")), Length(max=64)])
    display_name = StringField(_l("Name"), validators=[Optional(), Length(max=120)])
    email = EmailField(_l("Email"),
                       validators=[Optional(), Email(message=_l("Enter a valid email address.")), Length(max=254)])
    role = SelectField(_l("Role"), validators=[DataRequired()])
    division_code = SelectField(_l("Division"), validators=[DataRequired()])
    password = PasswordField(_l("Initial password"), validators=[
        DataRequired(message=_l("This field is required.")),
        Length(min=MIN_PASSWORD_LENGTH, max=256,
               message=_l("Use at least %(num)d characters.", num=MIN_PASSWORD_LENGTH))])
    require_2fa = BooleanField(_l("Require two-factor authentication"), default=True)


class ConfirmForm(FlaskForm):
    """An empty form: a CSRF-protected button."""
