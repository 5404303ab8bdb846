"""The directory's filters and the pin form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, FloatField, IntegerField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional

from meetup.directory.models import Introduction
from meetup.directory.seating import MAX_TABLES
from meetup.forms import Form
from meetup.models_base import column_length
from meetup.registrations.forms import OfficeAddressForm
from meetup.registrations.sectors import SECTORS
from meetup.validators import MaxLength, no_control_characters


class FilterForm(Form):
    """Read from the query string (GET): nothing is stored, so no CSRF."""

    sector = SelectField(_l("Sector"), validators=[Optional()], validate_choice=False)
    offers = BooleanField(_l("Only people who offer what I'm looking for"))
    page = IntegerField(validators=[Optional(), NumberRange(min=1, max=10_000)])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.sector.choices = [SelectChoice("", _l("All sectors"))] + [
            SelectChoice(key, label) for key, label in SECTORS.items()
        ]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        # A filter that makes no sense is dropped, not an error page.
        if self.sector.data not in SECTORS:
            self.sector.data = ""
        if self.page.errors:
            self.page.data = 1
        return ok


class CoordinateField(FloatField):
    """A decimal number as people type it: "45.52" or, the French way, "45,52"."""

    def process_formdata(self, valuelist) -> None:
        if valuelist and isinstance(valuelist[0], str):
            valuelist = [valuelist[0].strip().replace(",", ".", 1), *valuelist[1:]]
        super().process_formdata(valuelist)


def _latitude(*required):
    return CoordinateField(
        _l("Latitude"),
        validators=[
            *required,
            NumberRange(min=-90, max=90, message=_l("The latitude is between -90 and 90.")),
        ],
    )


def _longitude(*required):
    return CoordinateField(
        _l("Longitude"),
        validators=[
            *required,
            NumberRange(min=-180, max=180, message=_l("The longitude is between -180 and 180.")),
        ],
    )


class PinForm(Form):
    """The office's pin, from the personal page's map."""

    latitude = _latitude(InputRequired(message=_l("Place the pin on the map first.")))
    longitude = _longitude(InputRequired(message=_l("Place the pin on the map first.")))


class AddressFixForm(OfficeAddressForm):
    """An organiser fixes an address the geocoder could not place, or places the pin."""

    latitude = _latitude(Optional())
    longitude = _longitude(Optional())

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if (self.latitude.data is None) != (self.longitude.data is None):
            missing = self.longitude if self.longitude.data is None else self.latitude
            missing.errors.append(_l("Give both the latitude and the longitude, or neither."))
            ok = False
        return ok


class IntroduceForm(Form):
    """ "Introduce us", with an optional word for the other person."""

    message = TextAreaField(
        _l("A word for them (optional)"),
        description=_l("At most 300 characters. They read it with your card."),
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[
            Optional(),
            MaxLength(column_length(Introduction.message)),
            no_control_characters,
        ],
    )


class SeatingForm(Form):
    """How many tables the room has."""

    tables = IntegerField(
        _l("Tables (or corners) in the room"),
        validators=[
            InputRequired(_l("Say how many tables the room has.")),
            NumberRange(
                min=1, max=MAX_TABLES, message=_l("Between 1 and %(max)d tables.", max=MAX_TABLES)
            ),
        ],
    )


class MoveForm(Form):
    """One person to another table (the choices: the evening's tables)."""

    table = SelectField(_l("Table"), coerce=int)


class DigestForm(Form):
    """The series' monthly neighbourhood digest: on or off, and its day."""

    enabled = BooleanField(_l("Send the neighbourhood digest every month"))
    day = IntegerField(
        _l("Day of the month"),
        default=1,
        validators=[
            InputRequired(message=_l("A day between 1 and 28.")),
            NumberRange(min=1, max=28, message=_l("A day between 1 and 28.")),
        ],
        description=_l("It goes from 9:00 that day, in the series' time zone."),
    )
