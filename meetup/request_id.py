"""A request id on every request: the proxy's (nginx sends `X-Request-ID $request_id`) when it
looks like one, else a random one. It is returned in the `X-Request-ID` response header, put
on every log line written during the request (meetup.ops.logs), shown in small print on the
error pages and in the API's JSON errors, and tagged on Sentry events: a person quoting it
lets an operator find the very lines of their request, with no personal data in them.
"""

from __future__ import annotations

import re
import secrets

from flask import Flask, Response, g, has_request_context, request

HEADER = "X-Request-ID"
#: What an id from the proxy may look like: nginx's 32 hex digits, a UUID, a ULID… Anything
#: else (too long, spaces, quotes, newlines that would forge log lines) is replaced.
VALID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{7,63}")


def new_request_id() -> str:
    """16 random hex digits (64 bits)."""
    return secrets.token_hex(8)


def current_request_id() -> str | None:
    """The id of the request being handled, or None outside a request (the worker, the CLI).

    Decided on first use and kept in `g`, so that a line logged before any before_request
    function ran (a routing error, say) carries the same id as the response."""
    if not has_request_context():
        return None
    found = g.get("request_id")
    if found is None:
        given = request.headers.get(HEADER, "")
        found = given if VALID.fullmatch(given) else new_request_id()
        g.request_id = found
    return found


def _return_it(response: Response) -> Response:
    response.headers[HEADER] = current_request_id() or ""
    return response


def init_app(app: Flask) -> None:
    app.after_request(_return_it)
    app.jinja_env.globals["request_id"] = current_request_id
