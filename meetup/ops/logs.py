"""Request logs without personal data: the route pattern, never the path, query or client.

Every log record carries `request_id` (meetup.request_id; None outside a request), set by
a record factory, so every line of a request, the app's and the libraries', can be found
from the id a person quotes. Outside debug and testing one handler on the root logger
writes to stderr (the journal): text lines, or one JSON object per line when
LOG_FORMAT=json (JsonFormatter, which gunicorn.conf.py uses for gunicorn's own lines too).
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime

from flask import Flask, Response, g, request
from flask.logging import default_handler

from meetup.request_id import current_request_id

logger = logging.getLogger("meetup.requests")

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
LOG_FORMATS = ("text", "json")
#: The request log's fields (JSON keys), passed as `extra`; nothing else is copied from a
#: record into a JSON line, so no stray attribute can carry personal data there.
REQUEST_FIELDS = ("method", "route", "status", "duration_ms")


def _start_timer() -> None:
    g.request_started = time.perf_counter()


def route_pattern() -> str:
    """The URL rule ("/events/<slug>"), never the path: paths can carry personal tokens."""
    return request.url_rule.rule if request.url_rule is not None else "<unmatched>"


def elapsed_seconds() -> float:
    started = g.get("request_started")
    return time.perf_counter() - started if started else 0.0


def _log_request(response: Response) -> Response:
    # The URL rule ("/events/<slug>") is logged instead of the path: paths can carry personal
    # tokens and query strings can carry names typed into search boxes.
    rule = route_pattern()
    elapsed_ms = elapsed_seconds() * 1000
    fields = {
        "method": request.method,
        "route": rule,
        "status": response.status_code,
        "duration_ms": round(elapsed_ms, 1),
    }
    logger.info(
        "%s %s %s %.1fms", request.method, rule, response.status_code, elapsed_ms, extra=fields
    )
    return response


# -- the request id on every record -----------------------------------------------------------

_base_factory = logging.getLogRecordFactory()


def _record_with_request_id(*args, **kwargs) -> logging.LogRecord:
    record = _base_factory(*args, **kwargs)
    record.request_id = current_request_id()
    return record


def install_record_factory() -> None:
    """Once per process: every record gets `request_id` (None outside a request)."""
    if logging.getLogRecordFactory() is not _record_with_request_id:
        logging.setLogRecordFactory(_record_with_request_id)


class TextFormatter(logging.Formatter):
    """`time LEVEL logger [request id] message`; "-" for a line outside a request."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        if getattr(record, "request_id", None) is None:
            record.request_id = "-"
        try:
            return super().format(record)
        finally:
            if record.request_id == "-":
                record.request_id = None


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, request_id,
    the request log's fields (method, route, status, duration_ms) and, for an error, the
    traceback as `exception`."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for name in REQUEST_FIELDS:
            if name in record.__dict__:
                line[name] = record.__dict__[name]
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def formatter_for(log_format: str) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else TextFormatter()


def init_app(app: Flask) -> None:
    install_record_factory()
    app.before_request(_start_timer)
    app.after_request(_log_request)
    if not app.debug and not app.testing:
        _log_to_stderr(app)


def _log_to_stderr(app: Flask) -> None:
    """One handler, on the root logger: the request log, the app's errors, and what the
    libraries warn about (Flask-Limiter's "storage unreachable", say: it adds a NullHandler
    of its own, so without this its warnings went nowhere). stderr is the journal."""
    root = logging.getLogger()
    formatter = formatter_for(app.config["LOG_FORMAT"])
    ours = [h for h in root.handlers if getattr(h, "meetup", False)]
    if ours:
        for handler in ours:  # another app in the same process: its format wins
            handler.setFormatter(formatter)
    else:
        handler = logging.StreamHandler()
        handler.setFormatter(formatter)
        handler.meetup = True  # type: ignore[attr-defined]
        root.addHandler(handler)
        if root.level == logging.NOTSET or root.level > logging.WARNING:
            root.setLevel(logging.WARNING)
    logger.setLevel(logging.INFO)
    # The app's errors go through the root's handler, once.
    app.logger.removeHandler(default_handler)
