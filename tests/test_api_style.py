"""One API style: every error in one shape with field messages as sentences; the series'
settings read and written through the API; the OpenAPI document names each operation's
scope and describes the webhooks."""

from __future__ import annotations

import re

import pytest

from meetup.webhooks.models import EVENT_TYPES

API = "/api/v1"
SENTENCE = re.compile(r"^[A-Z].*[.!?]$", re.DOTALL)


@pytest.fixture
def world(make):
    organiser = make.user("organiser")
    series = make.series(team=(organiser,))
    return {
        "series": series,
        "event": make.event(series),
        "token": make.api_token(organiser),
        "other": make.series(),
    }


def call(client, world, method, path, json=None):
    return client.open(
        API + path.format(**world),
        method=method,
        json=json,
        headers={"Authorization": f"Bearer {world['token']}"},
    )


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/series", {"name": 3, "timezone": "Mars/Olympus", "colour": "red"}),
        ("PATCH", "/series/{series}", {"reminder_hours": 999, "allowed_origins": "x"}),
        ("PATCH", "/series/{series}", {"allowed_origins": ["https://club.fr/page"]}),
        ("PATCH", "/events/{event}", {"series": "{other}", "capacity": -1, "url": "x"}),
        ("POST", "/events", {"series": "nope", "title": ""}),
        ("POST", "/events/{event}/registrations", {"email": "x", "share_email": "y", "z": 1}),
        ("POST", "/checkins", {"code": "", "door": 5}),
    ],
)
def test_every_field_message_is_a_sentence(client, world, method, path, body):
    body = {
        key: value.format(**world) if isinstance(value, str) else value
        for key, value in body.items()
    }
    response = call(client, world, method, path, body)
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert set(error) == {"code", "message", "fields", "request_id"}
    assert error["code"] == "validation_failed" and SENTENCE.match(error["message"])
    assert error["fields"]
    for name, message in error["fields"].items():
        assert SENTENCE.match(message), (name, message)


def test_the_series_settings_are_read_and_written(client, world):
    response = call(
        client,
        world,
        "PATCH",
        "/series/{series}",
        {
            "neighbour_radius_m": 500,
            "directory_delay_hours": None,
            "reminder_hours": 0,
            "retention_nobody_days": 14,
            "retention_checkin_days": 60,
            "contact_email": "bonjour@club.fr",
            "allowed_origins": ["HTTPS://www.Club.fr/", "http://127.0.0.1:8080"],
            "api_signups_per_hour": 50,
        },
    )
    assert response.status_code == 200, response.get_json()
    shown = call(client, world, "GET", "/series/{series}").get_json()
    assert {key: shown[key] for key in response.get_json()} == response.get_json()
    assert shown["allowed_origins"] == ["https://www.club.fr", "http://127.0.0.1:8080"]
    assert (shown["neighbour_radius_m"], shown["directory_delay_hours"]) == (500, None)
    assert (shown["reminder_hours"], shown["api_signups_per_hour"]) == (0, 50)
    # The origins now answer CORS.
    cors = client.get(
        f"{API}/public/events/{world['event']}", headers={"Origin": "https://www.club.fr"}
    )
    assert cors.headers["Access-Control-Allow-Origin"] == "https://www.club.fr"


def test_a_bad_setting_changes_nothing(client, world):
    before = call(client, world, "GET", "/series/{series}").get_json()
    response = call(
        client, world, "PATCH", "/series/{series}", {"reminder_hours": 12, "slug": "other"}
    )
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"slug"}
    assert call(client, world, "GET", "/series/{series}").get_json() == before


def test_a_series_is_created_with_its_settings(client, world):
    response = call(
        client,
        world,
        "POST",
        "/series",
        {
            "name": "Café de Lyon",
            "timezone": "Europe/Paris",
            "reminder_hours": 48,
            "allowed_origins": ["https://lyon.club.fr"],
        },
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["reminder_hours"], body["allowed_origins"]) == (48, ["https://lyon.club.fr"])


def test_another_series_settings_are_forbidden(client, world):
    response = call(client, world, "PATCH", "/series/{other}", {"reminder_hours": 1})
    assert response.status_code == 403


def test_the_document_names_scopes_and_webhooks(client, app):
    document = client.get(f"{API}/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    paths = document["paths"]
    assert paths["/series"]["get"]["security"] == [{"bearer": ["read"]}]
    assert paths["/series/{slug}"]["patch"]["security"] == [{"bearer": ["write"]}]
    assert paths["/checkins"]["post"]["security"] == [{"bearer": ["door"]}]
    assert paths["/public/events/{slug}"]["get"]["security"] == []
    assert {"bearer": ["signup"]} in paths["/events/{slug}/registrations"]["post"]["security"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            assert "security" in operation, (path, method)
    assert set(document["webhooks"]) == set(EVENT_TYPES)
    hook = document["webhooks"]["registration.created"]["post"]
    assert any(p["name"] == "Meetup-Signature" for p in hook["parameters"])
    assert "signup" in document["components"]["securitySchemes"]["bearer"]["description"]
