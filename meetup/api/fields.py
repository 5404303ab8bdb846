"""Parsing JSON request bodies into typed values, collecting one message per bad field."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import request

from meetup.api.errors import ApiError


class Invalid(ValueError):
    pass


#: What a string field says of a lone surrogate ("\ud800" in JSON): Python holds it, but no
#: encoding can write it, so the database, an email or a log line would fail on it.
NOT_UNICODE = "must be valid Unicode text (a lone surrogate such as \\ud800 is not)"


def has_lone_surrogate(value: str) -> bool:
    """Surrogates are only ever halves of a pair in UTF-16; json.loads keeps a lone one
    as is, and a pair as the one character it stands for."""
    return any("\ud800" <= char <= "\udfff" for char in value)


def json_object() -> dict[str, Any]:
    """The request's JSON object. 400 for anything else: not JSON, nested past what the
    parser's recursion takes, or with a key no encoding can write; 422 naming each
    string field holding a lone surrogate, before anything reads them."""
    try:
        data = request.get_json(silent=True)
    except RecursionError:
        data = None
    if not isinstance(data, dict):
        raise ApiError(400, "Send a JSON object with Content-Type: application/json.")
    if any(has_lone_surrogate(name) for name in data):
        raise ApiError(400, "A field name is not valid Unicode text.")
    errors = {
        name: NOT_UNICODE
        for name, value in data.items()
        if isinstance(value, str) and has_lone_surrogate(value)
    }
    if errors:
        raise ApiError(422, "Some fields are missing or invalid.", errors)
    return data


#: RFC 3339's date-time (what OpenAPI's "date-time" format means): a date, "T", a time to
#: the second (a fraction allowed) and "Z" or an offset in hours and minutes.
RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})"
)
#: The years an evening's times may be written in: from 2000 to 2099.
FIRST_YEAR, LAST_YEAR = 2000, 2099
DATETIME_EXAMPLE = "2026-12-10T19:00:00+01:00"


def text(
    max_length: int, *, allow_empty: bool = True, strip: bool = True, multiline: bool = False
) -> Callable[[Any], str]:
    """A string; `strip=False` keeps Markdown's meaningful leading spaces; only `multiline`
    ones may hold line breaks (a title ends up in email subjects and calendar entries)."""

    def parse(value: Any) -> str:
        if not isinstance(value, str):
            raise Invalid("must be a string")
        if "\x00" in value:  # PostgreSQL refuses NUL in text columns
            raise Invalid("must not contain NUL characters")
        if has_lone_surrogate(value):
            raise Invalid(NOT_UNICODE)
        allowed = "\n\r\t" if multiline else "\t"
        if any(
            unicodedata.category(char) in {"Cc", "Zl", "Zp"} and char not in allowed
            for char in value
        ):
            raise Invalid(
                "must not contain line breaks or control characters"
                if not multiline
                else "must not contain control characters"
            )
        if strip:
            value = value.strip()
        if not value.strip() and not allow_empty:
            raise Invalid("must not be empty")
        if len(value) > max_length:
            raise Invalid(f"must be at most {max_length} characters")
        return value

    return parse


def integer(minimum: int, maximum: int) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # 40.0 is a whole number (JSON Schema's "integer" too)
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid("must be a whole number")
        if not minimum <= value <= maximum:
            raise Invalid(f"must be between {minimum} and {maximum}")
        return value

    return parse


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Invalid("must be true or false")
    return value


def aware_datetime(value: Any) -> datetime:
    """An RFC 3339 date-time with its offset, e.g. 2026-12-10T19:00:00+01:00 or ...Z, in
    the years 2000 to 2099 as written. Nothing else ISO 8601 allows (no week dates, no
    offset-less or minute-less times): what the OpenAPI document's "date-time" says."""
    if not isinstance(value, str):
        raise Invalid(f"must be an RFC 3339 date-time string, e.g. {DATETIME_EXAMPLE}")
    if not RFC3339.fullmatch(value):
        raise Invalid(
            f"must be an RFC 3339 date-time with its offset, e.g. {DATETIME_EXAMPLE} or "
            "2026-12-10T18:00:00Z"
        )
    if not FIRST_YEAR <= int(value[:4]) <= LAST_YEAR:
        raise Invalid(f"must be in the years {FIRST_YEAR} to {LAST_YEAR}")
    try:
        return datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:  # 2026-02-30, 25:00, a leap second (:60) Python has no room for
        raise Invalid(f"is not a date and time that exists, e.g. {DATETIME_EXAMPLE}") from None


def optional(parse: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def wrapped(value: Any) -> Any:
        return None if value is None else parse(value)

    return wrapped


def choice(*allowed: str) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        if value not in allowed:
            raise Invalid("must be one of " + ", ".join(allowed))
        return value

    return parse


def parse_object(
    data: dict[str, Any],
    spec: dict[str, Callable[[Any], Any]],
    *,
    required: tuple[str, ...] = (),
    read_only: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Values for the keys present in `data`; 422 listing every bad, missing or unknown field."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name in required:
        if name not in data:
            errors[name] = "is required"
    for name, raw in data.items():
        if name in read_only:
            errors[name] = "is read-only"
        elif name not in spec:
            errors[name] = "is not one this request takes"
        elif name not in errors:
            try:
                values[name] = spec[name](raw)
            except Invalid as error:
                errors[name] = str(error)
    if errors:
        raise ApiError(422, "Some fields are missing or invalid.", errors)
    return values
