"""The OpenAPI 3.1 description of API v1. tests/test_api_openapi.py keeps it in step with the routes."""

from __future__ import annotations

from flask import current_app

from meetup.api.fields import FIRST_YEAR, LAST_YEAR
from meetup.api.origins import ORIGIN_PATTERN
from meetup.checkin.services import MAX_DOOR, MAX_EVENT_SLUG, MAX_REQUEST_ID, MAX_SCAN, Answer, Undo
from meetup.events.models import Event, Series
from meetup.events.services import MAX_CAPACITY
from meetup.models_base import column_length
from meetup.registrations.models import CONSENT_FLAGS, Registration
from meetup.registrations.sectors import SECTORS
from meetup.slugs import SLUG_PATTERN
from meetup.timeutil import selectable_timezones


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict:
    return {"description": description, **_json(_ref("Error"))}


ERRORS = {
    "400": _error("Malformed request (not a JSON object, bad query parameter)"),
    "401": _error("Missing, unknown or revoked token"),
    "403": _error("The token's role or series does not allow this"),
}
NOT_FOUND = {"404": _error("No such series or event")}
BODY_ERRORS = {
    "413": _error("The request body is too large"),
    "422": _error("Invalid fields; `fields` names each one"),
}
CONFLICT = {"409": _error("The slug is already taken")}

SLUG = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
PAGING = [
    {
        "name": "page",
        "in": "query",
        "description": "Counted from 1; a page past the last one is empty. Anything else is a 400.",
        "schema": {"type": "integer", "minimum": 1, "default": 1},
    },
    {
        "name": "per_page",
        "in": "query",
        "description": "From 1 to 200. Anything else is a 400.",
        "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50},
    },
]


def _filter(description: str, schema: dict | None = None) -> dict:
    """A query-string filter: left out for none; empty is a 400."""
    return {
        "name": description.split(":", 1)[0],
        "in": "query",
        "description": description.split(":", 1)[1].strip() + " Leave it out for no filter; "
        "an empty value is a 400.",
        "schema": schema or {"type": "string", "minLength": 1},
    }


#: What fields.text refuses: control characters but the tab (and, in multi-line text, line
#: breaks), the line and paragraph separators. A lone surrogate is refused too (JSON "\ud800").
_ONE_LINE = "[^\\u0000-\\u0008\\u000a-\\u001f\\u007f-\\u009f\\u2028\\u2029]"
_MULTI_LINE = "[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f\\u2028\\u2029]"
_NOT_BLANK = "[^\\s\\u0000-\\u001f\\u007f-\\u009f]"


def _text(max_length: int, *, required: bool = False, multiline: bool = False, **more) -> dict:
    """A string as fields.text takes it: `required` ones must hold more than white space."""
    char = _MULTI_LINE if multiline else _ONE_LINE
    pattern = f"^{char}*{_NOT_BLANK}{char}*$" if required else f"^{char}*$"
    schema = {"type": "string", "maxLength": max_length, "pattern": pattern}
    if required:
        schema["minLength"] = 1
    return {**schema, **more}


YEARS = f"in the years {FIRST_YEAR} to {LAST_YEAR} as written"
DATETIME_INPUT = {
    "type": "string",
    "format": "date-time",
    "pattern": "^20[0-9][0-9]-",
    "description": "RFC 3339 with its offset, e.g. 2026-12-10T19:00:00+01:00 or "
    f"2026-12-10T18:00:00Z, {YEARS}",
}
DATETIME = {
    "type": "string",
    "format": "date-time",
    "description": "RFC 3339, in the series' time zone (in UTC for a time before the zone "
    "kept standard time, whose offset had seconds)",
}
CAPACITY = {"type": "integer", "minimum": 0, "maximum": MAX_CAPACITY}
STATUS = {"type": "string", "enum": ["draft", "published", "cancelled"]}
#: fields.text's one-line text plus what the email validator wants: ASCII before the @.
EMAIL_OR_EMPTY = {
    "type": "string",
    "maxLength": column_length(Series.contact_email),
    "anyOf": [
        {"const": ""},
        {"format": "email", "pattern": "^[\\x21-\\x7e]+@[^@\\s]+$"},
    ],
}

#: What a client may send; the responses carry the same fields plus read-only ones.
SERIES_PROPERTIES = {
    "name": _text(column_length(Series.name), required=True),
    "city": _text(column_length(Series.city)),
    "timezone": {"type": "string", "description": "IANA name", "examples": ["Europe/Paris"]},
    "slug": {
        "type": "string",
        "pattern": SLUG_PATTERN.pattern,
        "maxLength": column_length(Series.slug),
    },
    "description": _text(column_length(Series.description), multiline=True, description="Markdown"),
    "default_venue_name": _text(column_length(Series.default_venue_name)),
    "default_venue_address": _text(column_length(Series.default_venue_address)),
    "default_capacity": CAPACITY,
    "contact_email": {
        **EMAIL_OR_EMPTY,
        "description": "Where attendees' replies to the series' emails go (Reply-To); empty for none",
    },
    "neighbour_radius_m": {
        "type": "integer",
        "minimum": 50,
        "maximum": 5000,
        "description": "In the directory, offices this close (metres) are neighbours",
    },
    "directory_delay_hours": {
        "type": ["integer", "null"],
        "minimum": 0,
        "maximum": 720,
        "description": "An evening's directory opens by itself this many hours after it; "
        "null: by hand only",
    },
    "reminder_hours": {
        "type": "integer",
        "minimum": 0,
        "maximum": 168,
        "description": "Reminders go this many hours before each evening; 0: none",
    },
    "retention_nobody_days": {
        "type": "integer",
        "minimum": 1,
        "maximum": 3650,
        "description": "Days after the evening before the details of people who chose "
        "nobody, cancelled or stayed waitlisted are erased",
    },
    "retention_checkin_days": {
        "type": "integer",
        "minimum": 30,
        "maximum": 3650,
        "description": "Days after the evening before arrival times become counts",
    },
    "allowed_origins": {
        "type": "array",
        "items": {
            "type": "string",
            "pattern": ORIGIN_PATTERN,
            "maxLength": 300,
        },
        "description": "The club's websites (origins such as https://www.club.fr) whose "
        "pages may use the signup, the public evening data (CORS) and the signup widget",
    },
    "api_signups_per_hour": {
        "type": "integer",
        "minimum": 1,
        "maximum": 10000,
        "description": "Signups an hour through the series' signup keys, all visitors together",
    },
}
SERIES_INPUT_PROPERTIES = {
    **SERIES_PROPERTIES,
    "timezone": {
        "type": "string",
        "description": "IANA name of a place (Area/City) or UTC",
        "enum": list(selectable_timezones()),
        "examples": ["Europe/Paris"],
    },
}
EVENT_PROPERTIES = {
    "series": _text(column_length(Series.slug), required=True, description="The series' slug"),
    "title": _text(column_length(Event.title), required=True),
    "theme": _text(column_length(Event.theme)),
    "description": _text(column_length(Event.description), multiline=True, description="Markdown"),
    "starts_at": DATETIME,
    "ends_at": DATETIME,
    "venue_name": _text(column_length(Event.venue_name)),
    "venue_address": _text(column_length(Event.venue_address)),
    "capacity": CAPACITY,
    "registration_opens_at": {**DATETIME, "type": ["string", "null"]},
    "registration_closes_at": {**DATETIME, "type": ["string", "null"]},
    "status": STATUS,
    "directory_open": {
        "type": "boolean",
        "description": "The attendee directory of the evening is open. Opening it the first "
        "time emails everyone who came their personal directory link. Only a published "
        "event's directory opens (422 otherwise).",
    },
}
EVENT_INPUT_PROPERTIES = {
    **EVENT_PROPERTIES,
    **{
        name: {**EVENT_PROPERTIES[name], **DATETIME_INPUT, "type": EVENT_PROPERTIES[name]["type"]}
        for name in ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at")
    },
}


def _as_answered(properties: dict) -> dict:
    """The fields as answers carry them: what was stored by any path (the admin pages, an
    import, older versions), so without the input's patterns."""
    loose = {"pattern", "minLength", "anyOf", "default"}
    return {
        name: {key: value for key, value in schema.items() if key not in loose}
        for name, schema in properties.items()
    }


READ_ONLY_URL = {"type": "string", "format": "uri", "readOnly": True}

SCHEMAS = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "additionalProperties": False,
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message", "fields", "request_id"],
                "additionalProperties": False,
                "properties": {
                    "code": {"type": "string", "examples": ["validation_failed"]},
                    "message": {"type": "string"},
                    "fields": {"type": "object", "additionalProperties": {"type": "string"}},
                    "request_id": {
                        "type": "string",
                        "description": "The request's reference, also in the X-Request-ID "
                        "response header: quote it when reporting a problem.",
                        "examples": ["3f9c2a7d41b8e605"],
                    },
                },
            }
        },
    },
    "SeriesInput": {
        "type": "object",
        "required": ["name", "timezone"],
        "additionalProperties": False,
        "properties": SERIES_INPUT_PROPERTIES,
    },
    "SeriesChanges": {
        "type": "object",
        "description": "Only the fields sent change; the slug never does.",
        "additionalProperties": False,
        "properties": {
            name: schema for name, schema in SERIES_INPUT_PROPERTIES.items() if name != "slug"
        },
    },
    # Not an allOf of SeriesInput: its additionalProperties: false would refuse `url`.
    "Series": {
        "type": "object",
        "required": [*SERIES_PROPERTIES, "url", "logo"],
        "properties": {
            **_as_answered(SERIES_PROPERTIES),
            "url": READ_ONLY_URL,
            "logo": {**_ref("Picture"), "readOnly": True},
        },
    },
    "EventInput": {
        "type": "object",
        "description": "`series` is set at creation; a change is refused. An evening ends "
        "after it starts, and its signups close after they open (422 otherwise).",
        "additionalProperties": False,
        "properties": EVENT_INPUT_PROPERTIES,
    },
    "Event": {
        "type": "object",
        "required": [*EVENT_PROPERTIES, "slug", "seats_left", "url", "cover"],
        "properties": {
            **_as_answered(EVENT_PROPERTIES),
            "slug": {"type": "string", "readOnly": True},
            "seats_left": {"type": "integer", "minimum": 0, "readOnly": True},
            "url": READ_ONLY_URL,
            "cover": {**_ref("Picture"), "readOnly": True},
        },
    },
}


#: The signup form's rules (registrations.forms), which the public signup goes through: no
#: control characters but tabs and line breaks (runs of white space become one space).
_FORM_CHAR = "[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]"


def _form_text(max_length: int, *, required: bool = False) -> dict:
    pattern = f"^{_FORM_CHAR}*{_NOT_BLANK}{_FORM_CHAR}*$" if required else f"^{_FORM_CHAR}*$"
    return {"type": "string", "maxLength": max_length, "pattern": pattern}


REGISTRATION_INPUT = {
    "first_name": _form_text(column_length(Registration.first_name), required=True),
    "last_name": _form_text(column_length(Registration.last_name), required=True),
    "email": {
        "type": "string",
        "format": "email",
        "maxLength": column_length(Registration.email),
        "pattern": "^[\\x21-\\x7e]+@[^@\\s]+$",
        "description": "Letters before the @ are plain ASCII: our emails cannot reach others",
    },
    "company": _form_text(column_length(Registration.company)),
    "job_title": _form_text(column_length(Registration.job_title)),
    "sector": {"type": "string", "enum": ["", *SECTORS]},
    "website": {
        "type": "string",
        # The form adds https:// to an address without a scheme, then holds it to the column.
        "maxLength": column_length(Registration.website) - len("https://"),
        "pattern": "^$|^(https?://)?[^\\s/$.?#][^\\s]+$",
        "description": "https:// is added when no scheme is given",
    },
    "phone": {
        "type": "string",
        "maxLength": column_length(Registration.phone),
        "pattern": "^$|^\\+?[0-9 ().\\-]{6,}$",
    },
    "street": _form_text(column_length(Registration.street)),
    "postcode": _form_text(column_length(Registration.postcode)),
    "city": _form_text(column_length(Registration.city)),
    "help_with": _form_text(column_length(Registration.help_with)),
    "looking_for": _form_text(column_length(Registration.looking_for)),
    "visibility": {
        "type": "string",
        "enum": ["nobody", "attendees", "community"],
        "default": "nobody",
        "description": "Who may see the person's card after the evening (nobody, those who "
        "came, the series' community): their own choice, so taken only from a signup the "
        "person sends (without a token, from their browser or the club's page, or with the "
        "series' signup key), and recorded with how=api. With an organiser token (write "
        "scope) it is ignored and the card stays visible to nobody until the person chooses "
        "from their personal link, as when an organiser adds someone by hand. Left out: "
        "nobody.",
    },
    **{
        name: {
            "type": "boolean",
            "default": False,
            "description": f"{meaning} The person's own consent, as the signup form asks it "
            "(never ticked in advance): taken from a signup without a token or with a "
            "signup key, recorded with how=api; ignored with an organiser token (stays "
            "false). Left out: false.",
        }
        for name, meaning in (
            ("street_on_badge", "Print the office's street (never the number) on the badge."),
            ("share_email", "Show the email address to those allowed to see the card."),
            ("share_phone", "Show the phone number to those allowed to see the card."),
            (
                "share_address",
                "Show the full office address and the exact pin (else the street's name "
                "and a pin rounded to about 200 m).",
            ),
            (
                "accept_introductions",
                "Others may ask to be introduced (the person accepts or declines each).",
            ),
            (
                "notify_new_neighbours",
                "Email after an evening when someone new who works near came.",
            ),
            (
                "news",
                "Email about the club's next evenings (one-tap signup, unsubscribe in one click).",
            ),
        )
    },
    "language": {
        "type": "string",
        "enum": ["fr", "en"],
        "description": "Of the emails; by default the request's Accept-Language, else fr "
        "(the API's own answers are in English)",
    },
    "nickname": {"type": "string", "description": "Honeypot: leave empty"},
}
SCHEMAS["RegistrationInput"] = {
    "type": "object",
    "required": ["first_name", "last_name", "email"],
    "additionalProperties": False,
    "properties": REGISTRATION_INPUT,
}
SCHEMAS["SignupAnswer"] = {
    "type": "object",
    "required": ["status"],
    "additionalProperties": False,
    "properties": {"status": {"type": "string", "enum": ["confirmed", "waitlisted"]}},
    "description": "The status a newcomer gets; an email already registered gets the same "
    "answer (and a fresh personal link by email), so nothing is revealed.",
}
SCHEMAS["CheckinInput"] = {
    "type": "object",
    "required": ["code"],
    "additionalProperties": False,
    "properties": {
        "code": _text(
            MAX_SCAN,
            required=True,
            description="The ticket code, or the whole URL its QR code holds",
        ),
        "event": _text(
            MAX_EVENT_SLUG,
            description="Slug of the evening at this door; without it (or empty), the code's "
            "own evening if it is on now (12 hours either side), else wrong_event",
        ),
        "door": _text(MAX_DOOR, description="Name of this door"),
        "request_id": _text(
            MAX_REQUEST_ID,
            description="One per scan: a retry with the same id gets the same answer",
        ),
    },
}
SCHEMAS["CheckinAnswer"] = {
    "type": "object",
    "required": ["status"],
    "additionalProperties": False,
    "properties": {
        "status": {
            "type": "string",
            "enum": [answer.value for answer in Answer],
        },
        "name": {"type": "string", "description": "Absent for unknown codes"},
        "checked_in_at": {"type": ["string", "null"], "format": "date-time"},
        "door": {"type": "string", "description": "The door that checked the person in"},
        "first_time": {
            "type": "boolean",
            "description": "No check-in at an earlier evening of the series",
        },
        "event": {
            "type": "object",
            "description": "For wrong_event: the evening the ticket is for",
            "properties": {
                "slug": {"type": "string"},
                "starts_at": {"type": "string", "format": "date-time"},
            },
        },
    },
}
SCHEMAS["UndoAnswer"] = {
    "type": "object",
    "required": ["status"],
    "additionalProperties": False,
    "properties": {
        "status": {
            "type": "string",
            "enum": [outcome.value for outcome in Undo],
        },
        "name": {"type": "string"},
    },
}
SCHEMAS["Registration"] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["first_name", "last_name", "email", "status", "checked_in_at"],
    "properties": {
        **_as_answered(
            {name: schema for name, schema in REGISTRATION_INPUT.items() if name != "nickname"}
        ),
        "sector": {"type": "string", "description": "A sector key (or one no longer listed)"},
        "source": {"type": "string", "enum": ["public", "organiser", "api", "import", "walk_in"]},
        "status": {"type": "string", "enum": ["confirmed", "waitlisted", "cancelled"]},
        "status_changed_at": DATETIME,
        "checked_in_at": {**DATETIME, "type": ["string", "null"]},
        "checked_in_door": {"type": "string", "description": "The door that let them in"},
        **{
            name: {"type": "boolean", "description": "A consent the person gave (personal page)"}
            for name in CONSENT_FLAGS
        },
        "street_on_badge": {
            "type": "boolean",
            "description": "Agreed to have their office street printed on their badge",
        },
        "created_at": DATETIME,
    },
}


SCHEMAS["Picture"] = {
    "type": ["object", "null"],
    "additionalProperties": False,
    "description": (
        "A logo or a cover, or null. `sources` are an HTML <picture>'s, in order: AVIF first"
        " when kept, then the picture's own type; each srcset lists every width kept"
    ),
    "required": ["url", "type", "width", "height", "sources"],
    "properties": {
        "url": READ_ONLY_URL,
        "type": {"type": "string", "enum": ["image/png", "image/jpeg"]},
        "width": {"type": "integer", "minimum": 1},
        "height": {"type": "integer", "minimum": 1},
        "sources": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["type", "srcset"],
                "properties": {
                    "type": {"type": "string", "enum": ["image/avif", "image/png", "image/jpeg"]},
                    "srcset": {"type": "string", "description": "Absolute addresses with widths"},
                },
            },
        },
    },
}
SCHEMAS["PublicSeries"] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["slug", "name", "city", "contact_email", "url", "logo"],
    "properties": {
        "slug": {"type": "string"},
        "name": {"type": "string"},
        "city": {"type": "string"},
        "contact_email": {
            "type": "string",
            "description": "Shown on the club's pages; may be empty",
        },
        "url": READ_ONLY_URL,
        "logo": _ref("Picture"),
    },
}
SCHEMAS["PublicEvent"] = {
    "type": "object",
    "additionalProperties": False,
    "description": "An evening as its public page shows it: nothing about who registered.",
    "required": [
        "slug",
        "series",
        "title",
        "theme",
        "description",
        "starts_at",
        "ends_at",
        "timezone",
        "venue_name",
        "venue_address",
        "signups",
        "registration_opens_at",
        "registration_closes_at",
        "seats_left",
        "url",
        "cover",
        "calendar_url",
        "signup_url",
    ],
    "properties": {
        "slug": {"type": "string"},
        "series": _ref("PublicSeries"),
        "title": {"type": "string"},
        "theme": {"type": "string"},
        "description": {"type": "string", "description": "Markdown, as the organisers wrote it"},
        "starts_at": DATETIME,
        "ends_at": DATETIME,
        "timezone": {"type": "string", "description": "The series' IANA time zone"},
        "venue_name": {"type": "string"},
        "venue_address": {"type": "string"},
        "signups": {
            "type": "string",
            "enum": ["open", "not_yet", "closed", "cancelled"],
            "description": "Whether a signup sent now is taken, and if not, why",
        },
        "registration_opens_at": {**DATETIME, "type": ["string", "null"]},
        "registration_closes_at": {**DATETIME, "type": ["string", "null"]},
        "seats_left": {
            "type": "integer",
            "minimum": 0,
            "description": "0: a signup now goes on the waitlist",
        },
        "url": READ_ONLY_URL,
        "cover": _ref("Picture"),
        "calendar_url": READ_ONLY_URL,
        "signup_url": {
            **READ_ONLY_URL,
            "description": "Where to POST a RegistrationInput (createRegistration)",
        },
    },
}


def _page_of(item: str) -> dict:
    return {
        "type": "object",
        "required": ["items", "page", "per_page", "total"],
        "properties": {
            "items": {"type": "array", "items": _ref(item)},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "total": {"type": "integer"},
        },
    }


PATHS = {
    "/series": {
        "get": {
            "summary": "Series the token's user works on",
            "operationId": "listSeries",
            "parameters": PAGING,
            "responses": {
                "200": {"description": "A page of series", **_json(_page_of("Series"))},
                **ERRORS,
            },
        },
        "post": {
            "summary": "Create a series (an organiser joins its team)",
            "operationId": "createSeries",
            "requestBody": {"required": True, **_json(_ref("SeriesInput"))},
            "responses": {
                "201": {"description": "Created", **_json(_ref("Series"))},
                **ERRORS,
                **CONFLICT,
                **BODY_ERRORS,
            },
        },
    },
    "/series/{slug}": {
        "get": {
            "summary": "One series",
            "operationId": "getSeries",
            "parameters": [SLUG],
            "responses": {
                "200": {"description": "The series", **_json(_ref("Series"))},
                **ERRORS,
                **NOT_FOUND,
            },
        },
        "patch": {
            "summary": "Change a series' settings (only the fields sent)",
            "operationId": "updateSeries",
            "parameters": [SLUG],
            "requestBody": {"required": True, **_json(_ref("SeriesChanges"))},
            "responses": {
                "200": {"description": "The series as changed", **_json(_ref("Series"))},
                **ERRORS,
                **NOT_FOUND,
                **BODY_ERRORS,
            },
        },
    },
    "/events": {
        "get": {
            "summary": "Events of the series the token's user works on, newest first",
            "operationId": "listEvents",
            "parameters": [
                _filter("series: The slug of one of the token's series."),
                _filter("status: Only events with this status.", STATUS),
                *PAGING,
            ],
            "responses": {
                "200": {"description": "A page of events", **_json(_page_of("Event"))},
                **ERRORS,
            },
        },
        "post": {
            "summary": "Create an event (a draft unless `status` says otherwise)",
            "operationId": "createEvent",
            "requestBody": {
                "required": True,
                **_json(
                    {
                        "allOf": [
                            _ref("EventInput"),
                            {"required": ["series", "title", "starts_at", "ends_at"]},
                        ]
                    }
                ),
            },
            "responses": {
                "201": {"description": "Created", **_json(_ref("Event"))},
                **ERRORS,
                **BODY_ERRORS,
            },
        },
    },
    "/events/{slug}": {
        "get": {
            "summary": "One event",
            "operationId": "getEvent",
            "parameters": [SLUG],
            "responses": {
                "200": {"description": "The event", **_json(_ref("Event"))},
                **ERRORS,
                **NOT_FOUND,
            },
        },
        "patch": {
            "summary": "Change some of an event's fields (status included)",
            "operationId": "updateEvent",
            "parameters": [SLUG],
            "requestBody": {"required": True, **_json(_ref("EventInput"))},
            "responses": {
                "200": {"description": "The changed event", **_json(_ref("Event"))},
                **ERRORS,
                **NOT_FOUND,
                **BODY_ERRORS,
            },
        },
    },
    "/events/{slug}/registrations": {
        "post": {
            "summary": "Sign someone up (public: no token needed; rate-limited unless an "
            "organiser token is sent)",
            "operationId": "createRegistration",
            "security": [],
            "parameters": [SLUG],
            "requestBody": {"required": True, **_json(_ref("RegistrationInput"))},
            "responses": {
                "201": {
                    "description": "Registered (or already was)",
                    **_json(_ref("SignupAnswer")),
                },
                "400": ERRORS["400"],
                "404": _error("No such published event"),
                "401": _error("A token that is unknown or revoked"),
                "403": _error(
                    "A token without the write scope, or for another series (a signup key "
                    "or an organiser's)"
                ),
                "409": _error("Signups are not open (not yet, closed, or cancelled)"),
                "429": _error(
                    "Too many signups from this client, or through this signup key in the hour"
                ),
                **BODY_ERRORS,
            },
        },
        "get": {
            "summary": "The event's registrations (organisers)",
            "operationId": "listRegistrations",
            "parameters": [
                SLUG,
                _filter(
                    "status: Only registrations with this status.",
                    {"type": "string", "enum": ["confirmed", "waitlisted", "cancelled"]},
                ),
                *PAGING,
            ],
            "responses": {
                "200": {
                    "description": "A page of registrations",
                    **_json(_page_of("Registration")),
                },
                **ERRORS,
                **NOT_FOUND,
            },
        },
    },
    "/checkins": {
        "post": {
            "summary": "Check someone in (door, organiser and admin tokens; the only thing a "
            "door token may do)",
            "operationId": "createCheckin",
            "requestBody": {"required": True, **_json(_ref("CheckinInput"))},
            "responses": {
                "200": {
                    "description": "The answer to show at the door (an unknown code too)",
                    **_json(_ref("CheckinAnswer")),
                },
                **ERRORS,
                "404": _error("No such event"),
                "409": _error("The request_id was sent before with another code"),
                **BODY_ERRORS,
            },
        }
    },
    "/checkins/{code}": {
        "delete": {
            "summary": "Undo a check-in",
            "operationId": "deleteCheckin",
            "parameters": [
                {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}},
                {
                    "name": "event",
                    "in": "query",
                    "description": "Slug of the evening at this door (left out or empty: any)",
                    "schema": {"type": "string"},
                },
            ],
            "responses": {
                "200": {"description": "What happened", **_json(_ref("UndoAnswer"))},
                **ERRORS,
                "404": _error("No such event"),
            },
        }
    },
    "/public/events/{slug}": {
        "get": {
            "summary": "An evening's public details (no token; CORS for the series' origins)",
            "operationId": "getPublicEvent",
            "security": [],
            "parameters": [SLUG],
            "responses": {
                "200": {"description": "The evening", **_json(_ref("PublicEvent"))},
                "404": _error("No such published or cancelled event"),
            },
        }
    },
    "/public/series/{slug}/events": {
        "get": {
            "summary": "A series' evenings not over yet, soonest first (no token; CORS for "
            "the series' origins)",
            "operationId": "listPublicEvents",
            "security": [],
            "parameters": [SLUG],
            "responses": {
                "200": {
                    "description": "The series and its coming evenings",
                    **_json(
                        {
                            "type": "object",
                            "additionalProperties": False,
                            "required": ["series", "items"],
                            "properties": {
                                "series": _ref("PublicSeries"),
                                "items": {"type": "array", "items": _ref("PublicEvent")},
                            },
                        }
                    ),
                },
                "404": _error("No such series"),
            },
        }
    },
    "/openapi.json": {
        "get": {
            "summary": "This document",
            "operationId": "getOpenApi",
            "security": [],
            "responses": {"200": {"description": "OpenAPI 3.1 document"}},
        }
    },
}


SCOPES_TEXT = (
    "Tokens act with their user's role in the series concerned (organiser: its records; "
    "door volunteer: its check-ins only), within their scopes: `read` (the lists and records, "
    "personal data included), `write` (create and change series and evenings, sign people "
    "up as the organisers: their consents are not taken), `door` (check people in and undo "
    "it), and a series' publishable `signup` key (mk_pub_…), which may sit in a web page: it "
    "only signs people up for its series' evenings, as the person themselves, and reads "
    "nothing. Each operation's `security` names the scope it needs."
)

#: A webhook's body, as every event type sends it.
WEBHOOK_REGISTRATION = {
    "type": "object",
    "description": "Personal fields only as the person allows: the card (first_name, "
    "last_name, company, job_title, sector, website, help_with, looking_for) if they let "
    "others see it (visibility attendees or community), email with share_email, phone with "
    "share_phone, street, postcode and city with share_address. `shared` lists them.",
    "required": [
        "id",
        "status",
        "source",
        "language",
        "created_at",
        "checked_in_at",
        "checked_in_door",
        "event",
        "shared",
    ],
    "properties": {
        "id": {"type": "integer"},
        "status": {"type": "string", "enum": ["confirmed", "waitlisted", "cancelled"]},
        "source": {"type": "string"},
        "language": {"type": "string"},
        "created_at": DATETIME,
        "checked_in_at": {**DATETIME, "type": ["string", "null"]},
        "checked_in_door": {"type": "string"},
        "event": {
            "type": "object",
            "properties": {
                "slug": {"type": "string"},
                "title": {"type": "string"},
                "starts_at": DATETIME,
            },
        },
        "shared": {"type": "array", "items": {"type": "string"}},
        **{
            name: {"type": "string"}
            for name in (
                "first_name",
                "last_name",
                "company",
                "job_title",
                "sector",
                "website",
                "help_with",
                "looking_for",
                "email",
                "phone",
                "street",
                "postcode",
                "city",
            )
        },
    },
}
WEBHOOK_EVENT = {
    "type": "object",
    "properties": {
        "slug": {"type": "string"},
        "title": {"type": "string"},
        "theme": {"type": "string"},
        "starts_at": DATETIME,
        "ends_at": DATETIME,
        "venue_name": {"type": "string"},
        "venue_address": {"type": "string"},
        "capacity": {"type": "integer"},
        "status": STATUS,
        "url": {"type": "string", "format": "uri"},
    },
}
WEBHOOK_HEADERS = [
    {
        "name": "Meetup-Signature",
        "in": "header",
        "required": True,
        "description": 't=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with the '
        "endpoint's secret>. Recompute it over the raw body, compare in constant time, and "
        "refuse a t more than five minutes from your clock.",
        "schema": {"type": "string"},
    },
    {
        "name": "Meetup-Event",
        "in": "header",
        "required": True,
        "schema": {"type": "string"},
    },
    {
        "name": "Meetup-Delivery",
        "in": "header",
        "required": True,
        "description": "The delivery's number, the same on every retry of it",
        "schema": {"type": "string"},
    },
]
WEBHOOK_ERASED = {
    "type": "object",
    "description": "Nothing personal: the registration's id, as in its earlier deliveries.",
    "required": ["id", "event"],
    "properties": {
        "id": {"type": "integer"},
        "event": {
            "type": "object",
            "required": ["slug"],
            "properties": {"slug": {"type": "string"}},
        },
    },
}
WEBHOOK_DESCRIPTIONS = {
    "registration.created": "Someone signed up (a seat or the waitlist), by any path.",
    "registration.updated": "A registration changed: its card, its consents, a seat given.",
    "registration.cancelled": "A registration was cancelled.",
    "registration.erased": "A person's data was erased (by them, an organiser or the "
    "retention purge): erase your copy. Sent to every endpoint told of registrations or "
    "check-ins, whatever it chose; earlier deliveries about them are deleted.",
    "checkin.created": "Someone was let in at the door (a scan or a walk-in).",
    "event.published": "An evening was published.",
    "event.changed": "A published or cancelled evening changed (time, place, capacity, status…).",
}


def _webhooks() -> dict:
    """OpenAPI 3.1 `webhooks`: what a series' endpoints receive (POST, JSON, signed),
    delivered by the worker, retried with a backoff, in order per registration."""
    hooks = {}
    for name, description in WEBHOOK_DESCRIPTIONS.items():
        data = WEBHOOK_EVENT if name.startswith("event.") else WEBHOOK_REGISTRATION
        if name == "registration.erased":
            data = WEBHOOK_ERASED
        hooks[name] = {
            "post": {
                "summary": description,
                "operationId": "webhook_" + name.replace(".", "_"),
                "parameters": WEBHOOK_HEADERS,
                "requestBody": {
                    "required": True,
                    **_json(
                        {
                            "type": "object",
                            "required": ["id", "type", "created_at", "data"],
                            "properties": {
                                "id": {
                                    "type": "string",
                                    "description": "The same for every endpoint and retry: "
                                    "drop a second copy",
                                },
                                "type": {"const": name},
                                "created_at": DATETIME,
                                "data": data,
                            },
                        }
                    ),
                },
                "responses": {
                    "2XX": {"description": "Received; anything else (or no answer) is retried"}
                },
            }
        }
    return hooks


def _with_scopes(paths: dict) -> dict:
    """Each operation's security, from the scope its view asks (meetup.api.auth)."""
    paths = {path: dict(operations) for path, operations in paths.items()}
    for rule in current_app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        path = rule.rule.removeprefix("/api/v1")
        for converter in ("<path:", "<int:", "<"):
            path = path.replace(converter, "{")
        path = path.replace(">", "}")
        view = current_app.view_functions[rule.endpoint]
        scope = getattr(view, "api_scope", None)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            operation = paths.get(path, {}).get(method.lower())
            if operation is None:
                continue
            security = [{"bearer": [scope]}] if scope else operation.get("security", [])
            if rule.endpoint == "api.registration_create":
                # Anyone (the person), a signup key (the person, on the club's page), or an
                # organiser's write token (their consents are then not taken).
                security = [{}, {"bearer": ["signup"]}, {"bearer": ["write"]}]
            paths[path][method.lower()] = {**operation, "security": security}
    return paths


def openapi_document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "meetup organiser API",
            "version": "1",
            "description": "Series and events for club websites and scanner apps. "
            "Send `Authorization: Bearer TOKEN`. " + SCOPES_TEXT + " Errors are always "
            '`{"error": {"code", "message", "fields", "request_id"}}`, each field\'s message '
            "a sentence.",
        },
        "servers": [{"url": current_app.config["BASE_URL"] + "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": _with_scopes(PATHS),
        "webhooks": _webhooks(),
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": SCOPES_TEXT}
            },
        },
    }
