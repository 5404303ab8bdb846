"""Series and events as the API shows them."""

from __future__ import annotations

from datetime import datetime

from meetup.events.models import Event, Series
from meetup.links import absolute_url
from meetup.timeutil import rfc3339


def local_iso(value: datetime | None, event: Event) -> str | None:
    return rfc3339(value, event.zone) if value is not None else None


def public_url(endpoint: str, **values) -> str:
    return absolute_url(endpoint, **values)


def series_json(series: Series) -> dict:
    return {
        "slug": series.slug,
        "name": series.name,
        "city": series.city,
        "timezone": series.timezone,
        "description": series.description,
        "default_venue_name": series.default_venue_name,
        "default_venue_address": series.default_venue_address,
        "default_capacity": series.default_capacity,
        "contact_email": series.contact_email,
        "neighbour_radius_m": series.neighbour_radius_m,
        "directory_delay_hours": series.directory_delay_hours,
        "reminder_hours": series.reminder_hours,
        "retention_nobody_days": series.retention_nobody_days,
        "retention_checkin_days": series.retention_checkin_days,
        "allowed_origins": [line for line in series.allowed_origins.splitlines() if line],
        "api_signups_per_hour": series.api_signups_per_hour,
        "url": public_url("public.series_page", slug=series.slug),
    }


def event_json(event: Event, seats_left: int) -> dict:
    return {
        "slug": event.slug,
        "series": event.series.slug,
        "title": event.title,
        "theme": event.theme,
        "description": event.description,
        "starts_at": local_iso(event.starts_at, event),
        "ends_at": local_iso(event.ends_at, event),
        "venue_name": event.venue_name,
        "venue_address": event.venue_address,
        "capacity": event.capacity,
        "registration_opens_at": local_iso(event.registration_opens_at, event),
        "registration_closes_at": local_iso(event.registration_closes_at, event),
        "status": event.status.value,
        "directory_open": event.directory_opened_at is not None,
        "seats_left": seats_left,
        "url": public_url("public.event_page", slug=event.slug),
    }
