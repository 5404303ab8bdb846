"""iCalendar (.ics) for an event: pure, no Flask. The confirmation email reuses it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from icalendar import Calendar, vDuration
from icalendar import Event as VEvent


@dataclass(frozen=True)
class CalendarEntry:
    #: Stable across edits, so a calendar replaces the entry instead of adding a second one.
    uid: str
    title: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    location: str = ""
    description: str = ""
    url: str = ""
    cancelled: bool = False
    #: Grows with every change, so calendars replace the entry they have.
    sequence: int = 0


def _calendar() -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", "-//meetup//café des entreprenants//FR")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")  # CANCEL would need an ORGANIZER; STATUS says it
    return calendar


def _vevent(entry: CalendarEntry, stamp: datetime) -> VEvent:
    zone = ZoneInfo(entry.timezone)
    vevent = VEvent()
    vevent.add("uid", entry.uid)
    vevent.add("dtstamp", stamp)
    vevent.add("sequence", entry.sequence)
    vevent.add("summary", entry.title)
    vevent.add("dtstart", entry.starts_at.astimezone(zone))
    vevent.add("dtend", entry.ends_at.astimezone(zone))
    vevent.add("status", "CANCELLED" if entry.cancelled else "CONFIRMED")
    if entry.location:
        vevent.add("location", entry.location)
    if entry.description:
        vevent.add("description", entry.description)
    if entry.url:
        vevent.add("url", entry.url)
    return vevent


def event_calendar(entry: CalendarEntry, stamp: datetime) -> bytes:
    """A VCALENDAR with one VEVENT in the series' time zone, with its VTIMEZONE."""

    calendar = _calendar()
    calendar.add_component(_vevent(entry, stamp))
    calendar.add_missing_timezones()
    return calendar.to_ical()


#: How often a subscribed calendar should fetch the feed again (RFC 7986 REFRESH-INTERVAL,
#: and X-PUBLISHED-TTL, which Outlook and Apple Calendar read).
FEED_REFRESH = timedelta(hours=12)


def series_calendar(
    name: str, entries: Iterable[CalendarEntry], stamp: datetime, url: str = ""
) -> bytes:
    """A subscribable VCALENDAR of a series' evenings: each VEVENT has the UID of the
    evening's own .ics, so an evening added from either place is one entry."""

    calendar = _calendar()
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    calendar.add("refresh-interval", FEED_REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(FEED_REFRESH).to_ical().decode())
    if url:
        calendar.add("url", url)
        calendar.add("source", url, parameters={"VALUE": "URI"})
    for entry in entries:
        calendar.add_component(_vevent(entry, stamp))
    calendar.add_missing_timezones()
    return calendar.to_ical()


def _utc_stamp(moment: datetime, fmt: str) -> str:
    return moment.astimezone(UTC).strftime(fmt)


def google_calendar_url(entry: CalendarEntry) -> str:
    """A Google Calendar "add this event" link: title, UTC times, place and the page's URL."""
    query = {
        "action": "TEMPLATE",
        "text": entry.title,
        "dates": "/".join(
            _utc_stamp(moment, "%Y%m%dT%H%M%SZ") for moment in (entry.starts_at, entry.ends_at)
        ),
        "ctz": entry.timezone,
    }
    if entry.location:
        query["location"] = entry.location
    if entry.url:
        query["details"] = entry.url
    return "https://calendar.google.com/calendar/render?" + urlencode(query, quote_via=quote)


#: Outlook's two web apps: personal accounts and Microsoft 365 (work or school) accounts.
OUTLOOK_HOSTS = {"live": "outlook.live.com", "office": "outlook.office.com"}


def outlook_calendar_url(entry: CalendarEntry, account: str = "live") -> str:
    """An Outlook on the web "new event" link, filled in (the person saves it there)."""
    query = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": entry.title,
        "startdt": _utc_stamp(entry.starts_at, "%Y-%m-%dT%H:%M:%SZ"),
        "enddt": _utc_stamp(entry.ends_at, "%Y-%m-%dT%H:%M:%SZ"),
    }
    if entry.location:
        query["location"] = entry.location
    if entry.url:
        query["body"] = entry.url
    return f"https://{OUTLOOK_HOSTS[account]}/calendar/0/deeplink/compose?" + urlencode(
        query, quote_via=quote
    )
