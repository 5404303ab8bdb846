"""What anyone may read without a token: a series' coming evenings and an evening's public
details, as its public pages show them (for a club's own site: CORS in meetup.api.cors)."""

from __future__ import annotations

from flask import jsonify

from meetup.api import bp
from meetup.api.errors import ApiError
from meetup.api.serializers import local_iso, picture_json, public_url
from meetup.events import queries
from meetup.events.models import Event, EventStatus, Series
from meetup.events.queries import event_by_slug
from meetup.events.services import signup_state
from meetup.extensions import db
from meetup.registrations.queries import counts_for
from meetup.timeutil import utcnow


def public_series_json(series: Series) -> dict:
    return {
        "slug": series.slug,
        "name": series.name,
        "city": series.city,
        "contact_email": series.contact_email,
        "url": public_url("public.series_page", slug=series.slug),
        "logo": picture_json(series.logo),
    }


def public_event_json(event: Event, seats_left: int) -> dict:
    return {
        "slug": event.slug,
        "series": public_series_json(event.series),
        "title": event.title,
        "theme": event.theme,
        "description": event.description,
        "starts_at": local_iso(event.starts_at, event),
        "ends_at": local_iso(event.ends_at, event),
        "timezone": event.series.timezone,
        "venue_name": event.venue_name,
        "venue_address": event.venue_address,
        "signups": signup_state(event),
        "registration_opens_at": local_iso(event.registration_opens_at, event),
        "registration_closes_at": local_iso(event.registration_closes_at, event),
        "seats_left": seats_left,
        "url": public_url("public.event_page", slug=event.slug),
        "cover": picture_json(event.cover),
        "calendar_url": public_url("public.event_calendar", slug=event.slug),
        "signup_url": public_url("api.registration_create", slug=event.slug),
    }


@bp.get("/public/events/<slug>")
def public_event(slug: str):
    event = event_by_slug(slug)
    if event is None or event.status is EventStatus.DRAFT:
        raise ApiError(404, "No event with that slug.")
    counts = counts_for([event.id])[event.id]
    return jsonify(public_event_json(event, counts.seats_left(event.capacity)))


@bp.get("/public/series/<slug>/events")
def public_series_events(slug: str):
    """The series' evenings not over yet, soonest first (cancelled ones marked so)."""
    series = db.session.scalar(db.select(Series).where(Series.slug == slug))
    if series is None:
        raise ApiError(404, "No series with that slug.")
    events = queries.public_events(series, upcoming=True, now=utcnow(), with_covers=True)
    counts = counts_for(event.id for event in events)
    return jsonify(
        series=public_series_json(series),
        items=[public_event_json(e, counts[e.id].seats_left(e.capacity)) for e in events],
    )
