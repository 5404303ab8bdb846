"""What a webhook's body says. Personal fields only as far as the person's consents allow
(the club's tools are told what the person agreed to show the series' people):

- always: the registration's id, status, source, language, when it was made, the check-in
  time and door, and the evening (slug, title, start);
- the card (first and last name, company, job title, sector, website, "I can help with",
  "I'm looking for") only if the person lets someone see it (visibility attendees or
  community, not nobody);
- the email only with `share_email`, the phone only with `share_phone`, the office address
  (street, postcode, city) only with `share_address`.

`shared` lists the personal fields the body holds."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from meetup.timeutil import rfc3339

CARD = ("first_name", "last_name", "company", "job_title", "sector", "website", "help_with",
        "looking_for")  # fmt: skip
ADDRESS = ("street", "postcode", "city")


def _time(value: datetime | None, zone: ZoneInfo) -> str | None:
    return rfc3339(value, zone) if value is not None else None


def registration_data(row, evening, zone: ZoneInfo) -> dict:
    """`row`: a registration (or a row with its columns); `evening`: slug, title,
    starts_at."""
    data = {
        "id": row.id,
        "status": str(row.status.value if hasattr(row.status, "value") else row.status),
        "source": str(row.source.value if hasattr(row.source, "value") else row.source),
        "language": row.language,
        "created_at": _time(row.created_at, zone),
        "checked_in_at": _time(row.checked_in_at, zone),
        "checked_in_door": row.checked_in_door or "",
        "event": {
            "slug": evening.slug,
            "title": evening.title,
            "starts_at": _time(evening.starts_at, zone),
        },
    }
    visibility = str(row.visibility.value if hasattr(row.visibility, "value") else row.visibility)
    shared: list[str] = []
    if visibility != "nobody":
        shared += CARD
    if row.share_email:
        shared.append("email")
    if row.share_phone:
        shared.append("phone")
    if row.share_address:
        shared += ADDRESS
    data |= {name: getattr(row, name) or "" for name in shared}
    data["shared"] = shared
    return data


def event_data(event, zone: ZoneInfo, url: str) -> dict:
    return {
        "slug": event.slug,
        "title": event.title,
        "theme": event.theme or "",
        "starts_at": _time(event.starts_at, zone),
        "ends_at": _time(event.ends_at, zone),
        "venue_name": event.venue_name or "",
        "venue_address": event.venue_address or "",
        "capacity": event.capacity,
        "status": str(event.status.value if hasattr(event.status, "value") else event.status),
        "url": url,
    }
