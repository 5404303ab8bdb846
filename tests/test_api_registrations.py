"""The registrations API: public signup for club websites, the organisers' list."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from meetup.extensions import db
from meetup.registrations.models import Registration, Source

BODY = {
    "first_name": "Zoë",
    "last_name": "O’Brien",
    "email": "zoe@example.org",
    "company": "Atelier Rhône Web",
    "visibility": "community",
    "language": "en",
}


@pytest.fixture
def event(make):
    return make.event(make.series(), capacity=1)


def test_public_signup_answers_the_status_and_nothing_personal(app, client, event):
    response = client.post(f"/api/v1/events/{event}/registrations", json=BODY)
    assert response.status_code == 201
    assert response.json == {"status": "confirmed"}
    response = client.post(
        f"/api/v1/events/{event}/registrations", json={**BODY, "email": "second@example.org"}
    )
    assert response.json == {"status": "waitlisted"}
    with app.app_context():
        rows = db.session.scalars(select(Registration).order_by(Registration.id)).all()
        assert [(r.first_name, r.source) for r in rows] == [("Zoë", Source.PUBLIC)] * 2


def test_an_existing_email_gets_a_newcomers_answer(client, event):
    client.post(f"/api/v1/events/{event}/registrations", json={**BODY, "email": "a@example.org"})
    # the event is now full: a newcomer would be waitlisted, and so is the answer for "a"
    response = client.post(
        f"/api/v1/events/{event}/registrations", json={**BODY, "email": "A@example.org"}
    )
    assert response.json == {"status": "waitlisted"}


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({**BODY, "email": "nope"}, {"email"}),
        ({**BODY, "email": "zoë@example.org"}, {"email"}),  # our mail cannot reach it
        ({**BODY, "first_name": ""}, {"first_name"}),
        ({**BODY, "visibility": "everyone"}, {"visibility"}),
        ({**BODY, "capacity": "1"}, {"capacity"}),
        ({**BODY, "first_name": 42}, {"first_name"}),
    ],
)
def test_bad_signups_are_422_with_field_errors(client, event, body, fields):
    response = client.post(f"/api/v1/events/{event}/registrations", json=body)
    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) == fields


def test_signup_on_a_closed_or_draft_event(client, make):
    series = make.series()
    cancelled = make.event(series, status="cancelled")
    draft = make.event(series, status="draft")
    assert client.post(f"/api/v1/events/{cancelled}/registrations", json=BODY).status_code == 409
    assert client.post(f"/api/v1/events/{draft}/registrations", json=BODY).status_code == 404
    assert client.post("/api/v1/events/nope/registrations", json=BODY).status_code == 404


def test_honeypot_stores_nothing(app, client, event):
    response = client.post(
        f"/api/v1/events/{event}/registrations", json={**BODY, "nickname": "bot"}
    )
    assert response.status_code == 201
    with app.app_context():
        assert db.session.scalar(select(Registration)) is None


def test_public_signup_is_rate_limited_but_not_with_an_organiser_token(app, client, make):
    organiser = make.user("organiser")
    event = make.event(make.series(team=(organiser,)), capacity=100)
    token = make.api_token(organiser)
    statuses = [
        client.post(
            f"/api/v1/events/{event}/registrations", json={**BODY, "email": f"p{n}@example.org"}
        ).status_code
        for n in range(11)
    ]
    assert statuses[:10] == [201] * 10 and statuses[10] == 429
    response = client.post(
        f"/api/v1/events/{event}/registrations",
        json={**BODY, "email": "import@example.org"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201
    with app.app_context():
        row = db.session.scalar(
            select(Registration).where(Registration.email == "import@example.org")
        )
        assert row.source is Source.API


def test_organisers_list_registrations_of_their_events_only(client, make):
    organiser, outsider = make.user("organiser"), make.user("organiser")
    event = make.event(make.series(team=(organiser,)))
    make.registrations(event, 3)
    make.registrations(event, 1, status="waitlisted")
    headers = {"Authorization": f"Bearer {make.api_token(organiser)}"}
    response = client.get(f"/api/v1/events/{event}/registrations", headers=headers)
    assert response.status_code == 200
    assert response.json["total"] == 4
    item = response.json["items"][0]
    assert {"status", "checked_in_at", "email"} <= set(item) and item["checked_in_at"] is None
    response = client.get(
        f"/api/v1/events/{event}/registrations?status=waitlisted", headers=headers
    )
    assert response.json["total"] == 1
    other = {"Authorization": f"Bearer {make.api_token(outsider)}"}
    assert client.get(f"/api/v1/events/{event}/registrations", headers=other).status_code == 403
    assert client.get(f"/api/v1/events/{event}/registrations").status_code == 401
    door = {"Authorization": f"Bearer {make.api_token(make.user('door'))}"}
    assert client.get(f"/api/v1/events/{event}/registrations", headers=door).status_code == 403
