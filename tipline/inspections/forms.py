from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from .labels import PROBLEM_LABELS, RECUSAL_LABELS, RESULT_LABELS

REQUIRED = _l("This field is required.")


class ImportForm(FlaskForm):
    file = FileField(_l("Register file (CSV or XLSX)"), validators=[FileRequired(message=REQUIRED)])


class PlanForm(FlaskForm):
    year = IntegerField(_l("Year"), validators=[DataRequired(message=REQUIRED), NumberRange(2000, 2100)])
    division_code = SelectField(_l("Division"), validators=[DataRequired(message=REQUIRED)])
    departments = TextAreaField(_l("Departments joining the plan (one per line)"),
                                validators=[Optional(), Length(max=2000)], render_kw={"rows": 3})
    ratio_high = StringField(_l("Sampling ratio, high risk"), validators=[Optional(), Length(max=8)])
    ratio_elevated = StringField(_l("Sampling ratio, elevated risk"), validators=[Optional(), Length(max=8)])
    ratio_watch = StringField(_l("Sampling ratio, under watch"), validators=[Optional(), Length(max=8)])
    ratio_normal = StringField(_l("Sampling ratio, normal"), validators=[Optional(), Length(max=8)])


class ResultForm(FlaskForm):
    result = SelectField(_l("Result"), choices=[(k, v) for k, v in RESULT_LABELS.items()],
                         validators=[DataRequired(message=REQUIRED)])
    inspected_on = DateField(_l("Inspected on"), validators=[DataRequired(message=REQUIRED)])
    problem_kinds = SelectMultipleField(_l("Kinds of problem found"),
                                        choices=[(k, v) for k, v in PROBLEM_LABELS.items()], validators=[Optional()])
    problems_count = IntegerField(_l("Number of problems found"), default=0,
                                  validators=[Optional(), NumberRange(0, 999)])
    findings = TextAreaField(_l("Findings"), validators=[Optional(), Length(max=5000)], render_kw={"rows": 4})


class RectifiedForm(FlaskForm):
    rectified_on = DateField(_l("Rectified on"), validators=[DataRequired(message=REQUIRED)])


class RecusalForm(FlaskForm):
    user_id = SelectField(_l("Officer"), coerce=int, validators=[DataRequired(message=REQUIRED)])
    reason = SelectField(_l("Reason"), choices=[(k, v) for k, v in RECUSAL_LABELS.items()],
                         validators=[DataRequired(message=REQUIRED)])
