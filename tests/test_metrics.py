"""/metrics: who may read it, what it says after a signup and a check-in, and gunicorn's
workers added up (prometheus_client's multiprocess mode, for real)."""

from __future__ import annotations

import json
import socket
import time
import urllib.request
from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from meetup.extensions import db
from meetup.ops import heartbeat
from meetup.timeutil import utcnow
from tests.helpers import post_form, signup_data
from tests.servers import Gunicorn

TOKEN = "metrics-token-0123456789abcdef"
#: A request as nginx forwards it: from 127.0.0.1, with X-Forwarded-For.
PROXIED = {"X-Forwarded-For": "203.0.113.7"}
REMOTE = {"REMOTE_ADDR": "203.0.113.7"}


def samples(text: str) -> dict[tuple[str, tuple], float]:
    """{(sample name, sorted labels): value} of an exposition."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(found: dict, name: str, **labels) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def token(app, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)
    return TOKEN


# -- access ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "environ"),
    [({}, REMOTE), (PROXIED, {}), ({"X-Real-IP": "203.0.113.7"}, {}), ({"Forwarded": "for=x"}, {})],
)
def test_without_a_token_only_loopback_directly(client, headers, environ):
    response = client.get("/metrics", headers=headers, environ_base=environ)
    assert response.status_code == 404
    assert b"meetup_" not in response.data


def test_loopback_directly_may_read_without_a_token(client):
    for address in ("127.0.0.1", "::1", "127.0.0.2"):
        response = client.get("/metrics", environ_base={"REMOTE_ADDR": address})
        assert response.status_code == 200, address
        assert response.mimetype == "text/plain"
        assert (
            b"meetup_http_requests_total" in response.data or b"meetup_database_up" in response.data
        )


def test_with_a_token(client, token):
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get("/metrics", headers=PROXIED | bearer).status_code == 200
    assert client.get("/metrics", headers=bearer, environ_base=REMOTE).status_code == 200
    wrong = client.get("/metrics", headers=PROXIED | {"Authorization": f"Bearer {token}x"})
    assert wrong.status_code == 401
    assert wrong.headers["WWW-Authenticate"].startswith("Bearer")
    assert b"meetup_" not in wrong.data
    for bad in ("Bearer", "Bearer ", f"Basic {token}", token, "Bearer \x00", "Bearer é" * 50):
        response = client.get("/metrics", headers=PROXIED | {"Authorization": bad})
        assert response.status_code in (401, 404), bad
    assert client.get("/metrics", headers=PROXIED).status_code == 404
    # From loopback directly, no token is needed even when one is set.
    assert client.get("/metrics").status_code == 200


def test_not_rate_limited_and_not_cached(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_DEFAULT", "2 per minute")
    statuses = {client.get("/metrics").status_code for _ in range(5)}
    assert statuses == {200}
    assert client.get("/metrics").headers["Cache-Control"] == "no-store"


# -- content --------------------------------------------------------------------------------------


def test_after_a_signup_and_a_check_in(app, client, make):
    organiser = make.user("organiser")
    event = make.event(make.series(team=(organiser,)), capacity=1)
    before = samples(client.get("/metrics").get_data(as_text=True))

    for n in range(2):  # a seat, then the waitlist
        data = signup_data(email=f"metrics{n}@example.org")
        assert post_form(client, f"/events/{event}/signup", data).status_code == 302
    with app.app_context():
        from meetup.auth.models import User
        from meetup.checkin import services as checkin
        from meetup.events.models import Event
        from meetup.registrations.models import Registration, RegistrationStatus

        user = db.session.scalar(db.select(User).where(User.email == organiser))
        tonight = db.session.scalar(db.select(Event).where(Event.slug == event))
        code = db.session.scalar(
            db.select(Registration.ticket_code).where(
                Registration.status == RegistrationStatus.CONFIRMED
            )
        )
        answers = [checkin.check_in(c, user, event=tonight).status for c in (code, code, "nope")]
        assert answers == ["ok", "already", "unknown"]
    with app.app_context():
        heartbeat.beat("host:1", now=utcnow() - timedelta(seconds=90))

    after = samples(client.get("/metrics").get_data(as_text=True))

    def grew(name, **labels) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("meetup_signups_total", outcome="confirmed", source="public") == 1
    assert grew("meetup_signups_total", outcome="waitlisted", source="public") == 1
    assert grew("meetup_checkins_total", answer="ok") == 1
    assert grew("meetup_checkins_total", answer="already") == 1
    assert grew("meetup_checkins_total", answer="unknown") == 1
    signup_route = {"method": "POST", "route": "/events/<slug>/signup", "status": "302"}
    assert grew("meetup_http_requests_total", **signup_route) == 2
    latency = {"method": "POST", "route": "/events/<slug>/signup"}
    assert grew("meetup_http_request_duration_seconds_count", **latency) == 2
    assert value(after, "meetup_http_request_duration_seconds_bucket", **latency, le="+Inf") >= 2
    # Read from the database at scrape time.
    assert value(after, "meetup_database_up") == 1
    assert value(after, "meetup_outbox_due_messages") == 2  # the two signups' emails
    assert value(after, "meetup_registrations_by_location_state", state="pending") == 2
    assert value(after, "meetup_registrations_by_location_state", state="found") == 0
    assert 85 <= value(after, "meetup_worker_heartbeat_age_seconds") < 3600


def test_labels_hold_no_path_and_stay_bounded(app, client, make):
    make.event(make.series())
    secret = "Rl8pV3lJ0Zt2s9k4Qn1xWm7yBc5dEf6g"
    client.get(f"/r/{secret}?email=marie.dupont@example.org")
    client.open("/", method="BREW")  # a method nobody routes
    text = client.get("/metrics").get_data(as_text=True)
    assert secret not in text and "marie" not in text and "example.org" not in text
    found = samples(text)
    assert value(
        found, "meetup_http_requests_total", method="GET", route="/r/<token>", status="404"
    )
    assert value(
        found, "meetup_http_requests_total", method="other", route="<unmatched>", status="405"
    )
    assert "BREW" not in text


def test_a_worker_never_seen_is_infinitely_old_and_a_database_down_says_so(
    app, client, monkeypatch
):
    found = samples(client.get("/metrics").get_data(as_text=True))
    assert value(found, "meetup_worker_heartbeat_age_seconds") == float("inf")
    from sqlalchemy.exc import OperationalError

    from meetup.ops import health

    def down(now):
        raise OperationalError("SELECT", {}, Exception("gone"))

    monkeypatch.setattr(health, "mail_state", down)
    response = client.get("/metrics")
    assert response.status_code == 200
    found = samples(response.get_data(as_text=True))
    assert value(found, "meetup_database_up") == 0
    assert ("meetup_outbox_due_messages", ()) not in found


# -- gunicorn's workers added up --------------------------------------------------------------


def _get(url: str, headers: dict | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 (loopback)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read()


def test_gunicorn_workers_are_added_up(app, database_url, tmp_path):
    """Two sync workers: one is kept busy by a request whose headers have not all arrived,
    so the next requests go to the other; the busy one then answers too. A scrape, answered
    by either, counts every request of both. Its logs are JSON lines, every one of them."""
    folder = tmp_path / "prometheus"
    folder.mkdir()
    (folder / "counter_999999.db").write_bytes(b"left by a previous run")  # emptied at start
    with Gunicorn(
        tmp_path / "gunicorn",
        database_url=database_url,
        instance_path=app.instance_path,
        workers=2,
        env={"PROMETHEUS_MULTIPROC_DIR": str(folder), "LOG_FORMAT": "json"},
    ) as web:
        assert not (folder / "counter_999999.db").exists()
        host, port = web.address.split(":")
        with socket.create_connection((host, int(port)), timeout=10) as held:
            held.sendall(b"GET /privacy HTTP/1.1\r\nHost: x\r\n")  # not finished: a worker waits
            time.sleep(0.5)
            for _ in range(5):
                assert _get(web.url + "/privacy")[0] == 200  # the other worker
            held.sendall(b"Connection: close\r\n\r\n")
            answer = b""
            while chunk := held.recv(65536):
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 200")
        status, body = _get(web.url + "/metrics")
        assert status == 200
        assert _get(web.url + "/metrics", PROXIED)[0] == 404
        scrape = body.decode()
        counters = sorted(path.name for path in folder.glob("counter_*.db"))
        log = web.log_path.read_text()
    found = samples(scrape)
    assert (
        value(found, "meetup_http_requests_total", method="GET", route="/privacy", status="200")
        == 6
    )
    assert len(counters) == 2, counters  # one file per worker, both counted
    assert value(found, "meetup_database_up") == 1
    lines = [line for line in log.splitlines() if line.strip()]
    assert lines and all(json.loads(line)["level"] for line in lines)
    requests = [json.loads(line) for line in lines if '"meetup.requests"' in line]
    privacy = [r for r in requests if r["route"] == "/privacy"]
    assert len(privacy) == 6 and {r["status"] for r in privacy} == {200}
    assert all(len(r["request_id"]) == 16 for r in privacy)
    print(scrape)  # for people reading the test's output (pytest -s)
