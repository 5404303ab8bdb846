from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from meetup.auth.models import User
from meetup.auth.services import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from meetup.forms import Form
from meetup.models_base import column_length
from meetup.validators import MaxLength


class ForgotForm(Form):
    email = EmailField(
        _l("Email"), validators=[DataRequired(), Email(), MaxLength(column_length(User.email))]
    )


class NewPasswordForm(Form):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH)],
        description=_l("At least %(count)d characters.", count=MIN_PASSWORD_LENGTH),
    )
    confirm = PasswordField(
        _l("The same password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )
