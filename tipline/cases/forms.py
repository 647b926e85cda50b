from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

REQUIRED = _l("This field is required.")


class StaffMessageForm(FlaskForm):
    body = TextAreaField(_l("Message to the reporter"), validators=[DataRequired(message=REQUIRED), Length(max=20000)],
                         render_kw={"rows": 4})


class RevealIdentityForm(FlaskForm):
    reason = StringField(_l("Why do you need to see the reporter's identity?"),
                         validators=[DataRequired(message=REQUIRED), Length(min=4, max=300)])
