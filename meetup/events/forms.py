from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    DateTimeLocalField,
    EmailField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    NumberRange,
    Optional,
    ValidationError,
)

from meetup.events.models import Event, Series, Speaker
from meetup.events.services import MAX_CAPACITY
from meetup.forms import CheckboxesField, Form
from meetup.images.processing import Kind
from meetup.images.uploads import MEGABYTES, PictureField, kept_field, remove_field
from meetup.models_base import column_length
from meetup.slugs import is_valid_slug
from meetup.timeutil import NonexistentLocalTime, local_to_utc, selectable_timezones
from meetup.validators import MaxLength, no_control_characters, one_line, reachable_mailbox

#: Dates outside these years are typing mistakes (and overflow date arithmetic at the edges).
FIRST_YEAR, LAST_YEAR = 2000, 2100

MARKDOWN_HELP = _l("Markdown: **bold**, *italic*, lists with “- ”, links as [text](https://…).")


def timezone_choices() -> list[SelectChoice]:
    return [SelectChoice(zone, zone.replace("_", " ")) for zone in selectable_timezones()]


class SeriesForm(Form):
    name = StringField(
        _l("Name"),
        filters=[one_line],
        validators=[no_control_characters, DataRequired(), MaxLength(column_length(Series.name))],
        description=_l("e.g. Café des entreprenants de Vienne"),
    )
    city = StringField(_l("City"), validators=[Optional(), MaxLength(column_length(Series.city))])
    slug = StringField(
        _l("Web address"),
        validators=[Optional(), MaxLength(column_length(Series.slug))],
        description=_l(
            "Lowercase letters, digits and hyphens; left empty, it is made from the "
            "name. It cannot change later, so that shared links keep working."
        ),
    )
    timezone = SelectField(_l("Time zone"), default="Europe/Paris")
    description = TextAreaField(
        _l("Description"),
        validators=[Optional(), MaxLength(column_length(Series.description))],
        description=MARKDOWN_HELP,
    )
    contact_email = EmailField(
        _l("Contact email for attendees"),
        filters=[one_line],
        validators=[
            Optional(),
            MaxLength(column_length(Series.contact_email)),
            Email(message=_l("This email address is not valid.")),
            reachable_mailbox,
        ],
        description=_l(
            "Attendees' replies to the club's emails go to this address, and the club's "
            "pages show it. Left empty, a reply reaches nobody."
        ),
    )
    default_venue_name = StringField(
        _l("Usual venue"),
        validators=[Optional(), MaxLength(column_length(Series.default_venue_name))],
    )
    default_venue_address = StringField(
        _l("Usual venue address"),
        validators=[Optional(), MaxLength(column_length(Series.default_venue_address))],
    )
    default_capacity = IntegerField(
        _l("Usual capacity"),
        default=40,
        validators=[InputRequired(), NumberRange(min=1, max=MAX_CAPACITY)],
    )
    neighbour_radius_m = IntegerField(
        _l("Neighbours: offices within (metres)"),
        default=300,
        validators=[
            Optional(),
            NumberRange(min=50, max=5000, message=_l("Between 50 and 5,000 metres.")),
        ],
        description=_l("In the directory, people whose offices are this close are neighbours."),
    )
    directory_delay_hours = IntegerField(
        _l("The evening's directory opens by itself after (hours)"),
        default=12,
        validators=[
            Optional(),
            NumberRange(min=0, max=720, message=_l("Between 0 and 720 hours (30 days).")),
        ],
        description=_l(
            "Counted from the end of the evening. Leave empty to open each directory by hand."
        ),
    )
    reminder_hours = IntegerField(
        _l("Remind those registered before each evening (hours)"),
        default=24,
        validators=[
            Optional(),
            NumberRange(min=0, max=168, message=_l("Between 0 and 168 hours (a week).")),
        ],
        description=_l(
            "With their ticket and “I can't come: give my seat”. 0: no reminder. None for an "
            "evening published less than this ahead."
        ),
    )
    retention_nobody_days = IntegerField(
        _l("Erase the details of people who chose “nobody”, cancelled or waited, after (days)"),
        default=30,
        validators=[
            Optional(),
            NumberRange(min=1, max=3650, message=_l("Between 1 and 3,650 days.")),
        ],
        description=_l("Counted from the evening. The privacy page shows it."),
    )
    retention_checkin_days = IntegerField(
        _l("Reduce arrival times to the evening's counts after (days)"),
        default=365,
        validators=[
            Optional(),
            NumberRange(min=30, max=3650, message=_l("Between 30 and 3,650 days.")),
        ],
    )
    logo = PictureField(
        _l("Logo"),
        kind=Kind.LOGO,
        description=_l(
            "JPEG, PNG, WebP or GIF, up to %(megabytes)d MB. Shown on the series' pages, in its "
            "emails and on its badges; a transparent background stays transparent.",
            megabytes=MEGABYTES,
        ),
    )
    logo_kept = kept_field()
    remove_logo = remove_field(_l("Remove the logo"))
    team = CheckboxesField(
        _l("Team"),
        coerce=int,
        description=_l("Organisers manage the series; door volunteers only run its check-in."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.timezone.choices = timezone_choices()

    def service_values(self) -> dict:
        values = {
            "name": self.name.data,
            "city": self.city.data or "",
            "timezone": self.timezone.data,
            "description": self.description.data or "",
            "default_venue_name": self.default_venue_name.data or "",
            "default_venue_address": self.default_venue_address.data or "",
            "default_capacity": self.default_capacity.data,
            "contact_email": self.contact_email.data or "",
            "neighbour_radius_m": self.neighbour_radius_m.data or 300,
            "directory_delay_hours": self.directory_delay_hours.data,
            "reminder_hours": 24 if self.reminder_hours.data is None else self.reminder_hours.data,
            "retention_nobody_days": self.retention_nobody_days.data or 30,
            "retention_checkin_days": self.retention_checkin_days.data or 365,
        }
        if "slug" in self:
            values["slug"] = self.slug.data or None
        return values

    def validate_slug(self, field) -> None:
        if field.data and not is_valid_slug(field.data):
            raise ValidationError(_l("Use lowercase letters, digits and hyphens only."))


class EventForm(Form):
    """An evening, typed in the series' time zone."""

    title = StringField(
        _l("Title"),
        filters=[one_line],
        validators=[no_control_characters, DataRequired(), MaxLength(column_length(Event.title))],
    )
    theme = StringField(
        _l("Theme"),
        filters=[one_line],
        validators=[no_control_characters, Optional(), MaxLength(column_length(Event.theme))],
        description=_l("e.g. Working through and on the Internet"),
    )
    description = TextAreaField(
        _l("Description"),
        validators=[Optional(), MaxLength(column_length(Event.description))],
        description=MARKDOWN_HELP,
    )
    title_en = StringField(
        _l("Title in English"),
        filters=[one_line],
        validators=[no_control_characters, Optional(), MaxLength(column_length(Event.title_en))],
    )
    theme_en = StringField(
        _l("Theme in English"),
        filters=[one_line],
        validators=[no_control_characters, Optional(), MaxLength(column_length(Event.theme_en))],
    )
    description_en = TextAreaField(
        _l("Description in English"),
        validators=[Optional(), MaxLength(column_length(Event.description_en))],
        description=MARKDOWN_HELP,
    )
    date = DateField(_l("Date"), validators=[InputRequired()])
    start_time = TimeField(_l("Starts at"), validators=[InputRequired()])
    end_time = TimeField(
        _l("Ends at"),
        validators=[InputRequired()],
        description=_l("An end time before the start means the next day."),
    )
    venue_name = StringField(
        _l("Venue"), validators=[Optional(), MaxLength(column_length(Event.venue_name))]
    )
    venue_address = StringField(
        _l("Venue address"), validators=[Optional(), MaxLength(column_length(Event.venue_address))]
    )
    capacity = IntegerField(
        _l("Capacity"),
        validators=[InputRequired(), NumberRange(min=1, max=MAX_CAPACITY)],
        description=_l("Confirmed seats; later signups join the waitlist."),
    )
    registration_opens_at = DateTimeLocalField(
        _l("Registration opens"),
        validators=[Optional()],
        description=_l("Empty: as soon as the event is published."),
    )
    registration_closes_at = DateTimeLocalField(
        _l("Registration closes"),
        validators=[Optional()],
        description=_l("Empty: when the event starts."),
    )
    cover = PictureField(
        _l("Cover picture"),
        kind=Kind.COVER,
        description=_l(
            "JPEG, PNG, WebP or GIF, up to %(megabytes)d MB; a landscape picture looks best. "
            "Shown on the evening's page, in its emails and in shared links.",
            megabytes=MEGABYTES,
        ),
    )
    cover_kept = kept_field()
    remove_cover = remove_field(_l("Remove the cover picture"))

    def __init__(self, *args, zone: ZoneInfo, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone

    def _utc(self, field, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        if not FIRST_YEAR <= value.year <= LAST_YEAR:
            field.errors.append(
                _l(
                    "Choose a date between %(first)d and %(last)d.",
                    first=FIRST_YEAR,
                    last=LAST_YEAR,
                )
            )
            return None
        try:
            return local_to_utc(value, self.zone)
        except NonexistentLocalTime:
            field.errors.append(_l("This time does not exist here (clocks change that night)."))
            return None

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if not FIRST_YEAR <= self.date.data.year <= LAST_YEAR:
            self.date.errors.append(
                _l(
                    "Choose a date between %(first)d and %(last)d.",
                    first=FIRST_YEAR,
                    last=LAST_YEAR,
                )
            )
            return False
        start_local = datetime.combine(self.date.data, self.start_time.data)
        end_local = datetime.combine(self.date.data, self.end_time.data)
        if end_local == start_local:
            self.end_time.errors.append(_l("The end must come after the start."))
        elif end_local < start_local:
            end_local += timedelta(days=1)
        self.starts_at = self._utc(self.date, start_local)
        self.ends_at = self._utc(self.end_time, end_local) if self.starts_at else None
        self.opens_at = self._utc(self.registration_opens_at, self.registration_opens_at.data)
        self.closes_at = self._utc(self.registration_closes_at, self.registration_closes_at.data)
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            self.registration_closes_at.errors.append(_l("Registration must close after it opens."))
        return not any(field.errors for field in self)

    def service_values(self) -> dict:
        """The validated values, in UTC, as the events services take them."""
        return {
            "title": self.title.data,
            "theme": self.theme.data or "",
            "description": self.description.data or "",
            "title_en": self.title_en.data or "",
            "theme_en": self.theme_en.data or "",
            "description_en": self.description_en.data or "",
            "starts_at": self.starts_at,
            "ends_at": self.ends_at,
            "venue_name": self.venue_name.data or "",
            "venue_address": self.venue_address.data or "",
            "capacity": self.capacity.data,
            "registration_opens_at": self.opens_at,
            "registration_closes_at": self.closes_at,
        }

    def fill_from(self, event) -> None:
        """Show an event's values in its series' time zone."""
        zone = self.zone
        start, end = event.starts_at.astimezone(zone), event.ends_at.astimezone(zone)
        for name in ("title", "theme", "description", "title_en", "theme_en", "description_en",
                     "venue_name", "venue_address", "capacity"):  # fmt: skip
            getattr(self, name).data = getattr(event, name)
        self.date.data, self.start_time.data, self.end_time.data = (
            start.date(),
            start.time(),
            end.time(),
        )
        for name in ("registration_opens_at", "registration_closes_at"):
            value = getattr(event, name)
            getattr(self, name).data = (
                value.astimezone(zone).replace(tzinfo=None) if value else None
            )


class SpeakerForm(Form):
    name = StringField(
        _l("Name"), validators=[DataRequired(), MaxLength(column_length(Speaker.name))]
    )
    title = StringField(
        _l("Job title"), validators=[Optional(), MaxLength(column_length(Speaker.title))]
    )
    company = StringField(
        _l("Company"), validators=[Optional(), MaxLength(column_length(Speaker.company))]
    )
    bio = TextAreaField(
        _l("Short bio"), validators=[Optional(), MaxLength(column_length(Speaker.bio))]
    )

    def service_values(self) -> dict:
        return {
            "name": self.name.data,
            "title": self.title.data or "",
            "company": self.company.data or "",
            "bio": self.bio.data or "",
        }
