from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from meetup.auth.models import ApiToken, Role, User
from meetup.auth.services import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, find_user_by_email
from meetup.forms import CheckboxesField, Form
from meetup.models_base import column_length
from meetup.validators import MaxLength

ROLE_LABELS = {
    Role.ADMIN: _l("Administrator: everything, including accounts"),
    Role.ORGANISER: _l(
        "Organiser: may create series; in each series, what their role on its team allows"
    ),
    Role.DOOR: _l(
        "Door volunteer: creates no series; in each series, what their role on its team allows"
    ),
}


class LoginForm(Form):
    email = EmailField(
        _l("Email"), validators=[DataRequired(), MaxLength(column_length(User.email))]
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), MaxLength(MAX_PASSWORD_LENGTH)]
    )


class UserForm(Form):
    email = EmailField(
        _l("Email"), validators=[DataRequired(), Email(), MaxLength(column_length(User.email))]
    )
    name = StringField(_l("Name"), validators=[Optional(), MaxLength(column_length(User.name))])
    role = SelectField(
        _l("Role"), choices=[SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()]
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH)],
        description=_l("At least %(count)d characters.", count=MIN_PASSWORD_LENGTH),
    )

    def validate_email(self, field) -> None:
        if find_user_by_email(field.data or "") is not None:
            raise ValidationError(_l("An account with this email already exists."))


class TokenForm(Form):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(), MaxLength(column_length(ApiToken.name))],
        description=_l("What uses it, e.g. “club website” or “door scanner”."),
    )
    scopes = CheckboxesField(
        _l("What it may do"),
        choices=[
            SelectChoice(
                "read", _l("Read: the series, evenings and registration lists (personal data)")
            ),
            SelectChoice(
                "write", _l("Write: create and change series and evenings, sign people up")
            ),
            SelectChoice("door", _l("Door: check people in and undo it")),
        ],
        validators=[DataRequired(message=_l("Choose at least one."))],
        description=_l(
            "A token acts within your role too. For a signup form on the club's website, "
            "use a series' signup key instead (the series' page, “Website and tools”)."
        ),
    )


class ConfirmForm(Form):
    """An empty form: a POST button protected by CSRF."""
