"""The offline door's server side: the list a phone keeps (hashes of ticket codes, never the
codes), the queue's check-ins and undos by registration id (this evening's only), walk-ins
answered in JSON, the service worker and the manifest."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import select

from meetup.extensions import db
from meetup.registrations.models import Registration
from meetup.timeutil import utcnow
from tests.helpers import csrf_from, log_in

JSON = {"Accept": "application/json"}


def _setup(make):
    volunteer = make.user("door")
    series = make.series(team=(volunteer,))
    tonight = make.event(series, starts_at=utcnow() - timedelta(minutes=10))
    other = make.event(series, starts_at=utcnow() + timedelta(days=2))
    marie = make.registration(
        tonight, first_name="Marie", last_name="Dupont", company="Boulangerie"
    )
    nina = make.registration(other, first_name="Nina", last_name="Autre")
    return volunteer, tonight, marie, nina


def test_the_list_kept_on_the_phone_holds_hashes_never_codes(app, client, make):
    volunteer, tonight, marie, _nina = _setup(make)
    with app.app_context():
        code = db.session.get(Registration, marie).ticket_code
    log_in(client, volunteer)
    response = client.get(f"/door/{tonight}/offline.json")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert code not in response.get_data(as_text=True)
    (person,) = response.get_json()["people"]
    assert person["h"] == hashlib.sha256(code.encode()).hexdigest()
    assert (person["name"], person["company"], person["status"]) == (
        "Marie Dupont",
        "Boulangerie",
        "confirmed",
    )
    assert response.get_json()["until"]
    assert client.get("/door/sw.js").headers["Content-Type"].startswith("text/javascript")
    manifest = client.get("/door/manifest.webmanifest")
    assert manifest.get_json()["start_url"] == "/door/"


def test_the_queue_checks_in_and_undoes_by_id_at_this_evening_only(app, client, make):
    volunteer, tonight, marie, nina = _setup(make)
    log_in(client, volunteer)
    token = csrf_from(client.get(f"/door/{tonight}").get_data(as_text=True))
    sent = {"registration": str(marie), "request_id": "offline-1", "csrf_token": token}
    first = client.post(f"/door/{tonight}/scan", data=sent, headers=JSON).get_json()
    assert first["answer"]["tone"] == "ok" and first["counts"]["checked_in"] == 1
    again = client.post(f"/door/{tonight}/scan", data=sent, headers=JSON).get_json()
    assert again["answer"]["tone"] == "ok"  # the same request id: the same answer, once
    stranger = {"registration": str(nina), "request_id": "offline-2", "csrf_token": token}
    refused = client.post(f"/door/{tonight}/scan", data=stranger, headers=JSON).get_json()
    assert refused["answer"]["tone"] == "stop" and "Nina" not in str(refused)
    undone = client.post(
        f"/door/{tonight}/undo",
        data={"registration": str(marie), "csrf_token": token},
        headers=JSON,
    ).get_json()
    assert undone["counts"]["checked_in"] == 0
    with app.app_context():
        assert db.session.get(Registration, nina).checked_in_at is None


def test_a_queued_walk_in_sent_twice_registers_once(app, client, make):
    volunteer, tonight, _marie, _nina = _setup(make)
    log_in(client, volunteer)
    page = f"/door/{tonight}/walk-in"
    token = csrf_from(client.get(page).get_data(as_text=True))
    walk_in = {
        "first_name": "Yasmine",
        "last_name": "Haddad",
        "email": "yasmine@example.org",
        "company": "",
        "csrf_token": token,
    }
    for _ in range(2):
        answer = client.post(page, data=walk_in, headers=JSON).get_json()
        assert answer["answer"]["tone"] == "ok"
    bad = client.post(page, data={**walk_in, "email": "nope"}, headers=JSON)
    assert bad.status_code == 422 and "email" in bad.get_json()["errors"]
    with app.app_context():
        rows = db.session.scalars(
            select(Registration).where(Registration.email == "yasmine@example.org")
        ).all()
        assert len(rows) == 1 and rows[0].checked_in_at is not None


def test_a_queued_check_in_keeps_the_time_it_was_made_offline(app, client, make):
    """The queue is sent when the network is back: the arrival is when the phone let the
    person in, not when it found the network again; a time from a wrong clock (in the
    future, or more than 12 hours ago) or not a time at all is taken as sent."""
    volunteer, tonight, marie, _nina = _setup(make)
    others = [make.registration(tonight, first_name=f"P{i}") for i in range(4)]
    log_in(client, volunteer)
    token = csrf_from(client.get(f"/door/{tonight}").get_data(as_text=True))
    scanned = (utcnow() - timedelta(minutes=7)).replace(microsecond=0)
    sent = [
        (marie, scanned.isoformat().replace("+00:00", "Z"), scanned),
        (others[0], (utcnow() + timedelta(hours=1)).isoformat(), None),
        (others[1], (utcnow() - timedelta(hours=13)).isoformat(), None),
        (others[2], "yesterday-ish", None),
        (others[3], "2026-12-06T19:04:00", None),  # no zone: not a moment
    ]
    before = utcnow()
    for n, (registration, at, _expected) in enumerate(sent):
        fields = {"registration": str(registration), "request_id": f"off-{n}", "scanned_at": at}
        response = client.post(
            f"/door/{tonight}/scan", data={**fields, "csrf_token": token}, headers=JSON
        )
        assert response.status_code == 200
        assert response.get_json()["answer"]["tone"] == "ok"
    with app.app_context():
        for registration, _at, expected in sent:
            checked_in_at = db.session.get(Registration, registration).checked_in_at
            if expected is not None:
                assert checked_in_at == expected
            else:
                assert checked_in_at >= before - timedelta(seconds=1)
