"""The OpenAPI 3.1 description of API v1. tests/test_api_openapi.py keeps it in step with the routes."""

from __future__ import annotations

from flask import current_app

from meetup.checkin.services import Answer, Undo
from meetup.events.services import MAX_CAPACITY
from meetup.registrations.models import CONSENT_FLAGS


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
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "default": 1}},
    {
        "name": "per_page",
        "in": "query",
        "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50},
    },
]

DATETIME = {"type": "string", "format": "date-time", "description": "ISO 8601 with offset"}
CAPACITY = {"type": "integer", "minimum": 0, "maximum": MAX_CAPACITY}
STATUS = {"type": "string", "enum": ["draft", "published", "cancelled"]}

#: What a client may send; the responses carry the same fields plus read-only ones.
SERIES_PROPERTIES = {
    "name": {"type": "string", "minLength": 1, "maxLength": 160},
    "city": {"type": "string", "maxLength": 120},
    "timezone": {
        "type": "string",
        "description": "IANA name",
        "maxLength": 64,
        "examples": ["Europe/Paris"],
    },
    "slug": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$", "maxLength": 80},
    "description": {"type": "string", "description": "Markdown", "maxLength": 10_000},
    "default_venue_name": {"type": "string", "maxLength": 160},
    "default_venue_address": {"type": "string", "maxLength": 300},
    "default_capacity": CAPACITY,
    "contact_email": {
        "type": "string",
        "maxLength": 254,
        "description": "Where attendees' replies to the series' emails go (Reply-To); empty for none",
    },
}
EVENT_PROPERTIES = {
    "series": {"type": "string", "maxLength": 80, "description": "The series' slug"},
    "title": {"type": "string", "minLength": 1, "maxLength": 200},
    "theme": {"type": "string", "maxLength": 200},
    "description": {"type": "string", "description": "Markdown", "maxLength": 20_000},
    "starts_at": DATETIME,
    "ends_at": DATETIME,
    "venue_name": {"type": "string", "maxLength": 160},
    "venue_address": {"type": "string", "maxLength": 300},
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
READ_ONLY_URL = {"type": "string", "format": "uri", "readOnly": True}

SCHEMAS = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "additionalProperties": False,
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message", "fields"],
                "additionalProperties": False,
                "properties": {
                    "code": {"type": "string", "examples": ["validation_failed"]},
                    "message": {"type": "string"},
                    "fields": {"type": "object", "additionalProperties": {"type": "string"}},
                },
            }
        },
    },
    "SeriesInput": {
        "type": "object",
        "required": ["name", "timezone"],
        "additionalProperties": False,
        "properties": SERIES_PROPERTIES,
    },
    # Not an allOf of SeriesInput: its additionalProperties: false would refuse `url`.
    "Series": {
        "type": "object",
        "required": [*SERIES_PROPERTIES, "url"],
        "properties": {**SERIES_PROPERTIES, "url": READ_ONLY_URL},
    },
    "EventInput": {
        "type": "object",
        "description": "`series` is set at creation; a change is refused.",
        "additionalProperties": False,
        "properties": EVENT_PROPERTIES,
    },
    "Event": {
        "type": "object",
        "required": [*EVENT_PROPERTIES, "slug", "seats_left", "url"],
        "properties": {
            **EVENT_PROPERTIES,
            "slug": {"type": "string", "readOnly": True},
            "seats_left": {"type": "integer", "minimum": 0, "readOnly": True},
            "url": READ_ONLY_URL,
        },
    },
}


_TEXT = {"type": "string"}
REGISTRATION_INPUT = {
    "first_name": {"type": "string", "maxLength": 80},
    "last_name": {"type": "string", "maxLength": 80},
    "email": {"type": "string", "format": "email", "maxLength": 254},
    "company": {"type": "string", "maxLength": 160},
    "job_title": {"type": "string", "maxLength": 160},
    "sector": {"type": "string", "description": "A sector key, e.g. digital, consulting, food"},
    "website": {"type": "string", "maxLength": 300},
    "phone": {"type": "string", "maxLength": 40},
    "street": {"type": "string", "maxLength": 200},
    "postcode": {"type": "string", "maxLength": 16},
    "city": {"type": "string", "maxLength": 120},
    "help_with": {"type": "string", "maxLength": 300},
    "looking_for": {"type": "string", "maxLength": 300},
    "visibility": {"type": "string", "enum": ["nobody", "attendees", "community"]},
    "language": {
        "type": "string",
        "enum": ["fr", "en"],
        "description": "Of the emails; by default the request's Accept-Language, else fr",
    },
    "nickname": {"type": "string", "description": "Honeypot: leave empty"},
}
SCHEMAS["RegistrationInput"] = {
    "type": "object",
    "required": ["first_name", "last_name", "email", "visibility"],
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
        "code": {
            "type": "string",
            "maxLength": 300,
            "description": "The ticket code, or the whole URL its QR code holds",
        },
        "event": {
            "type": "string",
            "description": "Slug of the evening at this door; without it, the code's own "
            "evening if it is on now (12 hours either side), else wrong_event",
        },
        "door": {"type": "string", "maxLength": 40, "description": "Name of this door"},
        "request_id": {
            "type": "string",
            "maxLength": 64,
            "description": "One per scan: a retry with the same id gets the same answer",
        },
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
        **{name: schema for name, schema in REGISTRATION_INPUT.items() if name != "nickname"},
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
        }
    },
    "/events": {
        "get": {
            "summary": "Events of the series the token's user works on, newest first",
            "operationId": "listEvents",
            "parameters": [
                {"name": "series", "in": "query", "schema": {"type": "string"}},
                {
                    "name": "status",
                    "in": "query",
                    "schema": STATUS,
                },
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
                "409": _error("Signups are not open (not yet, closed, or cancelled)"),
                "429": _error("Too many signups from this client"),
                **BODY_ERRORS,
            },
        },
        "get": {
            "summary": "The event's registrations (organisers)",
            "operationId": "listRegistrations",
            "parameters": [
                SLUG,
                {
                    "name": "status",
                    "in": "query",
                    "schema": {"enum": ["confirmed", "waitlisted", "cancelled"]},
                },
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
                {"name": "event", "in": "query", "schema": {"type": "string"}},
            ],
            "responses": {
                "200": {"description": "What happened", **_json(_ref("UndoAnswer"))},
                **ERRORS,
                "404": _error("No such event"),
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


def openapi_document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "meetup organiser API",
            "version": "1",
            "description": "Series and events for club websites and scanner apps. "
            "Send `Authorization: Bearer TOKEN`; tokens act with their user's role.",
        },
        "servers": [{"url": current_app.config["BASE_URL"] + "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": PATHS,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
