"""Parsing JSON request bodies into typed values, collecting one message per bad field."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime
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


#: Instants a series' zone can still show (no overflow at year 1 or 9999 once shifted).
EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
LATEST = datetime(9999, 12, 30, tzinfo=UTC)


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
    """ISO 8601 with a UTC offset, e.g. 2026-12-10T19:00:00+01:00 or ...Z."""
    if not isinstance(value, str):
        raise Invalid("must be an ISO 8601 date-time string")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise Invalid("must be an ISO 8601 date-time, e.g. 2026-12-10T19:00:00+01:00") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise Invalid("needs a UTC offset, e.g. +01:00 or Z")
    try:
        in_range = EARLIEST <= parsed.astimezone(UTC) <= LATEST
    except OverflowError:
        in_range = False
    if not in_range:
        raise Invalid("must be between the years 1 and 9999")
    return parsed


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
            errors[name] = "is not a known field"
        elif name not in errors:
            try:
                values[name] = spec[name](raw)
            except Invalid as error:
                errors[name] = str(error)
    if errors:
        raise ApiError(422, "Some fields are missing or invalid.", errors)
    return values
