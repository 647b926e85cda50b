from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, IntegerField, SelectField
from wtforms.validators import DataRequired, NumberRange

REQUIRED = _l("This field is required.")


class DeadlineRuleForm(FlaskForm):
    clock = SelectField(_l("Deadline"), validators=[DataRequired(message=REQUIRED)])
    effective_from = DateField(_l("In force from"), validators=[DataRequired(message=REQUIRED)])
    length = IntegerField(_l("Length"), validators=[DataRequired(message=REQUIRED), NumberRange(min=1, max=365)])
    unit = SelectField(_l("Unit"), choices=[("workdays", _l("working days")), ("days", _l("days"))])
    extension = IntegerField(_l("Extension allowed"), default=0, validators=[NumberRange(min=0, max=365)])


class CalendarImportForm(FlaskForm):
    file = FileField(_l("Official holiday file (CSV or JSON)"), validators=[FileRequired(message=REQUIRED)])
