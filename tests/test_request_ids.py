"""A request id on every request: taken from the proxy's X-Request-ID when it looks like one,
made otherwise; returned, on every log line of the request, on the error pages and in the
API's errors. JSON log lines when LOG_FORMAT=json, with no path in them."""

from __future__ import annotations

import io
import json
import logging
import re
import sqlite3

import pytest
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import Forbidden, TooManyRequests

from meetup import ConfigurationError, create_app
from meetup.config import Config
from meetup.ops import logs
from meetup.request_id import VALID
from tests.helpers import log_in

GENERATED = re.compile(r"[0-9a-f]{16}")


def test_an_id_from_the_proxy_is_returned(client):
    nginx_id = "0f3c1e9a7b2d4c6e8f0a1b2c3d4e5f60"
    response = client.get("/", headers={"X-Request-ID": nginx_id})
    assert response.headers["X-Request-ID"] == nginx_id


@pytest.mark.parametrize(
    "given",
    [
        "",
        "short",
        "x" * 65,
        "has space inside it",
        "line\r\nforged: header",
        "marie.dupont@example.org",
        "../../etc/passwd",
        "<script>alert(1)</script>",
        "-leading-dash-id",
    ],
)
def test_an_id_that_does_not_look_like_one_is_replaced(client, given):
    response = client.get("/", headers={"X-Request-ID": given} if "\n" not in given else {})
    assert response.status_code == 200
    assert GENERATED.fullmatch(response.headers["X-Request-ID"])
    assert not VALID.fullmatch(given)


def test_each_request_gets_its_own_id(client):
    ids = {client.get("/healthz").headers["X-Request-ID"] for _ in range(5)}
    assert len(ids) == 5 and all(GENERATED.fullmatch(i) for i in ids)


def test_every_log_line_of_a_request_carries_its_id(app, client, caplog, monkeypatch):
    from meetup.events import public_views

    def noisy():
        logging.getLogger("meetup.somewhere").warning("a library says something")
        return "ok"

    monkeypatch.setitem(app.view_functions, "public.home", noisy)
    assert public_views
    with caplog.at_level(logging.INFO):
        response = client.get("/", headers={"X-Request-ID": "req-0123456789abcdef"})
    ours = [r for r in caplog.records if r.name in ("meetup.somewhere", "meetup.requests")]
    assert len(ours) == 2
    assert {r.request_id for r in ours} == {"req-0123456789abcdef"}
    assert response.headers["X-Request-ID"] == "req-0123456789abcdef"
    outside = logging.getLogRecordFactory()("x", logging.INFO, "f", 1, "m", (), None)
    assert outside.request_id is None  # the worker, the CLI


def _raiser(error: Exception):
    def view(*args, **kwargs):
        raise error

    return view


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (None, 404),
        (Forbidden(), 403),
        (TooManyRequests(), 429),
        (RuntimeError("kaboom"), 500),
        (OperationalError("SELECT", {}, sqlite3.OperationalError("database is locked")), 503),
        (CSRFError(), 400),
    ],
)
@pytest.mark.parametrize(
    ("language", "words"), [("en", "Error reference: "), ("fr", "Référence de l’erreur\u00a0: ")]
)
def test_error_pages_show_the_reference_in_small_print(
    app, client, monkeypatch, error, status, language, words
):
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    if error is not None:
        monkeypatch.setitem(app.view_functions, "public.home", _raiser(error))
    response = client.get(
        "/" if error is not None else "/no/such/page", headers={"Accept-Language": language}
    )
    assert response.status_code == status
    request_id = response.headers["X-Request-ID"]
    page = response.get_data(as_text=True)
    assert f'<p class="error-reference"><small>{words}{request_id}</small></p>' in page


def test_api_errors_carry_the_id(client):
    response = client.get("/api/v1/nope", headers={"X-Request-ID": "client-side-id-42"})
    assert response.status_code == 404
    assert response.get_json()["error"]["request_id"] == "client-side-id-42"
    assert response.headers["X-Request-ID"] == "client-side-id-42"


def test_the_id_on_a_500_from_the_api(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    monkeypatch.setitem(app.view_functions, "api.series_index", _raiser(RuntimeError("x")))
    response = client.get("/api/v1/series")
    assert response.status_code == 500
    assert response.get_json()["error"]["request_id"] == response.headers["X-Request-ID"]


# -- JSON lines -------------------------------------------------------------------------------


@pytest.fixture
def json_log(app):
    """The root logger writing JSON lines into a buffer, as LOG_FORMAT=json sets it up."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logs.formatter_for("json"))
    root = logging.getLogger()
    root.addHandler(handler)
    level = logs.logger.level
    logs.logger.setLevel(logging.INFO)
    yield buffer
    root.removeHandler(handler)
    logs.logger.setLevel(level)


def test_json_log_lines_parse_and_carry_no_path(app, client, make, json_log, monkeypatch):
    email = make.user("organiser")
    log_in(client, email)
    response = client.get(
        "/admin/events/marie-dupont-secret?q=Marie+Curie",
        headers={"X-Request-ID": "abcdef0123456789"},
    )
    assert response.status_code == 404
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    monkeypatch.setitem(
        app.view_functions, "public.home", _raiser(RuntimeError("kaboom with marie@example.org"))
    )
    failed = client.get("/?name=Marie")
    lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
    requests = [line for line in lines if line["logger"] == "meetup.requests"]
    last = next(line for line in requests if line["request_id"] == "abcdef0123456789")
    assert last == {
        "time": last["time"],
        "level": "INFO",
        "logger": "meetup.requests",
        "message": last["message"],
        "request_id": "abcdef0123456789",
        "method": "GET",
        "route": "/admin/events/<slug>",
        "status": 404,
        "duration_ms": last["duration_ms"],
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", last["time"])
    assert isinstance(last["duration_ms"], float)
    error = next(line for line in lines if line["level"] == "ERROR")
    assert error["message"] == "unhandled error on GET /"
    assert error["request_id"] == failed.headers["X-Request-ID"]
    assert "Traceback" in error["exception"]
    text = json_log.getvalue()
    for personal in ("marie-dupont-secret", "Curie", "name=Marie", email, "127.0.0.1"):
        assert personal not in text


def test_text_lines_carry_the_id_or_a_dash(app):
    formatter = logs.formatter_for("text")
    inside = logging.LogRecord("meetup.requests", logging.INFO, "f", 1, "GET / 200", (), None)
    inside.request_id = "abcdef0123456789"
    outside = logging.LogRecord("meetup.worker", logging.INFO, "f", 1, "round", (), None)
    outside.request_id = None
    assert "INFO meetup.requests [abcdef0123456789] GET / 200" in formatter.format(inside)
    assert "INFO meetup.worker [-] round" in formatter.format(outside)
    assert outside.request_id is None


def test_log_format_json_sets_up_the_root_handler(tmp_path):
    root = logging.getLogger()
    before = {h: h.formatter for h in root.handlers}
    settings = {"SECRET_KEY": "k" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    try:
        create_app(type("Prod", (Config,), settings | {"LOG_FORMAT": "json"}), str(tmp_path))
        ours = [h for h in root.handlers if getattr(h, "meetup", False)]
        assert len(ours) == 1 and isinstance(ours[0].formatter, logs.JsonFormatter)
        create_app(type("Prod", (Config,), settings | {"LOG_FORMAT": "text"}), str(tmp_path))
        assert isinstance(ours[0].formatter, logs.TextFormatter)
    finally:
        for handler in list(root.handlers):
            if handler in before:
                handler.setFormatter(before[handler])
            else:
                root.removeHandler(handler)


@pytest.mark.parametrize(
    ("setting", "value", "words"),
    [
        ("LOG_FORMAT", "xml", "LOG_FORMAT"),
        ("METRICS_TOKEN", "short", "METRICS_TOKEN"),
        ("SENTRY_TRACES_SAMPLE_RATE", "lots", "SENTRY_TRACES_SAMPLE_RATE"),
        ("SENTRY_TRACES_SAMPLE_RATE", "1.5", "SENTRY_TRACES_SAMPLE_RATE"),
        ("SENTRY_TRACES_SAMPLE_RATE", "nan", "SENTRY_TRACES_SAMPLE_RATE"),
    ],
)
def test_a_bad_setting_stops_the_start_with_a_clear_message(tmp_path, setting, value, words):
    config = type("Prod", (Config,), {"SECRET_KEY": "k" * 40, setting: value})
    with pytest.raises(ConfigurationError, match=words):
        create_app(config, instance_path=str(tmp_path))
