"""An evening's registrations as an organiser's spreadsheet shows them, and read back.

The export names its columns in the organiser's language and writes what a person reads:
"confirmed" or "confirmé", yes or no, the sector's name, times of day in the evening's own
time zone ("2026-03-12 19:04", which spreadsheets take for a date and time). The API keeps
the machine names (records.registration_record).

The import takes such a file back, whichever language it was exported in: the attendee's
columns are found by their names in every language (`import_columns`) and the sector and the
language by their names too (`read_back`), so last month's export is this month's import.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import force_locale, lazy_pgettext
from flask_babel import lazy_gettext as _l

from meetup.registrations.csvio import column_key
from meetup.registrations.forms import LANGUAGE_CHOICES
from meetup.registrations.models import Registration, RegistrationStatus, Source, Visibility
from meetup.registrations.sectors import SECTORS, sector_label

#: The languages the app speaks (the import reads column names written in any of them).
LANGUAGES = tuple(choice.value for choice in LANGUAGE_CHOICES)

STATUS = {
    RegistrationStatus.CONFIRMED: _l("confirmed"),
    RegistrationStatus.WAITLISTED: _l("waitlisted"),
    RegistrationStatus.CANCELLED: _l("cancelled"),
}
SOURCE = {
    Source.PUBLIC: _l("signup form"),
    Source.ORGANISER: _l("added by the organisers"),
    Source.API: _l("API"),
    Source.IMPORT: _l("import"),
    Source.WALK_IN: _l("walk-in"),
}
VISIBILITY = {
    Visibility.NOBODY: _l("nobody"),
    Visibility.ATTENDEES: _l("people who came"),
    Visibility.COMMUNITY: _l("the series' community"),
}


def _yes_no(value: bool) -> str:
    return str(_l("yes") if value else _l("no"))


def _time(value: datetime | None, zone: ZoneInfo) -> str:
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M") if value is not None else ""


def _text(name: str) -> Callable[[Registration, ZoneInfo], str]:
    return lambda registration, _zone: getattr(registration, name) or ""


def _flag(name: str) -> Callable[[Registration, ZoneInfo], str]:
    return lambda registration, _zone: _yes_no(bool(getattr(registration, name)))


def _language(registration: Registration, _zone: ZoneInfo) -> str:
    names = {choice.value: choice.label for choice in LANGUAGE_CHOICES}
    return names.get(registration.language, registration.language)


@dataclass(frozen=True)
class Column:
    label: object  # a lazy string: the header, in the language of the request
    value: Callable[[Registration, ZoneInfo], str]
    #: The attendee's field the import fills from this column ("" for the organisers' own).
    field: str = ""


COLUMNS = (
    Column(_l("First name"), _text("first_name"), "first_name"),
    Column(_l("Last name"), _text("last_name"), "last_name"),
    Column(_l("Email"), _text("email"), "email"),
    Column(_l("Company"), _text("company"), "company"),
    Column(_l("Job title"), _text("job_title"), "job_title"),
    Column(_l("Sector"), lambda r, _zone: sector_label(r.sector), "sector"),
    Column(_l("Website"), _text("website"), "website"),
    Column(_l("Phone"), _text("phone"), "phone"),
    Column(_l("Street and number"), _text("street"), "street"),
    Column(_l("Postcode"), _text("postcode"), "postcode"),
    Column(_l("City"), _text("city"), "city"),
    Column(_l("Can help with"), _text("help_with"), "help_with"),
    Column(_l("Looking for"), _text("looking_for"), "looking_for"),
    Column(_l("Language"), _language, "language"),
    # Their consents: what they chose, not for the import to choose for them.
    Column(_l("Street on the badge"), _flag("street_on_badge")),
    Column(_l("Card seen by"), lambda r, _zone: str(VISIBILITY[r.visibility])),
    Column(_l("Shares their email"), _flag("share_email")),
    Column(_l("Shares their phone"), _flag("share_phone")),
    Column(_l("Shares their full address"), _flag("share_address")),
    Column(_l("Accepts introductions"), _flag("accept_introductions")),
    Column(_l("Told of new neighbours"), _flag("notify_new_neighbours")),
    # The organisers' bookkeeping.
    Column(_l("Status"), lambda r, _zone: str(STATUS[r.status])),
    Column(_l("Registered through"), lambda r, _zone: str(SOURCE[r.source])),
    Column(_l("Registered at"), lambda r, zone: _time(r.created_at, zone)),
    Column(_l("Status since"), lambda r, zone: _time(r.status_changed_at, zone)),
    Column(
        lazy_pgettext("spreadsheet column: yes or no", "Came"),
        lambda r, _zone: _yes_no(r.checked_in_at is not None),
    ),
    Column(_l("Arrived at"), lambda r, zone: _time(r.checked_in_at, zone)),
    Column(lazy_pgettext("spreadsheet column: the door's name", "Door"), _text("checked_in_door")),
)


def header() -> list[str]:
    return [str(column.label) for column in COLUMNS]


def rows(registrations: Iterable[Registration], zone: ZoneInfo) -> Iterable[list[str]]:
    for registration in registrations:
        yield [column.value(registration, zone) for column in COLUMNS]


def _in_every_language(labels: dict[str, object]) -> dict[str, str]:
    """{column_key(label as written in any language): what it stands for}."""
    found = {}
    for language in LANGUAGES:
        with force_locale(language):
            found |= {column_key(str(label)): name for name, label in labels.items()}
    return found


def import_columns() -> dict[str, str]:
    """The export's own column names, in every language -> the attendee's field."""
    return _in_every_language({c.field: c.label for c in COLUMNS if c.field})


def read_back(values: dict[str, str]) -> dict[str, str]:
    """A row of an imported file, with a sector or a language written out in words (as the
    export writes them) turned back into what the form takes; anything else as it is."""
    values = dict(values)
    sectors = _in_every_language(dict(SECTORS))
    if (sector := values.get("sector")) and column_key(sector) in sectors:
        values["sector"] = sectors[column_key(sector)]
    languages = {column_key(str(c.label)): c.value for c in LANGUAGE_CHOICES}
    languages |= _in_every_language({"fr": _l("French"), "en": _l("English")})
    if (language := values.get("language")) and column_key(language) in languages:
        values["language"] = languages[column_key(language)]
    return values
