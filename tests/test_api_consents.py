"""Consents over the API: the person's own signup (no token, or the series' signup key)
carries the form's consents, recorded with how=api; an organiser's write token never sets
one (nobody, no), whatever it sends."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from meetup.extensions import db
from meetup.privacy.models import ConsentRecord
from meetup.registrations.models import CONSENT_FLAGS, Registration, Source, Visibility

API = "/api/v1"
PERSON = {"first_name": "Zoé", "last_name": "Martin", "email": "zoe@example.org"}
ALL_YES = {"visibility": "community", **{name: True for name in CONSENT_FLAGS}}


@pytest.fixture
def world(make):
    organiser = make.user("organiser")
    series = make.series(team=(organiser,))
    return {
        "event": make.event(series),
        "write": make.api_token(organiser, scopes=("write",)),
        "signup": make.signup_key(organiser, series),
    }


def _records(app) -> dict[str, tuple[str, str]]:
    with app.app_context():
        return {
            r.consent: (r.value, r.how)
            for r in db.session.scalars(select(ConsentRecord).order_by(ConsentRecord.id))
        }


def _registration(app) -> Registration:
    with app.app_context():
        registration = db.session.scalars(select(Registration)).one()
        db.session.expunge(registration)
        return registration


@pytest.mark.parametrize("caller", ["none", "signup"])
def test_the_person_s_own_signup_records_every_consent_with_how_api(app, client, world, caller):
    headers = {"Authorization": f"Bearer {world[caller]}"} if caller != "none" else {}
    response = client.post(
        f"{API}/events/{world['event']}/registrations", json={**PERSON, **ALL_YES}, headers=headers
    )
    assert response.status_code == 201
    registration = _registration(app)
    assert registration.source is Source.PUBLIC
    assert registration.visibility is Visibility.COMMUNITY
    assert all(getattr(registration, name) is True for name in CONSENT_FLAGS)
    records = _records(app)
    assert records["visibility"] == ("community", "api")
    assert {records[name] for name in CONSENT_FLAGS} == {("yes", "api")}


def test_a_consent_left_out_or_false_is_not_given(app, client, world):
    response = client.post(
        f"{API}/events/{world['event']}/registrations",
        json={**PERSON, "share_email": False, "news": True},
        headers={"Authorization": f"Bearer {world['signup']}"},
    )
    assert response.status_code == 201
    registration = _registration(app)
    assert (registration.share_email, registration.share_phone, registration.news) == (
        False,
        False,
        True,
    )
    assert registration.visibility is Visibility.NOBODY
    assert _records(app)["share_phone"] == ("no", "api")


def test_a_write_token_never_sets_a_person_s_consent(app, client, world):
    """A club's back end signing someone up is not the person ticking a box."""
    response = client.post(
        f"{API}/events/{world['event']}/registrations",
        json={**PERSON, **ALL_YES},
        headers={"Authorization": f"Bearer {world['write']}"},
    )
    assert response.status_code == 201
    registration = _registration(app)
    assert registration.source is Source.API
    assert registration.visibility is Visibility.NOBODY
    assert not any(getattr(registration, name) for name in CONSENT_FLAGS)
    records = _records(app)
    assert records["visibility"] == ("nobody", "organiser")
    assert {records[name] for name in CONSENT_FLAGS} == {("no", "organiser")}


def test_a_second_signup_cannot_change_someone_s_consents(app, client, world):
    """Anyone may type someone's email: signing up again changes nothing of theirs."""
    url = f"{API}/events/{world['event']}/registrations"
    assert client.post(url, json={**PERSON, "visibility": "nobody"}).status_code == 201
    again = client.post(url, json={**PERSON, **ALL_YES})
    assert again.status_code == 201
    registration = _registration(app)
    assert registration.visibility is Visibility.NOBODY and not registration.share_email


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"share_email": "yes"}, {"share_email": "This field must be true or false."}),
        ({"news": 1}, {"news": "This field must be true or false."}),
        ({"visibility": True}, {"visibility": "This field must be a string."}),
        ({"visibility": "everyone"}, {"visibility"}),
        (
            {"share_everything": True},
            {"share_everything": "This field is not one this request takes."},
        ),
    ],
)
def test_bad_consents_are_named_and_nothing_is_stored(app, client, world, body, fields):
    response = client.post(f"{API}/events/{world['event']}/registrations", json={**PERSON, **body})
    assert response.status_code == 422
    got = response.get_json()["error"]["fields"]
    assert (set(got) if isinstance(fields, set) else got) == fields
    with app.app_context():
        assert db.session.scalars(select(Registration)).all() == []


def test_the_document_describes_each_consent(client):
    schema = client.get(f"{API}/openapi.json").get_json()["components"]["schemas"][
        "RegistrationInput"
    ]
    for name in CONSENT_FLAGS:
        assert schema["properties"][name]["type"] == "boolean"
        assert "how=api" in schema["properties"][name]["description"]
