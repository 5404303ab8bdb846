"""CORS for the club's own sites: the signup and the public evening data answer a browser
on another origin only when the series lists that origin (Series.allowed_origins); every
other API address stays same-origin. No cookies cross (no Allow-Credentials): a signup key
or nothing."""

from __future__ import annotations

from flask import Response, request

from meetup.api import bp
from meetup.api.origins import allows
from meetup.events.models import Event, EventStatus, Series
from meetup.events.queries import event_by_slug
from meetup.extensions import db

#: Endpoint -> (how its URL names the series: an "event" or "series" slug; the method a
#: page on another origin may use there).
CORS_ENDPOINTS = {
    "api.registration_create": ("event", "POST"),
    "api.public_event": ("event", "GET"),
    "api.public_series_events": ("series", "GET"),
}
ALLOWED_HEADERS = "Authorization, Content-Type, Accept-Language"
EXPOSED_HEADERS = "Retry-After, X-Request-ID"
#: Browsers keep a preflight's answer this many seconds (Chromium caps it at 7200).
MAX_AGE = 600


def _series() -> Series | None:
    slug = (request.view_args or {}).get("slug")
    if not slug:
        return None
    if CORS_ENDPOINTS[request.endpoint][0] == "series":
        return db.session.scalar(select_series(slug))
    event: Event | None = event_by_slug(slug)
    if event is None or event.status is EventStatus.DRAFT:
        return None
    return event.series


def select_series(slug: str):
    return db.select(Series).where(Series.slug == slug)


@bp.after_request
def _cors(response: Response) -> Response:
    if request.endpoint not in CORS_ENDPOINTS:
        return response
    response.vary.add("Origin")
    origin = request.headers.get("Origin", "")
    if not origin:
        return response
    series = _series()
    if series is None or not allows(series.allowed_origins, origin):
        return response
    response.headers["Access-Control-Allow-Origin"] = origin
    response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = CORS_ENDPOINTS[request.endpoint][1]
        response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response.headers["Access-Control-Max-Age"] = str(MAX_AGE)
    return response
