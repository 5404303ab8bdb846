"""The series' "website and tools" forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, NumberRange, ValidationError

from meetup.api.origins import parse_list
from meetup.auth.models import ApiToken
from meetup.events.models import Series
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


class OriginsForm(Form):
    allowed_origins = TextAreaField(
        _l("The club's websites"),
        validators=[MaxLength(column_length(Series.allowed_origins))],
        description=_l(
            "One a line, as the browser shows it without a path, e.g. https://www.club.fr. "
            "Pages there may show this series' evenings and sign people up from the "
            "browser; no other site may."
        ),
    )

    def validate_allowed_origins(self, field) -> None:
        _origins, bad = parse_list(field.data or "")
        if bad:
            raise ValidationError(
                _l(
                    "Not a website's address: %(lines)s. Write each as https://www.club.fr, "
                    "without a path.",
                    lines=", ".join(bad),
                )
            )

    def origins(self) -> str:
        return "\n".join(parse_list(self.allowed_origins.data or "")[0])
