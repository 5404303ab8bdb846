"""The walk-in form: the fewest fields that give a badge and an email; the rest later."""

from __future__ import annotations

from flask_babel import get_locale

from meetup.forms import Form
from meetup.registrations.forms import THEIR_EMAIL_HELP, CardForm, SignupForm
from meetup.registrations.services import Profile


class WalkInForm(Form):
    # The signup form's own fields and rules.
    first_name = CardForm.first_name
    last_name = CardForm.last_name
    email = SignupForm.email
    company = CardForm.company

    normalised_email = SignupForm.normalised_email

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The volunteer fills it in: the help speaks of the person (as "Add a person" does).
        self.email.description = THEIR_EMAIL_HELP

    def profile(self) -> Profile:
        """Visible to nobody until they choose, from the personal link the email brings."""
        return Profile(
            first_name=self.first_name.data,
            last_name=self.last_name.data,
            email=self.normalised_email(),
            company=self.company.data or "",
            language=str(get_locale()),
        )
