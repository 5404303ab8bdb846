"""The signup form (public), the attendee's own card (personal page), the organiser's add form."""

from __future__ import annotations

import re

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired, FileSize
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Optional,
    Regexp,
)

from meetup.forms import AsTypedField, Form
from meetup.mail.models import Campaign
from meetup.models_base import column_length
from meetup.registrations.models import CONSENT_FLAGS, Registration, Visibility
from meetup.registrations.sectors import SECTORS
from meetup.registrations.services import Profile
from meetup.validators import MaxLength, no_control_characters, one_line, reachable_mailbox

VISIBILITY_CHOICES = [
    SelectChoice(
        Visibility.NOBODY.value,
        _l("Nobody: only the organisers see my details."),
    ),
    SelectChoice(
        Visibility.ATTENDEES.value,
        _l("The people who came to this evening, after the evening."),
    ),
    SelectChoice(
        Visibility.COMMUNITY.value,
        _l("The club's community: everyone who came to one of its evenings and chose this too."),
    ),
]
#: The form's fields that are the person's consents (left out of the organisers' form).
CONSENT_FIELDS = CONSENT_FLAGS
LANGUAGE_CHOICES = [SelectChoice("fr", "Français"), SelectChoice("en", "English")]


def trimmed(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def with_scheme(value: str | None) -> str | None:
    """ "monsite.fr" -> "https://monsite.fr"."""
    value = one_line(value)
    if value and not re.match(r"^https?://", value, re.IGNORECASE):
        return "https://" + value
    return value


class OfficeAddressForm(Form):
    """The office's address: the card's, and what organisers correct for the map."""

    street = StringField(
        _l("Street and number"),
        filters=[one_line],
        validators=[
            no_control_characters,
            Optional(),
            MaxLength(column_length(Registration.street)),
        ],
    )
    postcode = StringField(
        _l("Postcode"),
        filters=[one_line],
        validators=[
            no_control_characters,
            Optional(),
            MaxLength(column_length(Registration.postcode)),
        ],
    )
    city = StringField(
        _l("City"),
        filters=[one_line],
        validators=[no_control_characters, Optional(), MaxLength(column_length(Registration.city))],
    )


class CardForm(OfficeAddressForm):
    """What an attendee tells about themselves; every field but the names is optional."""

    first_name = StringField(
        _l("First name"),
        filters=[one_line],
        validators=[
            no_control_characters,
            DataRequired(),
            MaxLength(column_length(Registration.first_name)),
        ],
    )
    last_name = StringField(
        _l("Last name"),
        filters=[one_line],
        validators=[
            no_control_characters,
            DataRequired(),
            MaxLength(column_length(Registration.last_name)),
        ],
    )
    company = StringField(
        _l("Company"),
        filters=[one_line],
        validators=[
            no_control_characters,
            Optional(),
            MaxLength(column_length(Registration.company)),
        ],
    )
    job_title = StringField(
        _l("Job title"),
        filters=[one_line],
        validators=[
            no_control_characters,
            Optional(),
            MaxLength(column_length(Registration.job_title)),
        ],
    )
    sector = SelectField(_l("Sector"), validators=[no_control_characters, Optional()])
    website = AsTypedField(
        _l("Website"),
        filters=[with_scheme],
        validators=[
            Optional(),
            MaxLength(column_length(Registration.website)),
            Regexp(
                r"^https?://[^\s/$.?#].[^\s]*$",
                message=_l("This does not look like a web address."),
            ),
        ],
    )
    phone = StringField(
        _l("Phone"),
        filters=[one_line],
        validators=[
            Optional(),
            MaxLength(column_length(Registration.phone)),
            Regexp(r"^\+?[0-9 ().\-]{6,}$", message=_l("Digits, spaces and + only, please.")),
        ],
    )
    street_on_badge = BooleanField(
        _l("Print my office's street on my badge, so that neighbours spot each other"),
        description=_l("The street only, never the number. Everyone at the evening sees badges."),
    )
    help_with = TextAreaField(
        _l("I can help with"),
        filters=[trimmed],
        validators=[
            no_control_characters,
            Optional(),
            MaxLength(column_length(Registration.help_with)),
        ],
        description=_l("A few words, e.g. “websites for shops, local SEO”. Shown on your badge."),
    )
    looking_for = TextAreaField(
        _l("I'm looking for"),
        filters=[trimmed],
        validators=[
            no_control_characters,
            Optional(),
            MaxLength(column_length(Registration.looking_for)),
        ],
        description=_l("e.g. “an accountant”, “clients among craftspeople”."),
    )
    visibility = RadioField(
        _l("After the evening, who may see my card (name, company, what I offer)?"),
        choices=VISIBILITY_CHOICES,
        validators=[InputRequired(message=_l("Please choose who may see your card."))],
        description=_l(
            "You can change this at any time with your personal link. Your badge at the door "
            "shows your name, company and what you can help with."
        ),
    )
    share_email = BooleanField(_l("My email address"))
    share_phone = BooleanField(_l("My phone number"))
    share_address = BooleanField(
        _l("My full office address, and my pin exactly where it is"),
        description=_l("Otherwise others see your street's name and a pin rounded to ~200 m."),
    )
    accept_introductions = BooleanField(
        _l("Others may ask to be introduced to me"),
        description=_l(
            "You get an email and accept or decline; nothing about you is sent unless you accept."
        ),
    )
    notify_new_neighbours = BooleanField(
        _l("Tell me after an evening when someone new who works near me came")
    )
    news = BooleanField(
        _l("Tell me about the club's next evenings"),
        description=_l(
            "One email per evening, with a button that signs you up in one tap; if the club "
            "sends it, once a month, who new to the club works near you. Unsubscribe in one "
            "click from any of them."
        ),
    )
    language = SelectField(_l("Language of my emails"), choices=LANGUAGE_CHOICES)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.sector.choices = [SelectChoice("", _l("— choose —"))] + [
            SelectChoice(key, label) for key, label in SECTORS.items()
        ]
        if not self.is_submitted() and not self.language.data:
            self.language.data = str(get_locale())

    def validate_sector(self, field) -> None:
        if field.data and field.data not in SECTORS:
            field.errors.append(_l("Choose a sector from the list."))

    def profile(self, email: str) -> Profile:
        return Profile(
            first_name=self.first_name.data,
            last_name=self.last_name.data,
            email=email,
            company=self.company.data or "",
            job_title=self.job_title.data or "",
            sector=self.sector.data or "",
            website=self.website.data or "",
            phone=self.phone.data or "",
            street=self.street.data or "",
            postcode=self.postcode.data or "",
            city=self.city.data or "",
            help_with=self.help_with.data or "",
            looking_for=self.looking_for.data or "",
            # The organisers' form has no visibility: nobody sees the card until they choose.
            visibility=Visibility(self.visibility.data)
            if "visibility" in self
            else Visibility.NOBODY,
            language=self.language.data,
            # Only the person ticks these (the organisers' form has not the fields).
            **{name: bool(self[name].data) for name in CONSENT_FIELDS if name in self},
        )


class SignupForm(CardForm):
    email = EmailField(
        _l("Email"),
        filters=[one_line],
        validators=[
            DataRequired(),
            MaxLength(column_length(Registration.email)),
            Email(message=_l("This email address is not valid.")),
            reachable_mailbox,
        ],
        description=_l(
            "Your ticket and personal link arrive here. Never shown to other attendees unless you allow it."
        ),
    )
    #: A trap for bots: hidden from people (CSS and aria), filled only by form robots.
    nickname = StringField(_l("Leave this field empty"))

    @classmethod
    def for_data(cls, data: dict[str, str]) -> SignupForm:
        """The same rules fed from data instead of a browser (the API, a CSV import)."""
        return cls(formdata=MultiDict(data), meta={"csrf": False})

    def normalised_email(self) -> str:
        local, _, domain = self.email.data.rpartition("@")
        return f"{local}@{domain.lower()}"

    def is_bot(self) -> bool:
        return bool(self.nickname.data)


#: The email field's help on the forms someone fills in for another person (an organiser
#: adding them, a door volunteer registering a walk-in).
THEIR_EMAIL_HELP = _l(
    "Their ticket and personal link go to this address. Never shown to other "
    "attendees unless they allow it."
)


class AddPersonForm(SignupForm):
    """An organiser adds someone (a phone call, an email). Who may see the card and what it
    shares are the person's own consents, given from their personal link: until then nobody
    sees it, as for a walk-in. The fields speak of the person, not to them."""

    nickname = None  # no bots here
    visibility = None
    street_on_badge = share_email = share_phone = share_address = None
    accept_introductions = notify_new_neighbours = news = None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.email.description = THEIR_EMAIL_HELP
        self.help_with.label.text = _l("Can help with")
        self.help_with.description = _l(
            "A few words, e.g. “websites for shops, local SEO”. On their badge."
        )
        self.looking_for.label.text = _l("Is looking for")
        self.language.label.text = _l("Language of their emails")


class ImportForm(Form):
    file = FileField(
        _l("CSV file"),
        validators=[FileRequired(message=_l("Choose a CSV file.")), FileSize(max_size=1024 * 1024)],
        description=_l(
            "A header row, then one person per row. Columns: First name, Last name, Email "
            "(required), Company, Job title, Sector, Website, Phone, Street, Postcode, City, "
            "Can help with, Looking for, Language: the export's own names, in English or in "
            "French (a file exported from here goes back in as it is). Commas or semicolons."
        ),
    )
    send_emails = BooleanField(_l("Email each person their ticket and personal link"), default=True)


class ConfirmImportForm(Form):
    """The checked file comes back with the confirmation, and is checked again."""

    csv_text = HiddenField()
    send_emails = HiddenField()


class LinkAgainForm(Form):
    """ "Send me my link again": an address, and nothing said about whether it is registered."""

    email = EmailField(
        _l("Your email address"),
        filters=[one_line],
        validators=[
            DataRequired(),
            MaxLength(column_length(Registration.email)),
            Email(message=_l("This email address is not valid.")),
        ],
    )


class AnnounceForm(Form):
    """The organisers send an evening's announcement (again, only on purpose)."""

    again = BooleanField(_l("Yes, send it again: it was sent already"))


class WriteForm(Form):
    """The organisers write to a group of an evening's people."""

    segment = RadioField(_l("To"), validate_choice=True)
    subject = StringField(
        _l("Subject"),
        filters=[one_line],
        validators=[
            DataRequired(),
            MaxLength(column_length(Campaign.subject)),
            no_control_characters,
        ],
    )
    body = TextAreaField(
        _l("Message"),
        description=_l(
            "Plain text: a blank line starts a new paragraph. Each person's email begins "
            "with “Hello” and their first name."
        ),
        validators=[DataRequired(), MaxLength(column_length(Campaign.body))],
        render_kw={"rows": 10},
    )
    #: One value per form shown: a second press of "send" sends nothing.
    nonce = HiddenField(validators=[DataRequired(), Regexp(r"^[A-Za-z0-9_-]{16,64}$")])
