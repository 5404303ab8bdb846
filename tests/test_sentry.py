"""Errors to Sentry when SENTRY_DSN is set: the envelope that reaches a Sentry server (one
this test runs on loopback) names the route pattern and the request id, and nothing
personal: no token, email, name, cookie, query string or body."""

from __future__ import annotations

import contextlib
import gzip
import json
import secrets
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sentry_sdk

from meetup import create_app
from meetup.config import TestConfig
from meetup.ops import sentry


class FakeSentry(ThreadingHTTPServer):
    """Records every envelope POSTed to /api/<project>/envelope/."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.envelopes: list[tuple[str, bytes]] = []
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def dsn(self) -> str:
        return f"http://public0key@127.0.0.1:{self.server_address[1]}/42"

    def items(self) -> list[tuple[dict, dict | bytes]]:
        """(item header, payload) of every envelope received."""
        found = []
        for _, body in self.envelopes:
            lines = body.split(b"\n")
            position = 1  # lines[0] is the envelope's own header
            while position < len(lines) and lines[position]:
                header = json.loads(lines[position])
                payload = lines[position + 1]
                with contextlib.suppress(ValueError):
                    payload = json.loads(payload)
                found.append((header, payload))
                position += 2
        return found


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        elif encoding == "br":  # the SDK's choice when brotli is installed (locust brings it)
            import brotli

            body = brotli.decompress(body)
        elif encoding:
            raise AssertionError(f"unexpected Content-Encoding {encoding}")
        self.server.envelopes.append((self.path, body))  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def fake_sentry(monkeypatch):
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    server = FakeSentry()
    server.thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def reporting_app(app, database_url, fake_sentry, tmp_path):
    """An app on the tests' database that reports to the fake Sentry; Sentry is switched
    off again afterwards (its client is global to the process)."""
    config = type(
        "Reporting",
        (TestConfig,),
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SENTRY_DSN": fake_sentry.dsn,
            "PROPAGATE_EXCEPTIONS": False,
            "WTF_CSRF_ENABLED": False,  # the form reaches the failing view
        },
    )
    reporting = create_app(config, instance_path=str(tmp_path))
    yield reporting
    sentry_sdk.flush(timeout=5)
    sentry_sdk.get_client().close(timeout=5)
    sentry_sdk.get_global_scope().set_client(None)  # other tests' errors stay here


def test_an_error_reaches_sentry_without_personal_data(reporting_app, make, fake_sentry):
    event = make.event(make.series())
    # Made now, not written here: the events carry the source lines around the error.
    token = secrets.token_urlsafe(32)
    email = f"marie.{secrets.token_hex(4)}@example.org"

    def boom(*args, **kwargs):
        raise RuntimeError(f"could not greet {email}")

    # The personal page's view, whatever its endpoint is called.
    endpoint, _ = reporting_app.url_map.bind("localhost").match(f"/r/{token}", method="POST")
    reporting_app.view_functions[endpoint] = boom
    client = reporting_app.test_client()
    client.set_cookie("session", "cookie-value-that-must-not-leave")
    response = client.post(
        f"/r/{token}?email={email}&next=/events/{event}",
        data={"first_name": "Marie", "last_name": "Dupont", "phone": "+33474000000"},
        headers={
            "X-Request-ID": "req-sentry-0001",
            "Authorization": "Bearer api-token-secret",
            "User-Agent": "Phone of Marie",
            "Referer": f"http://localhost/r/{token}",
        },
    )
    assert response.status_code == 500
    assert sentry_sdk.flush(timeout=10) is not False

    items = fake_sentry.items()
    events = [payload for header, payload in items if header.get("type") == "event"]
    assert events, items
    sent = events[0]
    assert sent["tags"]["request_id"] == "req-sentry-0001"
    assert sent["request"]["url"] == "/r/<token>"
    assert sent["request"]["method"] == "POST"
    assert sent["transaction"] == "/r/<token>"
    assert set(sent["request"]) == {"method", "url", "headers"}
    assert {k.lower() for k in sent["request"]["headers"]} <= sentry.ALLOWED_HEADERS
    assert "user" not in sent
    frames = sent["exception"]["values"][0]["stacktrace"]["frames"]
    assert frames and not any("vars" in frame for frame in frames)
    assert sent["exception"]["values"][0]["value"] == "could not greet [email]"

    everything = "\n".join(body.decode("utf-8", "replace") for _, body in fake_sentry.envelopes)
    for personal in (
        token,
        email,
        "cookie-value-that-must-not-leave",
        "api-token-secret",
        "Phone of Marie",
        "+33474000000",
        "Dupont",
        "email=",
        '127.0.0.1"',
    ):
        assert personal not in everything, personal


def test_log_errors_outside_a_request_are_reported_too(reporting_app, fake_sentry):
    """The worker's errors (logged) reach Sentry, masked, with no request in them."""
    import logging

    email = f"jean.{secrets.token_hex(4)}@example.org"
    with reporting_app.app_context():
        try:
            raise ValueError(f"550 refused by the server for <{email}>")
        except ValueError:
            logging.getLogger("meetup").exception("worker: mail round failed")
    sentry_sdk.flush(timeout=10)
    events = [p for h, p in fake_sentry.items() if h.get("type") == "event"]
    assert events
    assert "request" not in events[-1] and "request_id" not in events[-1].get("tags", {})
    assert (
        events[-1]["exception"]["values"][0]["value"] == "550 refused by the server for <[email]>"
    )
    assert email not in json.dumps(events)


def test_no_dsn_no_client(app):
    assert not app.config["SENTRY_DSN"]
    assert not sentry_sdk.get_client().is_active()
