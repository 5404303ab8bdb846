from __future__ import annotations

import re

from flask import jsonify, request, url_for
from sqlalchemy.orm import selectinload

from meetup.api import bp
from meetup.api import fields as f
from meetup.api.auth import api_user, token_required
from meetup.api.errors import ApiError, handle_api_error
from meetup.api.forms import MAX_SIGNUPS_PER_HOUR
from meetup.api.openapi import openapi_document
from meetup.api.origins import BadOrigin
from meetup.api.origins import normalise as normalise_origin
from meetup.api.serializers import event_json, series_json
from meetup.auth.access import can_manage_series, is_staff, may_create_series
from meetup.directory import services as directory_services
from meetup.events import queries, services
from meetup.events.models import Event, EventStatus, Series
from meetup.events.queries import event_by_slug
from meetup.extensions import db
from meetup.models_base import column_length
from meetup.registrations import services as registration_services
from meetup.registrations.queries import counts_for
from meetup.timeutil import is_valid_timezone

#: Who may call the organisers' endpoints at all: each then asks can_manage_series of the
#: series it touches (a token acts with its user's role in that series).
STAFF = is_staff
MAX_PER_PAGE = 200
#: Past this the SQL OFFSET overflows (a 500); any page this far is empty anyway.
MAX_PAGE = 1_000_000

bp.register_error_handler(ApiError, handle_api_error)


@bp.before_request
def _refuse_nul_characters() -> None:
    """A NUL in a slug or filter makes PostgreSQL fail the query: refuse it up front."""
    if "\x00" in request.path or any("\x00" in value for value in request.args.values()):
        raise ApiError(400, "The URL must not contain NUL characters.")


def _timezone(value) -> str:
    value = f.text(column_length(Series.timezone), allow_empty=False)(value)
    if not is_valid_timezone(value):
        raise f.Invalid("must be an IANA time zone name, e.g. Europe/Paris")
    return value


def _origins(value) -> str:
    """A list of the club's websites (origins), stored one a line."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise f.Invalid('must be a list of strings, e.g. ["https://www.club.fr"]')
    origins: list[str] = []
    for item in value:
        try:
            origin = normalise_origin(item)
        except BadOrigin:
            raise f.Invalid(
                f"must hold website origins such as https://www.club.fr, without a path; "
                f"not {item!r}"
            ) from None
        if origin not in origins:
            origins.append(origin)
    text = "\n".join(origins)
    if len(text) > column_length(Series.allowed_origins):
        raise f.Invalid(f"must total at most {column_length(Series.allowed_origins)} characters")
    return text


SERIES_FIELDS = {
    "name": f.text(column_length(Series.name), allow_empty=False),
    "city": f.text(column_length(Series.city)),
    "timezone": _timezone,
    "slug": f.text(column_length(Series.slug), allow_empty=False),
    "description": f.text(column_length(Series.description), strip=False, multiline=True),
    "default_venue_name": f.text(column_length(Series.default_venue_name)),
    "default_venue_address": f.text(column_length(Series.default_venue_address)),
    "default_capacity": f.integer(0, services.MAX_CAPACITY),
    "contact_email": f.text(column_length(Series.contact_email)),
    # The settings of the series' form, with its bounds.
    "neighbour_radius_m": f.integer(50, 5000),
    "directory_delay_hours": f.optional(f.integer(0, 720)),
    "reminder_hours": f.integer(0, 168),
    "retention_nobody_days": f.integer(1, 3650),
    "retention_checkin_days": f.integer(30, 3650),
    "allowed_origins": _origins,
    "api_signups_per_hour": f.integer(1, MAX_SIGNUPS_PER_HOUR),
}
SERIES_READ_ONLY = ("url", "logo")
WEBSITE_SETTINGS = ("allowed_origins", "api_signups_per_hour")

EVENT_FIELDS = {
    "series": f.text(column_length(Series.slug), allow_empty=False),
    "title": f.text(column_length(Event.title), allow_empty=False),
    "theme": f.text(column_length(Event.theme)),
    "description": f.text(column_length(Event.description), strip=False, multiline=True),
    "starts_at": f.aware_datetime,
    "ends_at": f.aware_datetime,
    "venue_name": f.text(column_length(Event.venue_name)),
    "venue_address": f.text(column_length(Event.venue_address)),
    "capacity": f.integer(0, services.MAX_CAPACITY),
    "registration_opens_at": f.optional(f.aware_datetime),
    "registration_closes_at": f.optional(f.aware_datetime),
    "status": f.choice(*(status.value for status in EventStatus)),
    "directory_open": f.boolean,
}
EVENT_READ_ONLY = ("slug", "seats_left", "url", "cover")


_WHOLE_NUMBER = re.compile(r"[0-9]+")


def _query_int(name: str, default: int, minimum: int, maximum: int | None = None) -> int:
    """A whole number from the query string, within the documented bounds, else 400."""
    raw = request.args.get(name)
    if raw is None:
        return default
    bounds = f"from {minimum}" + (f" to {maximum}" if maximum is not None else "")
    if not _WHOLE_NUMBER.fullmatch(raw):
        raise ApiError(400, f"{name} must be a whole number {bounds}.")
    # Past 18 digits nothing is within bounds (and int() refuses past 4,300).
    value = int(raw) if len(raw.lstrip("0")) <= 18 else 10**18
    if value < minimum or (maximum is not None and value > maximum):
        raise ApiError(400, f"{name} must be a whole number {bounds}.")
    return value


def query_text(name: str) -> str | None:
    """A filter from the query string: None when absent, 400 when empty (no filter is
    written by leaving it out)."""
    value = request.args.get(name)
    if value is not None and not value:
        raise ApiError(400, f"{name} must not be empty; leave it out for no filter.")
    return value


def _page() -> tuple[int, int]:
    return _query_int("page", 1, 1), _query_int("per_page", 50, 1, MAX_PER_PAGE)


def _paginated(query, serialise) -> dict:
    page, per_page = _page()
    # A page this far is empty anyway; past it the SQL OFFSET would overflow.
    result = db.paginate(query, page=min(page, MAX_PAGE), per_page=per_page, error_out=False)
    return {
        "items": serialise(result.items if page <= MAX_PAGE else []),
        "page": page,
        "per_page": per_page,
        "total": result.total,
    }


def _service_call(call, *args, **kwargs):
    try:
        return call(*args, **kwargs)
    except services.SlugTaken as error:
        raise ApiError(409, "That slug is already taken.", error.errors) from None
    except services.InvalidData as error:
        raise ApiError(422, "Some fields are missing or invalid.", error.errors) from None


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


# -- series -------------------------------------------------------------------------------


@bp.get("/series")
@token_required(STAFF, scope="read")
def series_index():
    query = (
        queries.series_for(api_user())
        .order_by(Series.id)  # names tie: pages need an order
        .options(selectinload(Series.logo))
    )
    return jsonify(_paginated(query, lambda rows: [series_json(s) for s in rows]))


@bp.post("/series")
@token_required(STAFF, scope="write")
def series_create():
    if not may_create_series(api_user()):
        raise ApiError(403, "This token's account may not create series (a door volunteer's).")
    values = f.parse_object(
        f.json_object(), SERIES_FIELDS, required=("name", "timezone"), read_only=SERIES_READ_ONLY
    )
    # The club's websites and their signups' limit belong to this API's page of the series.
    website = {name: values.pop(name) for name in WEBSITE_SETTINGS if name in values}
    series = _service_call(services.create_series, acting_user=api_user(), **values)
    if website:
        services.update_series(series, **website)
    response = jsonify(series_json(series))
    response.status_code = 201
    response.headers["Location"] = url_for("api.series_show", slug=series.slug)
    return response


@bp.get("/series/<slug>")
@token_required(STAFF, scope="read")
def series_show(slug: str):
    series = _series_or_error(slug)
    return jsonify(series_json(series))


@bp.patch("/series/<slug>")
@token_required(STAFF, scope="write")
def series_update(slug: str):
    """Change a series' settings: only the fields sent; the slug never changes."""
    series = _series_or_error(slug)
    values = f.parse_object(f.json_object(), SERIES_FIELDS, read_only=(*SERIES_READ_ONLY, "slug"))
    _service_call(services.update_series, series, acting_user=api_user(), **values)
    return jsonify(series_json(series))


# -- events -------------------------------------------------------------------------------


def _events_json(events: list[Event]) -> list[dict]:
    counts = counts_for(event.id for event in events)
    return [event_json(event, counts[event.id].seats_left(event.capacity)) for event in events]


def _series_or_error(slug: str) -> Series:
    series = db.session.scalar(db.select(Series).where(Series.slug == slug))
    if series is None:
        raise ApiError(404, "No series with that slug.")
    if not can_manage_series(api_user(), series):
        raise ApiError(403, "This token may not manage that series.")
    return series


def _event_or_error(slug: str) -> Event:
    event = event_by_slug(slug)
    if event is None:
        raise ApiError(404, "No event with that slug.")
    if not can_manage_series(api_user(), event.series):
        raise ApiError(403, "This token may not manage that event's series.")
    return event


@bp.get("/events")
@token_required(STAFF, scope="read")
def events_index():
    query = (
        queries.events_for(api_user())
        .order_by(Event.starts_at.desc(), Event.id)
        .options(queries.WITH_COVERS)
    )
    if (series_slug := query_text("series")) is not None:
        query = query.where(Series.slug == series_slug)
    if (status := query_text("status")) is not None:
        if status not in {s.value for s in EventStatus}:
            raise ApiError(400, "status must be draft, published or cancelled.")
        query = query.where(Event.status == EventStatus(status))
    return jsonify(_paginated(query, _events_json))


@bp.post("/events")
@token_required(STAFF, scope="write")
def events_create():
    values = f.parse_object(
        f.json_object(),
        EVENT_FIELDS,
        required=("series", "title", "starts_at", "ends_at"),
        read_only=EVENT_READ_ONLY,
    )
    series = db.session.scalar(db.select(Series).where(Series.slug == values.pop("series")))
    if series is None:
        raise ApiError(422, "Some fields are missing or invalid.", {"series": "no such series"})
    if not can_manage_series(api_user(), series):
        raise ApiError(403, "This token may not manage that series.")
    status = EventStatus(values.pop("status", EventStatus.DRAFT.value))
    directory_open = values.pop("directory_open", False)
    if directory_open and status is not EventStatus.PUBLISHED:
        raise _unpublished_directory()
    event = _service_call(services.create_event, series, status=status, **values)
    if directory_open:
        directory_services.open_directory(event)
    response = jsonify(_events_json([event])[0])
    response.status_code = 201
    response.headers["Location"] = url_for("api.event_show", slug=event.slug)
    return response


@bp.get("/events/<slug>")
@token_required(STAFF, scope="read")
def event_show(slug: str):
    return jsonify(_events_json([_event_or_error(slug)])[0])


def _unpublished_directory() -> ApiError:
    """directory_open: true on an evening that is not (or will not be) published."""
    return ApiError(
        422,
        "Some fields are missing or invalid.",
        {"directory_open": "only a published event's directory opens"},
    )


@bp.patch("/events/<slug>")
@token_required(STAFF, scope="write")
def event_update(slug: str):
    event = _event_or_error(slug)
    values = f.parse_object(f.json_object(), EVENT_FIELDS, read_only=EVENT_READ_ONLY)
    if "series" in values and values.pop("series") != event.series.slug:
        raise ApiError(
            422, "Some fields are missing or invalid.", {"series": "an event cannot change series"}
        )
    status = values.pop("status", None)
    directory_open = values.pop("directory_open", None)
    if directory_open is True and (status or event.status.value) != EventStatus.PUBLISHED.value:
        raise _unpublished_directory()  # checked before anything changes
    _service_call(
        registration_services.update_event_and_notify,
        event,
        status=None if status is None else EventStatus(status),
        **values,
    )
    if "capacity" in values:
        registration_services.capacity_changed(event)
    if directory_open is True and event.directory_opened_at is None:
        directory_services.open_directory(event)
    elif directory_open is False and event.directory_opened_at is not None:
        directory_services.close_directory(event)
    return jsonify(_events_json([event])[0])
