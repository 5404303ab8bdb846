"""Error pages in the visitor's language, JSON errors under /api/."""

from __future__ import annotations

import time

from flask import Flask, Response, current_app, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from meetup.api.errors import api_error_response
from meetup.auth.views import throttled_login_page
from meetup.extensions import db, limiter

_TEMPLATES = {403: "errors/403.html", 404: "errors/404.html", 429: "errors/429.html"}


def _wants_json() -> bool:
    return request.path.startswith("/api/")


#: A body refused as too large is still read (and dropped) up to this size before answering.
DRAIN_AT_MOST = 8 * 1024 * 1024


def _drain_body() -> None:
    """Read what is left of the request's body. The server closes the connection after the
    answer; closing with unread data resets it, and nginx, still sending the body it
    buffered, could then lose the answer and say 502 instead of our 413."""
    stream = request.environ.get("wsgi.input")
    left = min(request.content_length or 0, DRAIN_AT_MOST)
    while stream is not None and left > 0:
        chunk = stream.read(min(left, 65536))
        if not chunk:
            break
        left -= len(chunk)


def handle_http_error(error: HTTPException):
    if error.code == 413:
        _drain_body()
    if _wants_json():
        return api_error_response(error)
    if error.code == 429 and request.endpoint == "auth.login":
        return throttled_login_page()
    template = _TEMPLATES.get(error.code or 500, "errors/generic.html")
    return render_template(template, error=error), error.code


def handle_csrf_error(error: CSRFError):
    if _wants_json():
        return api_error_response(error)
    return render_template("errors/csrf.html", error=error), 400


def handle_server_error(error: Exception):
    """Flask has already logged the error (MeetupFlask.log_exception); roll back and apologise."""
    db.session.rollback()
    if _wants_json():
        return api_error_response(InternalServerError())
    return render_template("errors/500.html"), 500


#: SQLite's words for "not now" (its OperationalError also means "no such table", a bug).
_SQLITE_UNAVAILABLE = ("locked", "disk", "full", "unable to open", "i/o")
#: Seconds a client is asked to wait before trying again after a 503.
RETRY_AFTER = 30


def _unavailable(error: OperationalError) -> bool:
    """The database cannot be reached, is full, or stayed locked past the busy timeout:
    PostgreSQL's (psycopg's) OperationalError always means such a thing."""
    if type(error.orig).__module__.startswith("sqlite3"):
        return any(words in str(error.orig).lower() for words in _SQLITE_UNAVAILABLE)
    return True


def handle_database_error(error: OperationalError):
    """Nothing was saved (the transaction is rolled back); the visitor may try again in a
    moment: 503 with Retry-After instead of a 500, logged all the same."""
    db.session.rollback()
    if not _unavailable(error):
        return handle_server_error(error)
    current_app.log_exception((type(error), error, error.__traceback__))
    if _wants_json():
        response = api_error_response(ServiceUnavailable())
    else:
        response = current_app.make_response((render_template("errors/503.html"), 503))
    response.headers["Retry-After"] = str(RETRY_AFTER)
    return response


def retry_after_a_limit(response: Response) -> Response:
    """A 429 says when to try again: Retry-After, in seconds, from the limit that was
    breached (its window read from the limiter's storage only now, for a refused request).
    Flask-Limiter would add it with its X-RateLimit-* headers, which are off (config)."""
    if response.status_code != 429 or "Retry-After" in response.headers:
        return response
    limit = limiter.current_limit
    if limit is None:
        return response
    try:
        reset_at = limit.reset_at
    except Exception:  # the storage went away since the check: a minute is a fair guess
        reset_at = int(time.time()) + 60
    response.headers["Retry-After"] = str(max(1, reset_at - int(time.time())))
    return response


def init_app(app: Flask) -> None:
    app.after_request(retry_after_a_limit)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(InternalServerError, handle_server_error)
    app.register_error_handler(OperationalError, handle_database_error)
