"""An event's calendar file, with its links and stable UID (the Flask side of ical.py)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app

from meetup.events import ical
from meetup.events.models import Event, EventStatus
from meetup.links import absolute_url
from meetup.markup import markdown_to_text
from meetup.timeutil import utcnow


def calendar_entry(event: Event) -> ical.CalendarEntry:
    host = urlsplit(current_app.config["BASE_URL"]).hostname or "meetup"
    venue = ", ".join(part for part in (event.venue_name, event.venue_address) if part)
    return ical.CalendarEntry(
        uid=f"event-{event.calendar_key or event.slug}@{host}",
        title=(
            f"{event.series.name} — {event.shown_theme}" if event.shown_theme else event.shown_title
        ),
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        timezone=event.series.timezone,
        location=venue,
        description=markdown_to_text(event.shown_description),
        url=absolute_url("public.event_page", slug=event.slug),
        cancelled=event.status is EventStatus.CANCELLED,
        sequence=event.revision,
    )


def calendar_file(event: Event) -> bytes:
    return ical.event_calendar(calendar_entry(event), stamp=utcnow())
