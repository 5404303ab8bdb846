"""JSON errors: {"error": {"code", "message", "fields", "request_id"}} with the matching HTTP
status."""

from __future__ import annotations

from flask import jsonify
from werkzeug.exceptions import HTTPException

from meetup.request_id import current_request_id

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


def sentence(text: str) -> str:
    """A field's message as a sentence, in one voice: "must be a string" becomes "This field
    must be a string."; a message that is one already stays as it is."""
    text = " ".join(str(text).split())
    if not text:
        return "This value is not valid."
    if text.startswith(("must ", "is ", "was ")):
        text = "This field " + text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


class ApiError(Exception):
    def __init__(self, status: int, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message = status, message
        self.fields = {name: sentence(text) for name, text in (fields or {}).items()}


def error_body(status: int, message: str, fields: dict[str, str] | None = None):
    response = jsonify(
        error={
            "code": CODES.get(status, "error"),
            "message": message,
            "fields": fields or {},
            # The reference to quote to the site's operators (also in X-Request-ID).
            "request_id": current_request_id() or "",
        }
    )
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="meetup"'
    return response


def api_error_response(error: HTTPException):
    status = error.code or 500
    message = {
        400: "The request could not be understood.",
        401: "A valid API token is required (Authorization: Bearer TOKEN).",
        403: "This token may not do that.",
        404: "Not found.",
        405: "Method not allowed on this resource.",
        429: "Too many requests; slow down.",
        500: "Something went wrong on our side; it has been logged.",
        503: "Unavailable for a moment; nothing was saved. Try again shortly.",
    }.get(status, error.description or error.name)
    response = error_body(status, message)
    for name, value in error.get_headers():  # Allow on a 405, Retry-After on a 429
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def handle_api_error(error: ApiError):
    return error_body(error.status, error.message, error.fields)
