from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

REQUIRED = _l("This field is required.")


class ProposalForm(FlaskForm):  # type: ignore[misc]  # flask_wtf ships no types: FlaskForm is Any
    version = HiddenField()
    natural_person = RadioField(_l("The reporter is a natural person"), choices=[("1", _l("Yes")), ("0", _l("No"))],
                                default="1")
    exclusion = SelectField(_l("Excluded person?"), validators=[Optional()])
    exclusion_reason = TextAreaField(_l("Why no reward is payable (required for \"other circumstances\")"),
                                     validators=[Optional(), Length(max=2000)], render_kw={"rows": 2})
    unknown_to_regulator = RadioField(_l("The regulator did not already know of the matter"),
                                      choices=[("1", _l("Yes")), ("0", _l("No"))], default="1")
    party_type = SelectField(_l("The penalised party is"), choices=[("organisation", _l("an organisation")),
                                                                   ("natural_person", _l("a natural person"))])
    insider = BooleanField(_l("Insider (内部举报人)"))
    level = SelectField(_l("Reward level"), choices=[("1", "1"), ("2", "2"), ("3", "3")])
    uplift = DecimalField(_l("Insider uplift factor (1 to the rule set's limit)"), places=3, validators=[Optional()])
    proposed_amount = DecimalField(_l("Proposed amount when there were no fines (yuan)"), places=2,
                                   validators=[Optional()])
    adjusted_amount = DecimalField(_l("Adjusted amount (yuan), if the computed amount should change"), places=2,
                                   validators=[Optional()])
    adjustment_reason = TextAreaField(_l("Why the amount is adjusted (value of the goods, social impact)"),
                                      validators=[Optional(), Length(max=2000)], render_kw={"rows": 2})
    share_percent = IntegerField(_l("Share of the case's reward (%)"), validators=[Optional(), NumberRange(1, 100)])
    allocation_reason = TextAreaField(_l("Why a later reporter receives a share"),
                                      validators=[Optional(), Length(max=2000)], render_kw={"rows": 2})
    signatories = IntegerField(_l("Joint signatories"), default=1, validators=[Optional(), NumberRange(1, 100)])


class DecisionForm(FlaskForm):  # type: ignore[misc]  # flask_wtf ships no types: FlaskForm is Any
    version = HiddenField()
    action = HiddenField()
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500)])
    uplift_consent = BooleanField(_l("The finance department consents to the insider uplift"))


class PaymentForm(FlaskForm):  # type: ignore[misc]  # flask_wtf ships no types: FlaskForm is Any
    share_no = HiddenField(default="1")
    voucher_number = StringField(_l("Voucher number"), validators=[DataRequired(message=REQUIRED), Length(max=60)])
    paid_on = DateField(_l("Paid on"), validators=[DataRequired(message=REQUIRED)])
    method = SelectField(_l("Method"), choices=[("bank_transfer", _l("Bank transfer")), ("cash", _l("Cash")),
                                               ("other", _l("Other"))])
    amount = DecimalField(_l("Amount paid (yuan)"), places=2, validators=[DataRequired(message=REQUIRED)])


class RevealClaimForm(FlaskForm):  # type: ignore[misc]  # flask_wtf ships no types: FlaskForm is Any
    share_no = HiddenField(default="1")
    reason = StringField(_l("Why do you need the claimant's details?"),
                         validators=[DataRequired(message=REQUIRED), Length(min=2, max=300)])


class ClaimForm(FlaskForm):  # type: ignore[misc]  # flask_wtf ships no types: FlaskForm is Any
    # Joint reporters: which signatory claims (only shown when the report had several).
    share_no = SelectField(_l("You are signatory number"), choices=[("1", "1")], default="1", validate_choice=False)
    name = StringField(_l("Your full name"), validators=[DataRequired(message=REQUIRED), Length(max=60)],
                       render_kw={"autocomplete": "name"})
    id_number = StringField(_l("Your ID card number"), validators=[DataRequired(message=REQUIRED), Length(max=30)])
    bank = StringField(_l("Bank"), validators=[DataRequired(message=REQUIRED), Length(max=100)])
    account_number = StringField(_l("Account number"), validators=[DataRequired(message=REQUIRED), Length(max=40)],
                                 render_kw={"inputmode": "numeric", "autocomplete": "off"})
    account_holder = StringField(_l("Name of the account holder"),
                                 validators=[DataRequired(message=REQUIRED), Length(max=60)])
    # Shown and required only where the reporter set one (tipline.intake.passphrase); never echoed.
    passphrase = PasswordField(_l("Your claim passphrase"), validators=[Optional(), Length(max=200)],
                               render_kw={"autocomplete": "off", "spellcheck": "false"})
