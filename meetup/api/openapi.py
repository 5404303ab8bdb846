"""The OpenAPI 3.1 description of API v1. tests/test_api_openapi.py keeps it in step with the routes."""

from __future__ import annotations

from flask import current_app


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
UNPROCESSABLE = {"422": _error("Invalid fields; `fields` names each one")}
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

SCHEMAS = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message", "fields"],
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
        "properties": {
            "name": {"type": "string", "maxLength": 160},
            "city": {"type": "string", "maxLength": 120},
            "timezone": {
                "type": "string",
                "description": "IANA name",
                "examples": ["Europe/Paris"],
            },
            "slug": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$", "maxLength": 80},
            "description": {"type": "string", "description": "Markdown"},
            "default_venue_name": {"type": "string"},
            "default_venue_address": {"type": "string"},
            "default_capacity": {"type": "integer", "minimum": 0},
        },
    },
    "Series": {
        "allOf": [
            _ref("SeriesInput"),
            {
                "type": "object",
                "required": ["slug", "url"],
                "properties": {"url": {"type": "string", "format": "uri", "readOnly": True}},
            },
        ]
    },
    "EventInput": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "series": {"type": "string", "description": "The series' slug (create only)"},
            "title": {"type": "string", "maxLength": 200},
            "theme": {"type": "string", "maxLength": 200},
            "description": {"type": "string", "description": "Markdown"},
            "starts_at": DATETIME,
            "ends_at": DATETIME,
            "venue_name": {"type": "string"},
            "venue_address": {"type": "string"},
            "capacity": {"type": "integer", "minimum": 0},
            "registration_opens_at": {**DATETIME, "type": ["string", "null"]},
            "registration_closes_at": {**DATETIME, "type": ["string", "null"]},
            "status": {"type": "string", "enum": ["draft", "published", "cancelled"]},
        },
    },
    "Event": {
        "allOf": [
            _ref("EventInput"),
            {
                "type": "object",
                "required": ["slug", "series", "title", "starts_at", "ends_at", "status"],
                "properties": {
                    "slug": {"type": "string", "readOnly": True},
                    "seats_left": {"type": "integer", "readOnly": True},
                    "url": {"type": "string", "format": "uri", "readOnly": True},
                },
            },
        ]
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
                **UNPROCESSABLE,
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
                    "schema": {"enum": ["draft", "published", "cancelled"]},
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
                **UNPROCESSABLE,
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
                **UNPROCESSABLE,
            },
        },
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
