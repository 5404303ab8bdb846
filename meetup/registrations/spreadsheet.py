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
from functools import cache
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
    Visibility.COMMUNITY: _l("the club's community"),
}


def _yes_no(value: bool) -> str:
    return str(_l("yes") if value else _l("no"))


def _time(value: datetime | None, zone: ZoneInfo) -> str:
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M") if value is not None else ""


_LANGUAGE_NAMES = {choice.value: choice.label for choice in LANGUAGE_CHOICES}


#: How a column writes the registration's attribute it shows.
_WRITERS: dict[str, Callable[[object, ZoneInfo], str]] = {
    "text": lambda value, _zone: value or "",
    "yes/no": lambda value, _zone: _yes_no(bool(value)),
    "time": _time,
    # A sector no longer in the list shows as its key rather than not at all.
    "sector": lambda value, _zone: sector_label(value) or value or "",
    "language": lambda value, _zone: _LANGUAGE_NAMES.get(value, value),
    "status": lambda value, _zone: str(STATUS[value]),
    "source": lambda value, _zone: str(SOURCE[value]),
    "visibility": lambda value, _zone: str(VISIBILITY[value]),
}


@dataclass(frozen=True)
class Column:
    label: object  # a lazy string: the header, in the language of the request
    #: The registration's attribute the column shows, and how it is written.
    shows: str
    kind: str = "text"
    #: Whether the import fills that attribute from this column (the attendee's own
    #: fields; not their consents, nor the organisers' bookkeeping).
    imported: bool = False

    def value(self, registration: Registration, zone: ZoneInfo) -> str:
        return _WRITERS[self.kind](getattr(registration, self.shows), zone)


COLUMNS = (
    Column(_l("First name"), "first_name", imported=True),
    Column(_l("Last name"), "last_name", imported=True),
    Column(_l("Email"), "email", imported=True),
    Column(_l("Company"), "company", imported=True),
    Column(_l("Job title"), "job_title", imported=True),
    Column(_l("Sector"), "sector", "sector", imported=True),
    Column(_l("Website"), "website", imported=True),
    Column(_l("Phone"), "phone", imported=True),
    Column(_l("Street and number"), "street", imported=True),
    Column(_l("Postcode"), "postcode", imported=True),
    Column(_l("City"), "city", imported=True),
    Column(_l("Can help with"), "help_with", imported=True),
    Column(_l("Looking for"), "looking_for", imported=True),
    Column(_l("Language"), "language", "language", imported=True),
    # Their consents: what they chose, not for an import to choose for them.
    Column(_l("Street on the badge"), "street_on_badge", "yes/no"),
    Column(_l("Card seen by"), "visibility", "visibility"),
    Column(_l("Shares their email"), "share_email", "yes/no"),
    Column(_l("Shares their phone"), "share_phone", "yes/no"),
    Column(_l("Shares their full address"), "share_address", "yes/no"),
    Column(_l("Accepts introductions"), "accept_introductions", "yes/no"),
    Column(_l("Told of new neighbours"), "notify_new_neighbours", "yes/no"),
    Column(_l("Told of the next evenings"), "news", "yes/no"),
    # The organisers' bookkeeping.
    Column(_l("Status"), "status", "status"),
    Column(_l("Registered through"), "source", "source"),
    Column(_l("Registered at"), "created_at", "time"),
    Column(_l("Status since"), "status_changed_at", "time"),
    Column(lazy_pgettext("spreadsheet column: yes or no", "Came"), "checked_in_at", "yes/no"),
    Column(_l("Arrived at"), "checked_in_at", "time"),
    Column(lazy_pgettext("spreadsheet column: the door's name", "Door"), "checked_in_door"),
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
    return _in_every_language({c.shows: c.label for c in COLUMNS if c.imported})


@cache
def _names_read_back() -> dict[str, dict[str, str]]:
    """For read_back, built once: the sectors' and the languages' names in every language."""
    languages = {column_key(str(c.label)): c.value for c in LANGUAGE_CHOICES}
    languages |= _in_every_language({"fr": _l("French"), "en": _l("English")})
    return {"sector": _in_every_language(dict(SECTORS)), "language": languages}


def read_back(values: dict[str, str]) -> dict[str, str]:
    """A row of an imported file, with a sector or a language written out in words (as the
    export writes them) turned back into what the form takes; anything else as it is."""
    values = dict(values)
    for field, names in _names_read_back().items():
        if (written := values.get(field)) and column_key(written) in names:
            values[field] = names[column_key(written)]
    return values
