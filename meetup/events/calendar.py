"""An event's calendar file, with its links and stable UID (the Flask side of ical.py)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app, url_for

from meetup.events import ical
from meetup.events.models import Event, EventStatus, Series
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


@dataclass(frozen=True)
class CalendarLinks:
    """Where "Add to my calendar" leads: the .ics, and Google's and Outlook's own forms."""

    ics: str
    google: str
    outlook: str
    office: str


def calendar_links(event: Event) -> CalendarLinks:
    """The evening in the reader's language, as links holding nothing about the reader."""
    entry = calendar_entry(event)
    return CalendarLinks(
        ics=url_for("public.event_calendar", slug=event.slug),
        google=ical.google_calendar_url(entry),
        outlook=ical.outlook_calendar_url(entry, "live"),
        office=ical.outlook_calendar_url(entry, "office"),
    )


def series_calendar_file(series: Series, events: list[Event]) -> bytes:
    """The series' calendar feed: its evenings, with the UIDs of their own .ics files."""
    return ical.series_calendar(
        series.name,
        [calendar_entry(event) for event in events],
        stamp=utcnow(),
        url=absolute_url("public.series_calendar", slug=series.slug),
    )
