"""An attendee's card as another attendee may see it: only the fields they agreed to show.

Pure: a registration in, a Card out. Company, job, sector, website, what they offer and look
for, and the street's name are shown to whoever may see the card at all; email, phone, the
full address and the exact pin only when the person ticked them. Everyone else's pin is moved
to the centre of a cell of about 200 m.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from meetup.registrations.models import Registration

#: Side of the cells pins are rounded to when the exact place was not agreed.
ROUNDING_METRES = 200.0
_METRES_PER_DEGREE = 111_320.0


@dataclass(frozen=True)
class Card:
    registration_id: int
    first_name: str
    last_name: str
    company: str
    job_title: str
    sector: str
    website: str
    help_with: str
    looking_for: str
    #: "rue de la République": the street without its number ("" if none).
    street_name: str
    city: str
    #: Only when agreed (share_*); None otherwise.
    email: str | None
    phone: str | None
    address: str | None
    #: The pin (exact when agreed, else rounded), None when not located.
    latitude: float | None
    longitude: float | None
    accepts_introductions: bool

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


_NUMBER = re.compile(r"^\s*\d+[\s,]*(?:(?:bis|ter|quater|[a-d])\b[\s,]*)?", re.IGNORECASE)


def street_name(street: str) -> str:
    """'12 bis, rue de la République' -> 'rue de la République'."""
    return _NUMBER.sub("", street).strip(" ,")


def rounded_point(latitude: float, longitude: float) -> tuple[float, float]:
    """The centre of the ~200 m cell the point is in (the same for everyone in the cell)."""
    step_lat = ROUNDING_METRES / _METRES_PER_DEGREE
    cell_lat = (math.floor(latitude / step_lat) + 0.5) * step_lat
    step_lon = ROUNDING_METRES / (_METRES_PER_DEGREE * max(math.cos(math.radians(cell_lat)), 0.01))
    cell_lon = (math.floor(longitude / step_lon) + 0.5) * step_lon
    return round(cell_lat, 6), round(cell_lon, 6)


def display_point(registration) -> tuple[float, float] | tuple[None, None]:
    """Where others may see the person's office: the exact pin if they agreed, else the centre
    of its ~200 m cell (the map's marker, and what distances are measured to)."""
    if registration.latitude is None or registration.longitude is None:
        return None, None
    if registration.share_address:
        return registration.latitude, registration.longitude
    return rounded_point(registration.latitude, registration.longitude)


def shown_metres(metres: float, exact: bool) -> int:
    """A distance as pages and emails show it: to 10 m under 100 m when measured to an
    exact place the person shares, else to 50 m (measured to the centre of their cell)."""
    step = 10 if exact and metres < 100 else 50
    return max(step, int(round(metres / step) * step))


def card_for(registration: Registration) -> Card:
    r = registration
    latitude, longitude = display_point(r)
    address = None
    if r.share_address and (r.street or r.city):
        address = ", ".join(p for p in (r.street, f"{r.postcode} {r.city}".strip()) if p)
    return Card(
        registration_id=r.id,
        first_name=r.first_name,
        last_name=r.last_name,
        company=r.company,
        job_title=r.job_title,
        sector=r.sector,
        website=r.website,
        help_with=r.help_with,
        looking_for=r.looking_for,
        street_name=street_name(r.street),
        city=r.city,
        email=r.email if r.share_email else None,
        phone=r.phone or None if r.share_phone else None,
        address=address,
        latitude=latitude,
        longitude=longitude,
        accepts_introductions=r.accept_introductions,
    )


def marker_for(row) -> dict | None:
    """A map marker from a listing row (queries.LISTED_COLUMNS), the pin rounded unless the
    person agreed to show where exactly; None when not located."""
    latitude, longitude = display_point(row)
    if latitude is None:
        return None
    return {
        "lat": latitude,
        "lon": longitude,
        "name": f"{row.first_name} {row.last_name}".strip(),
        "company": row.company,
        "exact": bool(row.share_address),
    }
