"""The series' "website and tools" forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, InputRequired, NumberRange

from meetup.auth.models import ApiToken
from meetup.forms import Form
from meetup.models_base import column_length
from meetup.validators import MaxLength

MAX_SIGNUPS_PER_HOUR = 10_000


class SignupKeyForm(Form):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(), MaxLength(column_length(ApiToken.name))],
        description=_l("Where it sits, e.g. “club website” or “WordPress widget”."),
    )


class SignupLimitForm(Form):
    api_signups_per_hour = IntegerField(
        _l("Signups an hour through the signup keys"),
        validators=[
            InputRequired(),
            NumberRange(
                min=1,
                max=MAX_SIGNUPS_PER_HOUR,
                message=_l("Between 1 and 10,000 an hour."),
            ),
        ],
        description=_l(
            "All the website's visitors together; each visitor's address also has the "
            "signup form's own limit."
        ),
    )
