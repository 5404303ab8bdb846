"""Webhooks: written with the change they tell of, delivered signed by the worker to a real
HTTP receiver on loopback, retried while it is down, each once and in order per
registration; personal fields only as consents allow; the admin's log and "send again"."""

from __future__ import annotations

import json
import socket
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from meetup.extensions import db
from meetup.privacy import erasure
from meetup.registrations import services as registration_services
from meetup.registrations.models import Registration
from meetup.timeutil import utcnow
from meetup.webhooks import delivery
from meetup.webhooks.models import EVENT_TYPES, DeliveryStatus, WebhookDelivery, WebhookEndpoint
from meetup.webhooks.signing import signature, verify
from tests.fakes import WebhookReceiver
from tests.helpers import csrf_from, log_in

API = "/api/v1"
SECRET = "whsec_test-secret-0123456789"


@pytest.fixture
def receiver():
    receiver = WebhookReceiver(SECRET)
    yield receiver
    receiver.stop()


@pytest.fixture
def world(app, make, receiver):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True  # the receiver is on loopback
    organiser = make.user("organiser")
    series = make.series(team=(organiser,))
    with app.app_context():
        from meetup.events.models import Series

        series_id = db.session.scalar(select(Series.id).where(Series.slug == series))
        db.session.add(
            WebhookEndpoint(
                series_id=series_id,
                url=receiver.url,
                secret=SECRET,
                events=" ".join(EVENT_TYPES),
            )
        )
        db.session.commit()
    tonight = make.event(series, starts_at=(utcnow() + timedelta(hours=1)).replace(microsecond=0))
    return {
        "series": series,
        "tonight": tonight,
        "organiser": organiser,
        "token": make.api_token(organiser),
    }


def sign_up(client, event, email, **consents):
    body = {"first_name": "Zoé", "last_name": "Martin", "email": email, **consents}
    response = client.post(f"{API}/events/{event}/registrations", json=body)
    assert response.status_code == 201


def deliveries(app) -> list[WebhookDelivery]:
    with app.app_context():
        rows = db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def run_worker(app, now=None, rounds=1):
    with app.app_context():
        for _ in range(rounds):
            delivery.deliver_due(now=now)
            db.session.remove()


# -- the signature ---------------------------------------------------------------------------


def test_the_documented_verification_accepts_ours_and_refuses_a_change():
    import time

    now = int(time.time())
    body = b'{"type":"registration.created"}'
    header = signature(SECRET, now, body)
    assert verify(SECRET, header, body)
    assert not verify(SECRET, header, body + b" ")
    assert not verify("another secret", header, body)
    assert not verify(SECRET, signature(SECRET, now - 3600, body), body)  # a replay
    assert not verify(SECRET, "garbage", body)


# -- the outbox: written with the change -------------------------------------------------------


def test_each_change_becomes_a_delivery_in_its_own_transaction(app, client, make, world):
    sign_up(client, world["tonight"], "zoe@example.org")
    with app.app_context():
        registration = db.session.scalar(select(Registration))
        registration_services.cancel(registration)
    types = [(d.event_type, d.sequence_key) for d in deliveries(app)]
    registration_id = types[-1][1]
    assert types[0][0] == "event.published"
    assert [t for t, _ in types[1:]] == ["registration.created", "registration.cancelled"]
    assert registration_id.startswith("registration:")


def test_a_series_without_endpoints_writes_nothing(app, client, make):
    event = make.event(make.series())
    sign_up(client, event, "zoe@example.org")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(WebhookDelivery)) == 0


# -- delivery: down, then back -----------------------------------------------------------------


def test_a_receiver_down_then_back_gets_every_event_once_in_order(
    app, client, make, world, receiver
):
    sign_up(client, world["tonight"], "anna@example.org")
    sign_up(client, world["tonight"], "bruno@example.org")
    with app.app_context():
        anna = db.session.scalar(
            select(Registration).where(Registration.email == "anna@example.org")
        )
        bruno_code = db.session.scalar(
            select(Registration.ticket_code).where(Registration.email == "bruno@example.org")
        )
        anna_id = anna.id
        registration_services.cancel(anna)
    checkin = client.post(
        f"{API}/checkins",
        json={"code": bruno_code, "event": world["tonight"]},
        headers={"Authorization": f"Bearer {world['token']}"},
    )
    assert checkin.get_json()["status"] == "ok"
    expected = {d.sequence_key: [] for d in deliveries(app)}
    for d in deliveries(app):
        expected[d.sequence_key].append(d.event_type)
    assert len(deliveries(app)) == 5

    # Down (nothing listens on the port): each key's first delivery is tried, then waits.
    run_worker(app, rounds=3)
    rows = deliveries(app)
    assert receiver.received == []
    assert all(d.status is DeliveryStatus.PENDING for d in rows)
    tried = {d.sequence_key for d in rows if d.attempts}
    assert len(tried) == len(expected)  # one per key, the first in line
    assert all(d.attempts <= 1 for d in rows)
    assert all("unreachable" in d.last_error for d in rows if d.attempts)

    # Back: later rounds (past the backoff) deliver everything, each once, in order.
    receiver.start()
    later = utcnow() + timedelta(hours=2)
    for _ in range(6):
        run_worker(app, now=later)
    rows = deliveries(app)
    assert [d.status for d in rows] == [DeliveryStatus.DELIVERED] * 5
    assert receiver.bad_signatures == 0
    ids = [r["body"]["id"] for r in receiver.received]
    assert len(ids) == len(set(ids)) == 5
    event_key = next(d.sequence_key for d in rows if d.event_type == "event.published")
    got: dict[str, list[str]] = {}
    for item in receiver.received:
        data = item["body"]["data"]
        key = event_key if item["event"].startswith("event.") else f"registration:{data['id']}"
        got.setdefault(key, []).append(item["event"])
    assert got == expected
    assert got[f"registration:{anna_id}"] == ["registration.created", "registration.cancelled"]


def test_a_refusal_is_retried_with_backoff_then_fails(app, client, world, receiver):
    app.config["WEBHOOK_MAX_ATTEMPTS"] = 2
    receiver.secret = "not the endpoint's secret"  # the receiver answers 401
    receiver.start()
    run_worker(app)
    (published,) = deliveries(app)
    assert (published.status, published.attempts, published.response_status) == (
        DeliveryStatus.PENDING,
        1,
        401,
    )
    assert published.next_attempt_at > utcnow() + timedelta(seconds=50)
    run_worker(app)  # not due yet
    assert deliveries(app)[0].attempts == 1
    run_worker(app, now=utcnow() + timedelta(minutes=5))
    assert deliveries(app)[0].status is DeliveryStatus.FAILED


def test_loopback_receivers_are_refused_unless_allowed(app, world, receiver):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = False
    receiver.start()
    run_worker(app)
    (published,) = deliveries(app)
    assert published.status is DeliveryStatus.FAILED
    assert "private or loopback" in published.last_error
    assert receiver.received == []


def test_a_name_that_changes_its_answer_cannot_reach_a_private_address(
    app, world, receiver, monkeypatch
):
    """DNS rebinding: the receiver's name answers a public address when it is checked and
    this host's loopback at the next lookup. The delivery connects to the address it checked,
    never asks twice, and loopback gets nothing. (Connections are recorded and refused here:
    the test machine's network must not decide the outcome.)"""
    app.config["WEBHOOK_ALLOW_PRIVATE"] = False
    receiver.start()
    port = int(receiver.url.rsplit(":", 1)[1].split("/", 1)[0])
    answers = iter(["93.184.215.14", "127.0.0.1", "127.0.0.1"])
    lookups, connections = [], []

    def rebinding(host, *args, **kwargs):
        lookups.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]

    real_connect = socket.create_connection

    def recorded(address, *args, **kwargs):
        connections.append(address[0])
        if address[0] == "127.0.0.1":
            return real_connect(address, *args, **kwargs)
        raise ConnectionRefusedError("not from the test machine")

    monkeypatch.setattr(delivery.socket, "getaddrinfo", rebinding)
    monkeypatch.setattr(delivery.socket, "create_connection", recorded)
    with app.app_context():
        endpoint = db.session.scalar(select(WebhookEndpoint))
        endpoint.url = receiver.url.replace("127.0.0.1", "hooks.example.org")
        db.session.commit()
    run_worker(app)
    (published,) = deliveries(app)
    assert published.status is DeliveryStatus.PENDING  # unreachable: tried again later
    assert "unreachable" in published.last_error
    assert receiver.received == []
    assert (lookups, connections) == (["hooks.example.org"], ["93.184.215.14"])


# -- what a body says -----------------------------------------------------------------------


def test_personal_fields_only_as_the_person_allows(app, client, world, receiver):
    sign_up(client, world["tonight"], "discreet@example.org")
    sign_up(
        client,
        world["tonight"],
        "open@example.org",
        visibility="community",
        share_email=True,
        phone="06 12 34 56 78",
    )
    receiver.start()
    run_worker(app, rounds=2)
    bodies = {
        r["body"]["data"].get("email", "?"): r["body"]["data"]
        for r in receiver.received
        if r["event"] == "registration.created"
    }
    discreet = bodies.pop("?")
    assert discreet["shared"] == []
    assert not {"first_name", "last_name", "email", "phone", "street"} & set(discreet)
    assert "discreet" not in json.dumps(discreet)
    opened = bodies["open@example.org"]
    assert opened["first_name"] == "Zoé" and "phone" not in opened  # phone not shared
    assert "email" in opened["shared"] and "phone" not in opened["shared"]


def test_erasing_someone_deletes_what_the_webhooks_said_and_tells_receivers(
    app, client, world, receiver
):
    """What the bodies said of the person goes, sent or not; the receivers get
    registration.erased (the id and the evening, nothing personal) to erase their copy."""
    sign_up(client, world["tonight"], "zoe@example.org")
    with app.app_context():
        registration = db.session.scalar(select(Registration))
        registration_id = registration.id
        erasure.erase([registration])
        said = db.session.scalars(
            select(WebhookDelivery.event_type).where(
                WebhookDelivery.registration_id == registration_id
            )
        ).all()
        assert said == ["registration.erased"]
    receiver.start()
    run_worker(app, rounds=2)
    notices = [hook for hook in receiver.received if hook["event"] == "registration.erased"]
    assert [notice["body"]["data"] for notice in notices] == [
        {"id": registration_id, "event": {"slug": world["tonight"]}}
    ]
    assert "zoe" not in json.dumps(notices).lower()


def test_the_erasure_notice_goes_only_to_endpoints_told_of_people(app, client, world):
    with app.app_context():
        endpoint = db.session.scalar(select(WebhookEndpoint))
        endpoint.events = "event.published event.changed"
        db.session.commit()
    sign_up(client, world["tonight"], "zoe@example.org")
    with app.app_context():
        erasure.erase([db.session.scalar(select(Registration))])
        assert (
            "registration.erased"
            not in db.session.scalars(select(WebhookDelivery.event_type)).all()
        )


# -- the admin ------------------------------------------------------------------------------


def test_the_organiser_adds_a_webhook_sees_its_log_and_sends_again(app, client, world, receiver):
    log_in(client, world["organiser"])
    url = f"/admin/series/{world['series']}/webhooks"
    page = client.get(url).get_data(as_text=True)
    bad = client.post(
        url, data={"csrf_token": csrf_from(page), "url": "crm.club.fr/hooks", "events": []}
    )
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "An address starting with https://, please." in text
    assert "Choose at least one." in text
    assert 'value="crm.club.fr/hooks"' in text
    response = client.post(
        url,
        data={
            "csrf_token": csrf_from(page),
            "url": "https://crm.club.fr/hooks",
            "events": ["registration.created"],
        },
    )
    assert response.status_code == 302
    endpoint_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "whsec_" in endpoint_page
    # The fixture's endpoint: deliver, then send one again.
    receiver.start()
    run_worker(app)
    with app.app_context():
        first = db.session.scalar(select(WebhookEndpoint).order_by(WebhookEndpoint.id))
        endpoint_id = first.id
    log = client.get(f"{url}/{endpoint_id}").get_data(as_text=True)
    assert "event.published" in log and "delivered" in log
    delivery_id = deliveries(app)[0].id
    client.post(
        f"{url}/{endpoint_id}/deliveries/{delivery_id}/again",
        data={"csrf_token": csrf_from(log)},
    )
    assert deliveries(app)[0].status is DeliveryStatus.PENDING
    run_worker(app)
    assert [r["event"] for r in receiver.received] == ["event.published", "event.published"]
    assert receiver.received[0]["body"]["id"] == receiver.received[1]["body"]["id"]


def test_another_series_webhook_is_404(client, make, world):
    other = make.user("organiser")
    their_series = make.series(team=(other,))
    log_in(client, other)
    assert client.get(f"/admin/series/{their_series}/webhooks/1").status_code == 404
    assert client.get(f"/admin/series/{world['series']}/webhooks/1").status_code == 403


def test_workers_at_once_deliver_each_event_once(app, client, world, receiver):
    """Four workers claiming together (SKIP LOCKED on PostgreSQL, the writer lock on
    SQLite): every delivery goes out once."""
    import threading

    for n in range(12):
        client.environ_base["REMOTE_ADDR"] = f"10.6.0.{n + 1}"  # the per-address limit
        sign_up(client, world["tonight"], f"person{n}@example.org")
    receiver.start()
    start = threading.Barrier(4)
    errors = []

    def worker():
        start.wait()
        try:
            with app.app_context():
                delivery.deliver_due(limit=3)
                db.session.remove()
        except Exception as error:  # pragma: no cover - shown by the assert below
            errors.append(repr(error))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    run_worker(app)  # whatever a worker gave back
    assert errors == []
    ids = [r["body"]["id"] for r in receiver.received]
    assert len(ids) == len(set(ids)) == 13
    assert all(d.status is DeliveryStatus.DELIVERED for d in deliveries(app))


def test_the_daily_purge_deletes_old_deliveries_but_not_those_still_to_send(app, world):
    """Bodies may hold what people agreed to share with the club's tools: a delivered or
    failed one goes after WEBHOOK_KEEP_DAYS (30); one still waiting is kept whatever its age."""
    old = utcnow() - timedelta(days=31)
    with app.app_context():
        endpoint_id = db.session.scalar(select(WebhookEndpoint.id))
        for status, created_at in [
            (DeliveryStatus.DELIVERED, old),
            (DeliveryStatus.FAILED, old),
            (DeliveryStatus.PENDING, old),
            (DeliveryStatus.DELIVERED, utcnow() - timedelta(days=29)),
        ]:
            db.session.add(
                WebhookDelivery(
                    endpoint_id=endpoint_id,
                    event_type="registration.created",
                    sequence_key="purge-test",
                    body="{}",
                    status=status,
                    created_at=created_at,
                )
            )
        db.session.commit()
        assert delivery.purge_job() == "2 old webhook deliveries deleted"
        left = db.session.scalars(
            select(WebhookDelivery.status).where(WebhookDelivery.sequence_key == "purge-test")
        ).all()
        assert sorted(left) == sorted([DeliveryStatus.PENDING, DeliveryStatus.DELIVERED])
        assert delivery.purge_job() is None
