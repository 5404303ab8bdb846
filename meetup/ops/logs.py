"""Request logs without personal data: the route pattern, never the path, query or client."""

from __future__ import annotations

import logging
import time

from flask import Flask, Response, g, request
from flask.logging import default_handler

logger = logging.getLogger("meetup.requests")


def _start_timer() -> None:
    g.request_started = time.perf_counter()


def _log_request(response: Response) -> Response:
    started = g.pop("request_started", None)
    elapsed_ms = (time.perf_counter() - started) * 1000 if started else 0.0
    # The URL rule ("/events/<slug>") is logged instead of the path: paths can carry personal
    # tokens and query strings can carry names typed into search boxes.
    rule = request.url_rule.rule if request.url_rule is not None else "<unmatched>"
    logger.info("%s %s %s %.1fms", request.method, rule, response.status_code, elapsed_ms)
    return response


def init_app(app: Flask) -> None:
    app.before_request(_start_timer)
    app.after_request(_log_request)
    if not app.debug and not app.testing:
        _log_to_stderr(app)


def _log_to_stderr(app: Flask) -> None:
    """One handler, on the root logger: the request log, the app's errors, and what the
    libraries warn about (Flask-Limiter's "storage unreachable", say: it adds a NullHandler
    of its own, so without this its warnings went nowhere). stderr is the journal."""
    root = logging.getLogger()
    if not any(getattr(h, "meetup", False) for h in root.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        handler.meetup = True  # type: ignore[attr-defined]
        root.addHandler(handler)
        if root.level == logging.NOTSET or root.level > logging.WARNING:
            root.setLevel(logging.WARNING)
    logger.setLevel(logging.INFO)
    # The app's errors go through the root's handler, once.
    app.logger.removeHandler(default_handler)
