"""Request logs without personal data: the route pattern, never the path, query or client."""

from __future__ import annotations

import logging
import time

from flask import Flask, Response, g, request

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
    if not app.debug and not app.testing and not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
