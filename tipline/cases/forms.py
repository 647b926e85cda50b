from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

REQUIRED = _l("This field is required.")


class StaffMessageForm(FlaskForm):
    body = TextAreaField(_l("Message to the reporter"), validators=[DataRequired(message=REQUIRED), Length(max=20000)],
                         render_kw={"rows": 4})


class RevealIdentityForm(FlaskForm):
    reason = StringField(_l("Why do you need to see the reporter's identity?"),
                         validators=[DataRequired(message=REQUIRED), Length(min=4, max=300)])


class QueueFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form

    channel = SelectField(_l("Channel"), validators=[Optional()])
    category = SelectField(_l("Category"), validators=[Optional()])
    state = SelectField(_l("State"), validators=[Optional()])
    entity = StringField(_l("Business name or credit code"), validators=[Optional(), Length(max=200)])
    due = BooleanField(_l("Filing decision due within 3 working days"))
    mine = BooleanField(_l("Only mine"))
    sort = SelectField(_l("Sort by"), validators=[Optional()])


class TriageForm(FlaskForm):
    """One form for every triage action; each action's panel shows the fields it needs."""
    action = HiddenField()
    version = HiddenField()
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500)])
    document = StringField(_l("Case filing number"), validators=[Optional(), Length(max=80)])
    on = DateField(_l("Date"), validators=[Optional()])
    target = StringField(_l("Reference of the tip to merge into (e.g. T2026-000012)"),
                         validators=[Optional(), Length(max=20)])
    case_id = IntegerField(_l("Case number (ID)"), validators=[Optional()])
    division_code = SelectField(_l("Receiving division"), validators=[Optional()])
    department = SelectField(_l("Receiving department"), validators=[Optional()])
    public_reason = TextAreaField(_l("Reason the reporter will read"), validators=[Optional(), Length(max=2000)],
                                  render_kw={"rows": 3})
    category_code = SelectField(_l("Category"), validators=[Optional()])
    entity_name = StringField(_l("Business name"), validators=[Optional(), Length(max=200)])
    entity_uscc = StringField(_l("Unified Social Credit Code"), validators=[Optional(), Length(max=30)])
    request_id = IntegerField(validators=[Optional()])
    approve = HiddenField()
    widen = BooleanField(_l("Draw the investigators from the officers of the whole city"))
    stop_reason = SelectField(_l("Why the clock stops"), validators=[Optional()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=300)])


class CaseActionForm(FlaskForm):
    """One form for every action on a case page."""
    action = HiddenField()
    version = HiddenField()
    body = TextAreaField(_l("Note"), validators=[Optional(), Length(max=20000)], render_kw={"rows": 3})
    title = StringField(_l("Task"), validators=[Optional(), Length(max=200)])
    due_on = DateField(_l("Due on"), validators=[Optional()])
    task_id = IntegerField(validators=[Optional()])
    on = DateField(_l("Date"), validators=[Optional()])
    place = StringField(_l("Place"), validators=[Optional(), Length(max=300)])
    officers = StringField(_l("Officers present"), validators=[Optional(), Length(max=300)])
    findings = TextAreaField(_l("Findings"), validators=[Optional(), Length(max=20000)], render_kw={"rows": 3})
    problems_found = IntegerField(_l("Problems found"), validators=[Optional(), NumberRange(min=0, max=10000)])
    item = StringField(_l("Item"), validators=[Optional(), Length(max=300)])
    source = StringField(_l("Obtained from"), validators=[Optional(), Length(max=300)])
    sha256 = StringField(_l("SHA-256 (if digital)"), validators=[Optional(), Length(max=64)])
    item_id = IntegerField(validators=[Optional()])
    custodian = StringField(_l("Hand over to"), validators=[Optional(), Length(max=120)])
    suspension_reason = SelectField(_l("Why the clock stops"), validators=[Optional()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=300)])
    clock = SelectField(_l("Deadline"), validators=[Optional()])
    length = IntegerField(_l("Extra days"), validators=[Optional(), NumberRange(min=1, max=365)])
    participants = TextAreaField(_l("Participants (one name per line)"), validators=[Optional(), Length(max=1000)],
                                 render_kw={"rows": 3})
    officer = SelectField(_l("Officer"), validators=[Optional()])
    reason_code = SelectField(_l("Ground"), validators=[Optional()])
    widen = BooleanField(_l("Draw from the officers of the whole city"))
    applicant = StringField(_l("Applicant (the party)"), validators=[Optional(), Length(max=200)])
    grounds = TextAreaField(_l("Grounds given"), validators=[Optional(), Length(max=5000)], render_kw={"rows": 3})
    application_id = IntegerField(validators=[Optional()])
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500)])
    request_id = IntegerField(validators=[Optional()])
    approve = HiddenField()
    outcome = SelectField(_l("Outcome"), validators=[Optional()])
    decision_number = StringField(_l("Penalty decision number"), validators=[Optional(), Length(max=80)])
    decision_date = DateField(_l("Decision date"), validators=[Optional()])
    fines = DecimalField(_l("Fines (yuan)"), places=2, validators=[Optional(), NumberRange(min=0)])
    confiscated_gains = DecimalField(_l("Confiscated illegal gains (yuan)"), places=2,
                                     validators=[Optional(), NumberRange(min=0)])
    confiscated_property = DecimalField(_l("Confiscated illegal property (yuan)"), places=2,
                                        validators=[Optional(), NumberRange(min=0)])
    measures = SelectMultipleField(_l("Other measures"), validators=[Optional()])
    legal_basis = TextAreaField(_l("Legal basis"), validators=[Optional(), Length(max=5000)], render_kw={"rows": 2})
    executed_on = DateField(_l("Decision fully executed on"), validators=[Optional()])
    closed_on = DateField(_l("Closed on"), validators=[Optional()])
