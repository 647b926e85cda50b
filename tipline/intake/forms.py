"""Public forms. Labels are lazily translated; messages appear beside their fields."""
from __future__ import annotations

import random
import unicodedata

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from itsdangerous import BadSignature, URLSafeTimedSerializer
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp, ValidationError

from ..web import CachedOptionsSelect

KIND_CHOICES = [
    ("report", _l("A report: a business broke the rules (rewards apply)")),
    ("complaint", _l("A complaint: I want a dispute about something I bought resolved")),
    ("both", _l("Both")),
]
KNOWLEDGE_CHOICES = [
    ("witness", _l("I saw it myself")),
    ("insider", _l("I work or worked there (insider)")),
    ("customer", _l("I am or was a customer")),
    ("other", _l("Other")),
]
REQUIRED = _l("This field is required.")
CHALLENGE_MAX_AGE = 6 * 3600


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="tipline-challenge")


def new_challenge() -> tuple[str, int, int]:
    a, b = random.SystemRandom().randint(1, 9), random.SystemRandom().randint(1, 9)
    return _serializer().dumps([a, b]), a, b


def challenge_numbers(token: str) -> tuple[int, int] | None:
    try:
        a, b = _serializer().loads(token, max_age=CHALLENGE_MAX_AGE)
        return int(a), int(b)
    except (BadSignature, ValueError, TypeError):
        return None


class ReportForm(FlaskForm):
    kind = RadioField(_l("What are you sending?"), choices=KIND_CHOICES, default="report",
                      validators=[DataRequired(message=REQUIRED)])
    category_code = SelectField(_l("What kind of violation?"), validators=[DataRequired(message=REQUIRED)])
    entity_name = StringField(_l("Name of the business or body reported"),
                              validators=[DataRequired(message=REQUIRED), Length(max=200)])
    entity_uscc = StringField(_l("Unified Social Credit Code (optional)"), validators=[Optional(), Length(max=30)],
                              render_kw={"autocapitalize": "characters", "spellcheck": "false"})
    entity_address = StringField(_l("Address of the business (optional)"), validators=[Optional(), Length(max=300)])
    division_code = SelectField(_l("Where did it happen?"), validators=[DataRequired(message=REQUIRED)],
                                widget=CachedOptionsSelect())
    occurred_on = DateField(_l("When did it happen? (optional)"), validators=[Optional()])
    description = TextAreaField(_l("What happened?"), validators=[DataRequired(message=REQUIRED)],
                                render_kw={"rows": 10})
    knowledge = RadioField(_l("How do you know?"), choices=KNOWLEDGE_CHOICES, default="witness",
                           validators=[DataRequired(message=REQUIRED)])
    evidence = MultipleFileField(_l("Evidence files (optional)"))
    keep_original = BooleanField(
        _l("Also keep my photos exactly as taken, with their metadata (location, camera), as evidence"))
    reporter_name = StringField(_l("Your name"), validators=[Optional(), Length(max=60)],
                                render_kw={"autocomplete": "name"})
    reporter_id_number = StringField(_l("Your ID card number"), validators=[Optional(), Length(max=30)])
    reporter_phone = StringField(_l("Your phone number"), validators=[
        Optional(), Regexp(r"^[0-9+\-() ]{5,20}$", message=_l("Enter a phone number using digits."))],
        render_kw={"autocomplete": "tel", "inputmode": "tel"})
    reporter_email = StringField(_l("Your email address"), validators=[
        Optional(), Email(message=_l("Enter a valid email address."), check_deliverability=False), Length(max=254)],
        render_kw={"autocomplete": "email", "inputmode": "email"})
    challenge = HiddenField()
    challenge_answer = StringField(_l("Anti-spam question"),
                                   validators=[DataRequired(message=REQUIRED), Length(max=10)],
                                   render_kw={"inputmode": "numeric", "autocomplete": "off"})
    submission_token = HiddenField()
    website = StringField(_l("Leave this empty"), render_kw={"tabindex": "-1", "autocomplete": "off"})

    def validate_challenge_answer(self, field):
        numbers = challenge_numbers(self.challenge.data or "")
        typed = unicodedata.normalize("NFKC", field.data or "").strip()
        if numbers is None:
            raise ValidationError(_l("The question expired. Please answer the new one."))
        if typed != str(sum(numbers)):
            raise ValidationError(_l("That answer is not right. Please try again."))

    def validate_website(self, field):
        if field.data:
            raise ValidationError(_l("Leave this empty"))


class ReceiptLoginForm(FlaskForm):
    receipt = StringField(_l("Receipt code"), validators=[DataRequired(message=REQUIRED), Length(max=40)],
                          render_kw={"autocomplete": "off", "inputmode": "numeric", "spellcheck": "false"})


class ReplyForm(FlaskForm):
    body = TextAreaField(_l("Your message"), validators=[DataRequired(message=REQUIRED), Length(max=20000)],
                         render_kw={"rows": 5})


class PassphraseForm(FlaskForm):
    """The claim passphrase (tipline.intake.passphrase); what is typed is never sent back."""
    passphrase = PasswordField(_l("Choose a claim passphrase"), validators=[Length(max=200)],
                               render_kw={"autocomplete": "new-password", "spellcheck": "false"})
    passphrase_confirm = PasswordField(_l("Type the passphrase again"), validators=[Length(max=200)],
                                       render_kw={"autocomplete": "new-password", "spellcheck": "false"})


class EvidenceForm(FlaskForm):
    evidence = MultipleFileField(_l("Add evidence files"), validators=[DataRequired(message=REQUIRED)])
    keep_original = BooleanField(
        _l("Also keep my photos exactly as taken, with their metadata (location, camera), as evidence"))
