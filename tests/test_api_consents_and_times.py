"""What the API takes from whom, and how it writes time: consents only from the person, a
deactivated account's tokens gone for good, date-times in RFC 3339 within 2000-2099, the
emails of an API signup in the language the request asks for."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from meetup.auth import services as auth_services
from meetup.auth.models import User
from meetup.extensions import db
from meetup.privacy.models import ConsentRecord
from meetup.registrations.models import Registration, Source, Visibility
from tests.helpers import csrf_from, outbox

API = "/api/v1"
BODY = {
    "first_name": "Zoé",
    "last_name": "Martin",
    "email": "zoe@example.org",
    "visibility": "community",
}
#: RFC 3339 as the OpenAPI document's "date-time" means it: the offset in hours and minutes.
RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})",
)


@pytest.fixture
def organiser(make):
    email = make.user("organiser")
    series = make.series(team=(email,))
    return {"email": email, "event": make.event(series), "token": make.api_token(email)}


def the_registration(app) -> Registration:
    with app.app_context():
        registration = db.session.scalars(select(Registration)).one()
        db.session.expunge(registration)
        return registration


def consent_values(app) -> dict[str, list[tuple[str, str]]]:
    with app.app_context():
        records = db.session.scalars(select(ConsentRecord).order_by(ConsentRecord.id))
        found: dict[str, list[tuple[str, str]]] = {}
        for record in records:
            found.setdefault(record.consent, []).append((record.value, record.how))
        return found


# -- consents only from the person ---------------------------------------------------------


def test_an_organiser_token_cannot_give_someone_s_consent(app, client, organiser):
    """A club's back end signing someone up is not the person choosing who sees their card:
    the card stays visible to nobody, as when an organiser adds a person by hand."""
    response = client.post(
        f"{API}/events/{organiser['event']}/registrations",
        json=BODY,
        headers={"Authorization": f"Bearer {organiser['token']}"},
    )
    assert response.status_code == 201
    registration = the_registration(app)
    assert (registration.source, registration.visibility) == (Source.API, Visibility.NOBODY)
    assert consent_values(app)["visibility"] == [("nobody", "organiser")]


def test_without_a_token_the_person_s_own_choice_is_recorded(app, client, organiser):
    response = client.post(f"{API}/events/{organiser['event']}/registrations", json=BODY)
    assert response.status_code == 201
    assert the_registration(app).visibility is Visibility.COMMUNITY
    assert consent_values(app)["visibility"] == [("community", "api")]


def test_a_signup_that_chooses_nothing_is_seen_by_nobody(app, client, organiser):
    body = {key: value for key, value in BODY.items() if key != "visibility"}
    response = client.post(f"{API}/events/{organiser['event']}/registrations", json=body)
    assert response.status_code == 201
    assert the_registration(app).visibility is Visibility.NOBODY


@pytest.mark.parametrize("with_token", [False, True])
@pytest.mark.parametrize(
    "consent",
    ["share_email", "share_phone", "share_address", "accept_introductions", "street_on_badge"],
)
def test_a_consent_is_true_or_false_not_a_string(app, client, organiser, consent, with_token):
    """The form's "y" is a checkbox's value; JSON says true (tests/test_api_consents.py)."""
    headers = {"Authorization": f"Bearer {organiser['token']}"} if with_token else {}
    response = client.post(
        f"{API}/events/{organiser['event']}/registrations",
        json={**BODY, consent: "y"},
        headers=headers,
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {consent: "This field must be true or false."}
    with app.app_context():
        assert db.session.scalars(select(Registration)).all() == []


def test_the_document_says_whose_consent_it_is(client):
    document = client.get(f"{API}/openapi.json").get_json()
    schema = document["components"]["schemas"]["RegistrationInput"]
    assert "visibility" not in schema["required"]
    assert "organiser token" in schema["properties"]["visibility"]["description"]
    assert "nobody" in schema["properties"]["visibility"]["description"]


# -- tokens of a deactivated account ---------------------------------------------------------


def test_reactivating_an_account_does_not_bring_its_tokens_back(app, client, make, login):
    email = make.user("organiser")
    token = make.api_token(email)
    with app.app_context():
        user_id = auth_services.find_user_by_email(email).id
    login("admin")
    page = client.get("/admin/users").get_data(as_text=True)
    for action, said in [
        ("deactivate", "can no longer log in; their API tokens are revoked."),
        ("reactivate", "can log in again; their former API tokens stay revoked."),
    ]:
        response = client.post(
            f"/admin/users/{user_id}/{action}",
            data={"csrf_token": csrf_from(page)},
            follow_redirects=True,
        )
        assert said in response.get_data(as_text=True)
        page = response.get_data(as_text=True)
    response = client.get(f"{API}/events", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    fresh = make.api_token(email)
    response = client.get(f"{API}/events", headers={"Authorization": f"Bearer {fresh}"})
    assert response.status_code == 200


def test_tokens_left_by_an_older_deactivation_go_at_reactivation(app, client, make):
    """Accounts deactivated before tokens were revoked with them: reactivating one revokes
    its tokens then, as of the deactivation."""
    email = make.user("organiser")
    token = make.api_token(email)
    deactivated_at = datetime(2026, 1, 5, 9, tzinfo=UTC)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        user.deactivated_at = deactivated_at  # as the old deactivate_user left it
        db.session.commit()
        auth_services.reactivate_user(user)
        assert [t.revoked_at for t in user.api_tokens] == [deactivated_at]
    response = client.get(f"{API}/events", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


# -- date-times ------------------------------------------------------------------------------


def test_times_before_standard_time_are_given_in_utc_not_with_a_seconds_offset(
    app, client, make, organiser
):
    """Europe/Paris was 9 min 21 s ahead of UTC until 1911 (local mean time): written in
    the series' zone, such a time would end "+00:09:21", which RFC 3339 has no room for.
    The API takes no such date any more, but the admin pages and older data may hold one."""
    series = make.series(team=(organiser["email"],))
    old = make.event(series, starts_at=datetime(1900, 6, 1, 18, tzinfo=UTC))
    body = client.get(
        f"{API}/events/{old}", headers={"Authorization": f"Bearer {organiser['token']}"}
    ).get_json()
    assert body["starts_at"] == "1900-06-01T18:00:00+00:00"
    assert RFC3339.fullmatch(body["ends_at"])
    recent = client.get(
        f"{API}/events/{organiser['event']}",
        headers={"Authorization": f"Bearer {organiser['token']}"},
    ).get_json()
    assert re.search(r"[+-]0[12]:00$", recent["starts_at"])  # the series' own zone


def test_every_time_the_api_writes_is_rfc_3339(app, client, make, organiser):
    make.registration(organiser["event"], checked_in_at=datetime(2026, 12, 10, 18, tzinfo=UTC))
    headers = {"Authorization": f"Bearer {organiser['token']}"}
    items = client.get(
        f"{API}/events/{organiser['event']}/registrations", headers=headers
    ).get_json()["items"]
    event = client.get(f"{API}/events/{organiser['event']}", headers=headers).get_json()
    times = [
        value
        for record in [*items, event]
        for name, value in record.items()
        if name.endswith("_at") and value is not None
    ]
    assert len(times) >= 5
    assert all(RFC3339.fullmatch(value) for value in times), times


def test_the_document_states_the_years_and_the_format(client):
    schemas = client.get(f"{API}/openapi.json").get_json()["components"]["schemas"]
    starts_at = schemas["EventInput"]["properties"]["starts_at"]
    assert starts_at["format"] == "date-time"
    assert "2000" in starts_at["description"] and "2099" in starts_at["description"]


# -- the language of an API signup's emails ---------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "subject"),
    [
        ("fr-FR,fr;q=0.9", "C’est noté\u00a0: "),
        ("en-GB,en;q=0.8", "You're in: "),
        ("de-DE", "C’est noté\u00a0: "),  # neither: the default language, French
    ],
)
def test_an_api_signup_s_emails_follow_accept_language(app, client, organiser, accept, subject):
    body = {key: value for key, value in BODY.items()}
    response = client.post(
        f"{API}/events/{organiser['event']}/registrations",
        json=body,
        headers={"Accept-Language": accept},
    )
    assert response.status_code == 201
    [message] = outbox(app, "confirmation")
    assert str(message["Subject"]).startswith(subject)


def test_a_language_sent_wins_over_accept_language(app, client, organiser):
    response = client.post(
        f"{API}/events/{organiser['event']}/registrations",
        json={**BODY, "language": "en"},
        headers={"Accept-Language": "fr"},
    )
    assert response.status_code == 201
    assert the_registration(app).language == "en"


def test_the_api_answers_in_english_whatever_the_request_s_language(client, organiser):
    """Its answers are for the club's programs, in the language the document is written in."""
    response = client.post(
        f"{API}/events/{organiser['event']}/registrations",
        json={**BODY, "email": "pas-un-email"},
        headers={"Accept-Language": "fr"},
    )
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["message"] == "Some fields are missing or invalid."
    assert error["fields"] == {"email": "This email address is not valid."}
