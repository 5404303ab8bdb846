"""A registration as plain data, with machine names and values: what the API answers (the
CSV export writes words for people: registrations.spreadsheet)."""

from __future__ import annotations

import enum
from dataclasses import fields
from datetime import datetime

from meetup.registrations.models import Registration
from meetup.registrations.services import Profile
from meetup.timeutil import rfc3339

#: The attendee's own fields, then the organisers' bookkeeping.
FIELDS = (
    *(field.name for field in fields(Profile)),
    "source",
    "status",
    "status_changed_at",
    "checked_in_at",
    "checked_in_door",
    "created_at",
)


def _plain(value):
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return rfc3339(value)
    return value


def registration_record(registration: Registration) -> dict:
    """Field name -> JSON-ready value (enums as their values, times in RFC 3339, None kept)."""
    return {name: _plain(getattr(registration, name)) for name in FIELDS}
