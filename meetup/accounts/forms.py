from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length

from meetup.auth.models import Role, TeamRole, User
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


class InviteForm(Form):
    email = EmailField(
        _l("Their email"),
        validators=[DataRequired(), Email(), MaxLength(column_length(User.email))],
    )
    role = SelectField(
        _l("As"),
        choices=[
            SelectChoice(Role.DOOR.value, _l("Door volunteer: the door screen of this series")),
            SelectChoice(Role.ORGANISER.value, _l("Organiser: everything about this series")),
        ],
    )


class TeamRoleForm(Form):
    """Someone's role in one series, on its team page."""

    role = SelectField(
        _l("Role in this series"),
        choices=[
            SelectChoice(TeamRole.ORGANISER.value, _l("organiser")),
            SelectChoice(TeamRole.DOOR.value, _l("door volunteer")),
        ],
    )


class JoinForm(NewPasswordForm):
    """A new account from an invitation: a name for the team, and a password."""

    name = StringField(
        _l("Your name"),
        validators=[DataRequired(), MaxLength(column_length(User.name))],
        description=_l("Shown to the rest of the team."),
    )
