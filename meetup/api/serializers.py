"""Series and events as the API shows them."""

from __future__ import annotations

from datetime import datetime

from meetup.events.image_views import image_url
from meetup.events.models import Event, Series
from meetup.images.models import StoredImage
from meetup.links import absolute_url
from meetup.timeutil import rfc3339


def local_iso(value: datetime | None, event: Event) -> str | None:
    return rfc3339(value, event.zone) if value is not None else None


def public_url(endpoint: str, **values) -> str:
    return absolute_url(endpoint, **values)


def picture_json(image: StoredImage | None) -> dict | None:
    """A logo or a cover for the club's own pages: the picture's absolute address and size,
    and the sources of an HTML <picture> (AVIF first when kept, then the picture's own
    type), each a srcset of every width kept, so that a phone loads the narrowest it needs."""
    if image is None:
        return None

    def srcset(images: list[StoredImage]) -> str:
        return ", ".join(f"{image_url(each, external=True)} {each.width}w" for each in images[::-1])

    twins = image.avif_copies
    sources = [{"type": "image/avif", "srcset": srcset(twins)}] if twins else []
    sources.append({"type": image.content_type, "srcset": srcset(image.with_copies)})
    return {
        "url": image_url(image, external=True),
        "type": image.content_type,
        "width": image.width,
        "height": image.height,
        "sources": sources,
    }


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
        "logo": picture_json(series.logo),
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
        "cover": picture_json(event.cover),
    }
