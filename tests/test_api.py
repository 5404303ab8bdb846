"""The organiser API v1: tokens, roles, series scoping, validation and the error shape."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from meetup.auth import services as auth_services
from meetup.events.models import Event, Series
from meetup.extensions import db

API = "/api/v1"
START = datetime(2026, 12, 10, 18, 0, tzinfo=UTC)


# -- helpers ------------------------------------------------------------------------------


def call(client, method: str, path: str, token: str | None = None, **kwargs):
    headers = dict(kwargs.pop("headers", {}))
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return client.open(API + path, method=method, headers=headers, **kwargs)


def assert_error(response, status: int, code: str, fields: set[str] | None = None) -> dict:
    """The documented error body, exactly: {"error": {"code", "message", "fields",
    "request_id"}}, the request id being the response's X-Request-ID."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "fields", "request_id"}
    assert error["request_id"] == response.headers["X-Request-ID"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"].strip()
    assert isinstance(error["fields"], dict)
    for name, message in error["fields"].items():
        assert isinstance(name, str)
        assert isinstance(message, str) and message.strip(), name
    if fields is not None:
        assert set(error["fields"]) == fields
    return error


def json_id(value) -> str | None:
    """Test ids that show the request body."""
    return json.dumps(value, ensure_ascii=True)[:60] if isinstance(value, dict) else None


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def event_body(series: str, /, **overrides) -> dict:
    return {
        "series": series,
        "title": "Café des entreprenants",
        "starts_at": "2026-12-10T18:00:00Z",
        "ends_at": "2026-12-10T20:00:00Z",
        **overrides,
    }


@dataclass
class World:
    """Two series with one organiser each, a door volunteer on the first, an admin."""

    tokens: dict[str, str]
    series: str
    other_series: str
    event: str
    other_event: str
    emails: dict[str, str]


@pytest.fixture
def world(make) -> World:
    emails = {
        "admin": make.user("admin"),
        "organiser": make.user("organiser"),
        "other": make.user("organiser"),
        "door": make.user("door"),
    }
    series = make.series(team=(emails["organiser"], emails["door"]), name="Café de Vienne")
    other_series = make.series(team=(emails["other"],), name="Café de Lyon")
    return World(
        tokens={who: make.api_token(email) for who, email in emails.items()},
        series=series,
        other_series=other_series,
        event=make.event(series, starts_at=START, capacity=30),
        other_event=make.event(other_series, starts_at=START + timedelta(days=7)),
        emails=emails,
    )


#: Every endpoint that needs a token: method, path ({series}, {event} filled in), JSON body.
ENDPOINTS = [
    ("GET", "/series", None),
    ("POST", "/series", {"name": "Nouvelle série", "timezone": "Europe/Paris"}),
    ("GET", "/series/{series}", None),
    ("GET", "/events", None),
    ("POST", "/events", "event"),
    ("GET", "/events/{event}", None),
    ("PATCH", "/events/{event}", {"title": "Changed"}),
]


def endpoint_request(world: World, path: str, body):
    path = path.format(series=world.series, event=world.event)
    if body == "event":
        body = event_body(world.series)
    return path, ({} if body is None else {"json": body})


# -- 401: who are you? --------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer    ",
        "Basic b3JnYW5pc2VyOnNlY3JldA==",
        "Token mt_abcdefghijklmnop",
        "Bearer mt_not-a-token-we-ever-issued",
    ],
    ids=["missing", "empty", "scheme-only", "blank-token", "basic", "other-scheme", "unknown"],
)
def test_a_missing_malformed_or_unknown_token_is_401(client, world, authorization):
    headers = {} if authorization is None else {"Authorization": authorization}
    response = call(client, "GET", "/events", headers=headers)
    assert_error(response, 401, "unauthorized", set())
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert 'realm="meetup"' in response.headers["WWW-Authenticate"]


def test_a_token_sent_without_its_scheme_is_401(client, world):
    response = call(client, "GET", "/events", headers={"Authorization": world.tokens["admin"]})
    assert_error(response, 401, "unauthorized")


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_every_endpoint_needs_a_token(client, world, method, path, body):
    path, kwargs = endpoint_request(world, path, body)
    response = call(client, method, path, **kwargs)
    assert_error(response, 401, "unauthorized", set())
    assert response.headers["WWW-Authenticate"].startswith("Bearer ")


def test_the_scheme_is_case_insensitive(client, world):
    response = call(
        client, "GET", "/events", headers={"Authorization": f"bearer {world.tokens['admin']}"}
    )
    assert response.status_code == 200


def test_a_revoked_token_is_401_and_the_users_other_tokens_still_work(app, client, make, world):
    second = make.api_token(world.emails["organiser"], name="scanner app")
    assert call(client, "GET", "/events", world.tokens["organiser"]).status_code == 200
    with app.app_context():
        auth_services.revoke_api_token(auth_services.verify_api_token(world.tokens["organiser"]))
    response = call(client, "GET", "/events", world.tokens["organiser"])
    assert_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer ")
    assert call(client, "GET", "/events", second).status_code == 200


def test_a_deactivated_users_token_is_401(app, client, world):
    assert call(client, "GET", "/events", world.tokens["organiser"]).status_code == 200
    with app.app_context():
        user = auth_services.find_user_by_email(world.emails["organiser"])
        auth_services.deactivate_user(user)
    response = call(client, "GET", "/events", world.tokens["organiser"])
    assert_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer ")


def test_the_token_is_not_stored_in_clear(app, world):
    with app.app_context():
        token = auth_services.verify_api_token(world.tokens["admin"])
        assert token is not None
        assert world.tokens["admin"] not in (token.token_hash, token.prefix)
        assert world.tokens["admin"].startswith(token.prefix)


# -- 403: roles and series ----------------------------------------------------------------


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_door_tokens_may_do_nothing(app, client, world, method, path, body):
    """Even on the series whose check-in the door volunteer runs."""
    path, kwargs = endpoint_request(world, path, body)
    series_before, events_before = count(app, Series), count(app, Event)
    response = call(client, method, path, world.tokens["door"], **kwargs)
    assert_error(response, 403, "forbidden", set())
    assert (count(app, Series), count(app, Event)) == (series_before, events_before)
    shown = call(client, "GET", f"/events/{world.event}", world.tokens["admin"]).get_json()
    assert shown["title"] == "Café des entreprenants"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/series/{other_series}", None),
        ("GET", "/events/{other_event}", None),
        ("PATCH", "/events/{other_event}", {"title": "Taken over"}),
        ("POST", "/events", "other_series_event"),
    ],
)
def test_an_organiser_may_not_touch_another_series(app, client, world, method, path, body):
    path = path.format(other_series=world.other_series, other_event=world.other_event)
    if body == "other_series_event":
        body = event_body(world.other_series)
    events_before = count(app, Event)
    response = call(client, method, path, world.tokens["organiser"], json=body)
    assert_error(response, 403, "forbidden", set())
    assert count(app, Event) == events_before
    shown = call(client, "GET", f"/events/{world.other_event}", world.tokens["admin"]).get_json()
    assert shown["title"] == "Café des entreprenants"


def test_an_organiser_lists_only_their_series_and_its_events(client, make, world):
    mine = make.event(world.series, starts_at=START + timedelta(days=30))
    events = call(client, "GET", "/events", world.tokens["organiser"]).get_json()
    assert {item["slug"] for item in events["items"]} == {world.event, mine}
    assert {item["series"] for item in events["items"]} == {world.series}
    assert events["total"] == 2
    series = call(client, "GET", "/series", world.tokens["organiser"]).get_json()
    assert [item["slug"] for item in series["items"]] == [world.series]
    assert series["total"] == 1


def test_an_organiser_filtering_on_another_series_gets_nothing(client, world):
    response = call(
        client, "GET", f"/events?series={world.other_series}", world.tokens["organiser"]
    )
    assert response.status_code == 200
    assert response.get_json()["items"] == []
    assert response.get_json()["total"] == 0


def test_an_organiser_may_read_and_change_their_own_series(client, world):
    token = world.tokens["organiser"]
    assert call(client, "GET", f"/series/{world.series}", token).get_json()["slug"] == world.series
    assert call(client, "GET", f"/events/{world.event}", token).status_code == 200
    response = call(client, "PATCH", f"/events/{world.event}", token, json={"theme": "Export"})
    assert response.status_code == 200
    assert response.get_json()["theme"] == "Export"


def test_an_admin_sees_and_manages_everything(client, world):
    token = world.tokens["admin"]
    events = call(client, "GET", "/events", token).get_json()
    assert {item["slug"] for item in events["items"]} == {world.event, world.other_event}
    series = call(client, "GET", "/series", token).get_json()
    assert {item["slug"] for item in series["items"]} == {world.series, world.other_series}
    for slug in (world.series, world.other_series):
        assert call(client, "GET", f"/series/{slug}", token).status_code == 200
    for slug in (world.event, world.other_event):
        assert call(client, "GET", f"/events/{slug}", token).status_code == 200
        patched = call(client, "PATCH", f"/events/{slug}", token, json={"capacity": 12})
        assert patched.status_code == 200
        assert patched.get_json()["capacity"] == 12
    created = call(client, "POST", "/events", token, json=event_body(world.other_series))
    assert created.status_code == 201


# -- series -------------------------------------------------------------------------------

SERIES = {"name": "Café", "timezone": "Europe/Paris"}


def test_an_organiser_creates_a_series_and_joins_its_team(client, world):
    token = world.tokens["other"]
    response = call(
        client,
        "POST",
        "/series",
        token,
        json={
            "name": "  Café des entreprenants de Grenoble ",
            "city": "Grenoble",
            "timezone": "Europe/Paris",
            "description": "Le **deuxième** jeudi du mois.",
            "default_venue_name": "La Turbine",
            "default_venue_address": "5 rue Ampère, Grenoble",
            "default_capacity": 25,
            "contact_email": " bonjour@cafe-grenoble.example.org ",
        },
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body == {
        "slug": "cafe-des-entreprenants-de-grenoble",
        "name": "Café des entreprenants de Grenoble",
        "city": "Grenoble",
        "timezone": "Europe/Paris",
        "description": "Le **deuxième** jeudi du mois.",
        "default_venue_name": "La Turbine",
        "default_venue_address": "5 rue Ampère, Grenoble",
        "default_capacity": 25,
        "contact_email": "bonjour@cafe-grenoble.example.org",
        # The series' settings, at their defaults (tests/test_api_style.py changes them).
        "neighbour_radius_m": 300,
        "directory_delay_hours": 12,
        "reminder_hours": 24,
        "retention_nobody_days": 30,
        "retention_checkin_days": 365,
        "allowed_origins": [],
        "api_signups_per_hour": 200,
        "url": "http://localhost/series/cafe-des-entreprenants-de-grenoble",
        "logo": None,
    }
    assert response.headers["Location"].endswith(f"{API}/series/{body['slug']}")
    assert call(client, "GET", f"/series/{body['slug']}", token).get_json() == body
    listed = call(client, "GET", "/series", token).get_json()
    assert body["slug"] in {item["slug"] for item in listed["items"]}

    event = call(client, "POST", "/events", token, json=event_body(body["slug"]))
    assert event.status_code == 201, event.get_json()
    assert event.get_json()["venue_name"] == "La Turbine"
    assert event.get_json()["venue_address"] == "5 rue Ampère, Grenoble"
    assert event.get_json()["capacity"] == 25
    # ... and nobody else joined: the first organiser still may not see it.
    response = call(client, "GET", f"/series/{body['slug']}", world.tokens["organiser"])
    assert_error(response, 403, "forbidden")


def test_an_admin_creates_a_series_with_its_own_slug_and_no_team(client, world):
    response = call(
        client,
        "POST",
        "/series",
        world.tokens["admin"],
        json={"name": "Café de Lille", "timezone": "Europe/Paris", "slug": "lille"},
    )
    assert response.status_code == 201
    assert response.get_json()["slug"] == "lille"
    assert response.get_json()["city"] == ""
    listed = call(client, "GET", "/series", world.tokens["organiser"]).get_json()
    assert "lille" not in {item["slug"] for item in listed["items"]}


def test_a_taken_series_slug_is_a_409(app, client, world):
    before = count(app, Series)
    response = call(
        client,
        "POST",
        "/series",
        world.tokens["admin"],
        json={"name": "Another", "timezone": "Europe/Paris", "slug": world.series},
    )
    assert_error(response, 409, "conflict", {"slug"})
    assert count(app, Series) == before


def test_a_taken_name_gets_a_fresh_slug(client, world):
    body = {"name": "Café de Vienne", "timezone": "Europe/Paris"}
    response = call(client, "POST", "/series", world.tokens["admin"], json=body)
    assert response.status_code == 201
    assert response.get_json()["slug"] == f"{world.series}-2"


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"name", "timezone"}),
        ({"timezone": "Europe/Paris"}, {"name"}),
        ({"name": "", "timezone": "Europe/Paris"}, {"name"}),
        ({"name": "   ", "timezone": "Europe/Paris"}, {"name"}),
        ({"name": None, "timezone": "Europe/Paris"}, {"name"}),
        ({"name": 12, "timezone": "Europe/Paris"}, {"name"}),
        ({"name": "x" * 161, "timezone": "Europe/Paris"}, {"name"}),
        ({"name": "Café"}, {"timezone"}),
        ({"name": "Café", "timezone": "Mars/Olympus_Mons"}, {"timezone"}),
        ({"name": "Café", "timezone": "europe/paris"}, {"timezone"}),
        ({"name": "Café", "timezone": ""}, {"timezone"}),
        ({"name": "Café", "timezone": 1}, {"timezone"}),
        ({**SERIES, "slug": "Café Lyon"}, {"slug"}),
        ({**SERIES, "slug": "-lyon"}, {"slug"}),
        ({**SERIES, "slug": "lyon--2"}, {"slug"}),
        ({**SERIES, "slug": "lyon_2"}, {"slug"}),
        ({**SERIES, "slug": ""}, {"slug"}),
        ({**SERIES, "slug": "a" * 81}, {"slug"}),
        ({**SERIES, "default_capacity": "40"}, {"default_capacity"}),
        ({**SERIES, "default_capacity": True}, {"default_capacity"}),
        ({**SERIES, "default_capacity": 40.5}, {"default_capacity"}),
        ({**SERIES, "default_capacity": -1}, {"default_capacity"}),
        ({**SERIES, "default_capacity": 100_001}, {"default_capacity"}),
        ({**SERIES, "city": ["Vienne"]}, {"city"}),
        ({**SERIES, "contact_email": "pas-une-adresse"}, {"contact_email"}),
        (
            {**SERIES, "contact_email": "a@club.example.org\r\nBcc: x@example.org"},
            {"contact_email"},
        ),
        ({**SERIES, "contact_email": "zoë@club.example.org"}, {"contact_email"}),
        ({**SERIES, "colour": "blue"}, {"colour"}),
        ({**SERIES, "url": "http://x"}, {"url"}),
        ({"name": "Ca\x00fé", "timezone": "Europe/Paris"}, {"name"}),
        (
            {"name": 1, "timezone": "Nowhere", "default_capacity": "40", "team": []},
            {"name", "timezone", "default_capacity", "team"},
        ),
    ],
    ids=json_id,
)
def test_series_validation_names_every_bad_field(app, client, world, body, fields):
    before = count(app, Series)
    response = call(client, "POST", "/series", world.tokens["admin"], json=body)
    assert_error(response, 422, "validation_failed", fields)
    assert count(app, Series) == before


def test_an_unknown_series_is_404(client, world):
    assert_error(
        call(client, "GET", "/series/nowhere", world.tokens["admin"]), 404, "not_found", set()
    )


# -- creating events ----------------------------------------------------------------------


def test_create_an_event_with_times_in_the_series_zone(client, world):
    response = call(
        client,
        "POST",
        "/events",
        world.tokens["organiser"],
        json=event_body(
            world.series,
            title="  Soirée export ",
            theme="Vendre à l'étranger",
            description="    indented code\n\nand *text*",
            starts_at="2026-12-10T18:00:00Z",
            ends_at="2026-12-10T21:30:00+01:00",
            venue_name="Espace Saint-Germain",
            venue_address="30 avenue Général Leclerc, Vienne",
            capacity=45,
            registration_opens_at="2026-11-01T09:00:00+01:00",
            registration_closes_at="2026-12-10T12:00:00-05:00",
        ),
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    slug = body.pop("slug")
    assert slug == f"{world.series}-2026-12-10-2"  # the fixture's event took the first one
    assert body == {
        "series": world.series,
        "title": "Soirée export",
        "theme": "Vendre à l'étranger",
        "description": "    indented code\n\nand *text*",
        "starts_at": "2026-12-10T19:00:00+01:00",
        "ends_at": "2026-12-10T21:30:00+01:00",
        "venue_name": "Espace Saint-Germain",
        "venue_address": "30 avenue Général Leclerc, Vienne",
        "capacity": 45,
        "registration_opens_at": "2026-11-01T09:00:00+01:00",
        "registration_closes_at": "2026-12-10T18:00:00+01:00",
        "status": "draft",
        "directory_open": False,
        "seats_left": 45,
        "url": f"http://localhost/events/{slug}",
        "cover": None,
    }
    assert response.headers["Location"].endswith(f"{API}/events/{slug}")
    shown = call(client, "GET", f"/events/{slug}", world.tokens["organiser"]).get_json()
    assert shown == {**body, "slug": slug}


def test_summer_times_use_the_summer_offset(client, world):
    body = event_body(
        world.series, starts_at="2026-07-09T17:00:00Z", ends_at="2026-07-09T19:00:00+00:00"
    )
    created = call(client, "POST", "/events", world.tokens["admin"], json=body).get_json()
    assert created["starts_at"] == "2026-07-09T19:00:00+02:00"
    assert created["ends_at"] == "2026-07-09T21:00:00+02:00"


def test_the_slug_takes_the_local_date(client, world):
    created = call(
        client,
        "POST",
        "/series",
        world.tokens["admin"],
        json={"name": "Coffee Brooklyn", "timezone": "America/New_York", "slug": "brooklyn"},
    )
    assert created.status_code == 201
    body = event_body("brooklyn", starts_at="2026-12-11T01:00:00Z", ends_at="2026-12-11T03:00:00Z")
    event = call(client, "POST", "/events", world.tokens["admin"], json=body).get_json()
    assert event["starts_at"] == "2026-12-10T20:00:00-05:00"
    assert event["slug"] == "brooklyn-2026-12-10"


def test_create_defaults_from_the_series(client, make, world):
    series = make.series(
        default_venue_name="Le Manège", default_venue_address="Vienne", default_capacity=18
    )
    created = call(client, "POST", "/events", world.tokens["admin"], json=event_body(series))
    body = created.get_json()
    assert (body["venue_name"], body["venue_address"], body["capacity"]) == (
        "Le Manège",
        "Vienne",
        18,
    )
    assert (body["status"], body["seats_left"], body["theme"], body["description"]) == (
        "draft",
        18,
        "",
        "",
    )
    assert body["registration_opens_at"] is None and body["registration_closes_at"] is None


@pytest.mark.parametrize("status", ["draft", "published", "cancelled"])
def test_create_with_a_status(client, world, status):
    body = event_body(world.series, status=status)
    response = call(client, "POST", "/events", world.tokens["organiser"], json=body)
    assert response.status_code == 201
    assert response.get_json()["status"] == status
    listed = call(client, "GET", f"/events?status={status}", world.tokens["organiser"]).get_json()
    assert response.get_json()["slug"] in {item["slug"] for item in listed["items"]}


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        ({"starts_at": "2026-12-10T18:00:00"}, {"starts_at"}),
        ({"ends_at": "2026-12-10 20:00"}, {"ends_at"}),
        ({"starts_at": "2026-12-10"}, {"starts_at"}),
        ({"starts_at": "next Thursday"}, {"starts_at"}),
        ({"starts_at": 1_797_000_000}, {"starts_at"}),
        ({"starts_at": "2026-12-10T18:00:00+25:00"}, {"starts_at"}),
        (
            {"starts_at": "9999-12-31T23:00:00Z", "ends_at": "9999-12-31T23:30:00Z"},
            {"starts_at", "ends_at"},
        ),
        ({"starts_at": "0001-01-01T00:00:00+05:00"}, {"starts_at"}),
        ({"starts_at": "1999-12-31T23:59:59Z"}, {"starts_at"}),  # 2000 to 2099 only
        ({"ends_at": "2100-01-01T00:00:00+01:00"}, {"ends_at"}),
        ({"starts_at": "2026-12-10T18:00Z"}, {"starts_at"}),  # RFC 3339 has the seconds
        ({"starts_at": "20261210T180000Z"}, {"starts_at"}),  # ISO 8601, not RFC 3339
        ({"starts_at": "2026-W50-4T18:00:00Z"}, {"starts_at"}),
        ({"starts_at": "2026-12-10T18:00:00+0100"}, {"starts_at"}),
        ({"starts_at": "2026-02-30T18:00:00Z"}, {"starts_at"}),
        ({"ends_at": "2026-12-10T17:00:00Z"}, {"ends_at"}),
        ({"ends_at": "2026-12-10T19:00:00+01:00"}, {"ends_at"}),
        (
            {
                "registration_opens_at": "2026-12-01T10:00:00Z",
                "registration_closes_at": "2026-11-01T10:00:00Z",
            },
            {"registration_closes_at"},
        ),
        ({"registration_opens_at": "2026-12-01T10:00:00"}, {"registration_opens_at"}),
        ({"colour": "blue"}, {"colour"}),
        ({"slug": "my-own-slug"}, {"slug"}),
        ({"seats_left": 3}, {"seats_left"}),
        ({"url": "http://example.org"}, {"url"}),
        ({"capacity": "40"}, {"capacity"}),
        ({"capacity": True}, {"capacity"}),
        ({"capacity": 40.5}, {"capacity"}),
        ({"capacity": -1}, {"capacity"}),
        ({"capacity": 100_001}, {"capacity"}),
        ({"capacity": None}, {"capacity"}),
        ({"status": "open"}, {"status"}),
        ({"status": None}, {"status"}),
        ({"title": ""}, {"title"}),
        ({"title": "  "}, {"title"}),
        ({"title": "x" * 201}, {"title"}),
        ({"title": "Soirée\x00"}, {"title"}),
        ({"venue_name": None}, {"venue_name"}),
        ({"theme": 3}, {"theme"}),
        ({"series": "nowhere"}, {"series"}),
        ({"series": ""}, {"series"}),
        ({"series": 7}, {"series"}),
    ],
    ids=json_id,
)
def test_event_validation_names_every_bad_field(app, client, world, overrides, fields):
    before = count(app, Event)
    body = event_body(world.series, **overrides)
    response = call(client, "POST", "/events", world.tokens["organiser"], json=body)
    assert_error(response, 422, "validation_failed", fields)
    assert count(app, Event) == before


def test_a_whole_number_written_with_a_point_is_a_whole_number(client, world):
    """40.0 is an integer to JSON Schema, so to the OpenAPI document: the API takes it."""
    body = event_body(world.series, capacity=40.0)
    response = call(client, "POST", "/events", world.tokens["organiser"], json=body)
    assert response.status_code == 201
    assert response.get_json()["capacity"] == 40


@pytest.mark.parametrize("missing", ["series", "title", "starts_at", "ends_at"])
def test_event_required_fields(client, world, missing):
    body = event_body(world.series)
    del body[missing]
    response = call(client, "POST", "/events", world.tokens["organiser"], json=body)
    assert_error(response, 422, "validation_failed", {missing})


def test_every_bad_event_field_is_named_at_once(client, world):
    body = {"title": 1, "starts_at": "soon", "capacity": "40", "slug": "x", "colour": "blue"}
    response = call(client, "POST", "/events", world.tokens["organiser"], json=body)
    fields = {"series", "title", "starts_at", "ends_at", "capacity", "slug", "colour"}
    assert_error(response, 422, "validation_failed", fields)


# -- malformed bodies ---------------------------------------------------------------------

BAD_BODIES = [
    pytest.param(
        {"data": "title=Hello", "content_type": "application/x-www-form-urlencoded"}, id="form"
    ),
    pytest.param({"data": '{"title": "Hello"}', "content_type": "text/plain"}, id="json-as-text"),
    pytest.param(
        {"data": '{"title": "Hello"', "content_type": "application/json"}, id="broken-json"
    ),
    pytest.param({"data": "", "content_type": "application/json"}, id="empty"),
    pytest.param({"json": [{"title": "Hello"}]}, id="array"),
    pytest.param({"json": "Hello"}, id="string"),
    pytest.param({"data": "null", "content_type": "application/json"}, id="null"),
    pytest.param({}, id="no-body"),
]


@pytest.mark.parametrize("request_body", BAD_BODIES)
@pytest.mark.parametrize(
    ("method", "path"), [("POST", "/series"), ("POST", "/events"), ("PATCH", "/events/{event}")]
)
def test_a_body_that_is_not_a_json_object_is_400(app, client, world, method, path, request_body):
    before = (count(app, Series), count(app, Event))
    path = path.format(event=world.event)
    response = call(client, method, path, world.tokens["admin"], **request_body)
    assert_error(response, 400, "bad_request", set())
    assert (count(app, Series), count(app, Event)) == before


def test_a_body_over_the_size_limit_is_413(client, world):
    body = event_body(world.series, description="x" * (3 * 1024 * 1024))
    response = call(client, "POST", "/events", world.tokens["admin"], json=body)
    assert_error(response, 413, "too_large", set())


# -- reading events -----------------------------------------------------------------------


def test_seats_left_counts_confirmed_registrations_only(client, make, world):
    make.registrations(world.event, 3, "confirmed")
    make.registrations(world.event, 2, "waitlisted")
    make.registrations(world.event, 4, "cancelled")
    shown = call(client, "GET", f"/events/{world.event}", world.tokens["organiser"]).get_json()
    assert (shown["capacity"], shown["seats_left"]) == (30, 27)
    listed = call(client, "GET", "/events", world.tokens["organiser"]).get_json()
    assert {item["slug"]: item["seats_left"] for item in listed["items"]} == {world.event: 27}


def test_seats_left_never_goes_below_zero(client, make, world):
    full = make.event(world.series, starts_at=START + timedelta(days=30), capacity=2)
    make.registrations(full, 3, "confirmed")
    shown = call(client, "GET", f"/events/{full}", world.tokens["organiser"]).get_json()
    assert shown["seats_left"] == 0
    lowered = call(
        client, "PATCH", f"/events/{world.event}", world.tokens["organiser"], json={"capacity": 0}
    )
    assert lowered.get_json()["seats_left"] == 0


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/events/no-such-event"),
        ("PATCH", "/events/no-such-event"),
        ("GET", "/series/no-such-series"),
    ],
)
def test_unknown_slugs_are_404(client, world, method, path):
    response = call(client, method, path, world.tokens["admin"], json={"title": "x"})
    assert_error(response, 404, "not_found", set())


@pytest.mark.parametrize(
    "path",
    ["/events/caf%00e", "/series/caf%00e", "/events?series=caf%00e", "/events?status=dr%00aft"],
)
def test_nul_characters_in_the_url_are_refused_not_a_crash(client, world, path):
    response = call(client, "GET", path, world.tokens["admin"])
    assert response.status_code in {400, 404}
    assert_error(
        response,
        response.status_code,
        "bad_request" if response.status_code == 400 else "not_found",
    )


# -- changing events ----------------------------------------------------------------------


def test_patch_changes_only_the_fields_sent(client, world):
    token = world.tokens["organiser"]
    before = call(client, "GET", f"/events/{world.event}", token).get_json()
    changes = {
        "title": "Soirée numérique",
        "theme": "L'IA au quotidien",
        "description": "  - point one\n  - point two",
        "venue_name": "Le Manège",
        "venue_address": "1 place de Miremont, Vienne",
        "capacity": 55,
        "registration_closes_at": "2026-12-10T12:00:00Z",
    }
    response = call(client, "PATCH", f"/events/{world.event}", token, json=changes)
    assert response.status_code == 200, response.get_json()
    expected = {
        **before,
        **changes,
        "registration_closes_at": "2026-12-10T13:00:00+01:00",
        "seats_left": 55,
    }
    assert response.get_json() == expected
    assert call(client, "GET", f"/events/{world.event}", token).get_json() == expected


def test_patch_moving_the_date_moves_the_slug_and_answers_it(client, world):
    """As on the organiser's page: the evening's address follows its date (the public page
    at the old one answers 301); the API answers the new slug, which clients use next."""
    token = world.tokens["organiser"]
    body = {"starts_at": "2027-01-14T19:00:00+01:00", "ends_at": "2027-01-14T21:00:00+01:00"}
    response = call(client, "PATCH", f"/events/{world.event}", token, json=body)
    assert response.status_code == 200
    event = response.get_json()
    new_slug = world.event.rsplit("-", 3)[0] + "-2027-01-14"
    assert (event["slug"], event["starts_at"], event["ends_at"]) == (
        new_slug,
        "2027-01-14T19:00:00+01:00",
        "2027-01-14T21:00:00+01:00",
    )
    assert call(client, "GET", f"/events/{new_slug}", token).get_json() == event
    page = client.get(f"/events/{world.event}")
    assert page.status_code == 301
    assert page.headers["Location"].endswith(f"/events/{new_slug}")


def test_patch_clears_the_registration_window_with_null(client, world):
    token = world.tokens["organiser"]
    opened = {"registration_opens_at": "2026-11-01T09:00:00+01:00"}
    assert call(client, "PATCH", f"/events/{world.event}", token, json=opened).status_code == 200
    response = call(
        client, "PATCH", f"/events/{world.event}", token, json={"registration_opens_at": None}
    )
    assert response.get_json()["registration_opens_at"] is None


def test_patch_changes_the_status_back_and_forth(client, world):
    token = world.tokens["organiser"]
    for status in ("draft", "published", "cancelled", "draft"):
        response = call(client, "PATCH", f"/events/{world.event}", token, json={"status": status})
        assert response.status_code == 200
        assert response.get_json()["status"] == status
        listed = call(client, "GET", f"/events?status={status}", token).get_json()
        assert [item["slug"] for item in listed["items"]] == [world.event]


def test_patch_changes_status_and_fields_together(client, world):
    token = world.tokens["organiser"]
    body = {"status": "cancelled", "title": "Annulé : Café des entreprenants"}
    response = call(client, "PATCH", f"/events/{world.event}", token, json=body)
    assert response.status_code == 200
    assert {key: response.get_json()[key] for key in body} == body


def test_an_empty_patch_changes_nothing(client, world):
    token = world.tokens["organiser"]
    before = call(client, "GET", f"/events/{world.event}", token).get_json()
    response = call(client, "PATCH", f"/events/{world.event}", token, json={})
    assert response.status_code == 200
    assert response.get_json() == before


def test_patch_may_repeat_the_events_own_series(client, world):
    token = world.tokens["organiser"]
    body = {"series": world.series, "title": "Same series"}
    response = call(client, "PATCH", f"/events/{world.event}", token, json=body)
    assert response.status_code == 200
    assert response.get_json()["series"] == world.series


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"series": "{other_series}"}, {"series"}),
        ({"series": "no-such-series"}, {"series"}),
        ({"slug": "renamed"}, {"slug"}),
        ({"seats_left": 100}, {"seats_left"}),
        ({"url": "http://example.org"}, {"url"}),
        ({"colour": "blue"}, {"colour"}),
        ({"status": "archived"}, {"status"}),
        ({"ends_at": "2026-12-10T17:00:00Z"}, {"ends_at"}),
        ({"starts_at": "2026-12-10T21:00:00Z"}, {"ends_at"}),
        ({"starts_at": "2026-12-10T18:00:00"}, {"starts_at"}),
        ({"title": None}, {"title"}),
        ({"title": ""}, {"title"}),
        ({"capacity": "40"}, {"capacity"}),
        ({"capacity": False}, {"capacity"}),
        (
            {
                "registration_opens_at": "2026-12-05T10:00:00Z",
                "registration_closes_at": "2026-12-01T10:00:00Z",
            },
            {"registration_closes_at"},
        ),
        # One bad field and nothing changes, not even the good ones or the status.
        ({"title": "Renamed", "status": "cancelled", "capacity": "40"}, {"capacity"}),
        (
            {"title": "Renamed", "status": "cancelled", "ends_at": "2026-12-01T10:00:00Z"},
            {"ends_at"},
        ),
    ],
    ids=json_id,
)
def test_patch_rejects_bad_fields_and_changes_nothing(client, world, changes, fields):
    token = world.tokens["organiser"]
    if changes.get("series") == "{other_series}":
        changes = {"series": world.other_series}
    before = call(client, "GET", f"/events/{world.event}", token).get_json()
    response = call(client, "PATCH", f"/events/{world.event}", token, json=changes)
    assert_error(response, 422, "validation_failed", fields)
    assert call(client, "GET", f"/events/{world.event}", token).get_json() == before


# -- lists: pagination and filters --------------------------------------------------------


@pytest.fixture
def five_events(make, world) -> list[str]:
    """Five events of the organiser's series (the fixture's own first), newest first."""
    slugs = [world.event]
    for days, status in ((7, "draft"), (14, "published"), (21, "cancelled"), (28, "draft")):
        slugs.append(
            make.event(world.series, starts_at=START + timedelta(days=days), status=status)
        )
    return list(reversed(slugs))


def test_events_are_paginated_newest_first(client, world, five_events):
    token = world.tokens["organiser"]
    pages = []
    for page in (1, 2, 3):
        body = call(client, "GET", f"/events?per_page=2&page={page}", token).get_json()
        assert (body["page"], body["per_page"], body["total"]) == (page, 2, 5)
        pages.append([item["slug"] for item in body["items"]])
    assert pages == [five_events[0:2], five_events[2:4], five_events[4:5]]
    beyond = call(client, "GET", "/events?per_page=2&page=4", token).get_json()
    assert (beyond["items"], beyond["total"]) == ([], 5)


def test_pagination_defaults(client, world, five_events):
    body = call(client, "GET", "/events", world.tokens["organiser"]).get_json()
    assert (body["page"], body["per_page"], body["total"]) == (1, 50, 5)
    assert [item["slug"] for item in body["items"]] == five_events


@pytest.mark.parametrize(
    ("query", "bounds"),
    [
        ("page=0", "page must be a whole number from 1."),
        ("page=-3", "page must be a whole number from 1."),
        ("per_page=0", "per_page must be a whole number from 1 to 200."),
        ("per_page=201", "per_page must be a whole number from 1 to 200."),
        ("per_page=" + "9" * 5000, "per_page must be a whole number from 1 to 200."),
    ],
)
def test_out_of_range_paging_is_400_saying_the_bounds(client, world, five_events, query, bounds):
    """What the OpenAPI document says (page from 1, per_page from 1 to 200) is what is done:
    a value outside is refused, not quietly changed into another page size."""
    response = call(client, "GET", f"/events?{query}", world.tokens["organiser"])
    assert assert_error(response, 400, "bad_request", set())["message"] == bounds


def test_the_largest_page_size_is_taken(client, world, five_events):
    body = call(client, "GET", "/events?per_page=200", world.tokens["organiser"]).get_json()
    assert (body["page"], body["per_page"], body["total"]) == (1, 200, 5)


def test_a_page_far_beyond_the_end_is_empty_not_a_crash(client, world, five_events):
    response = call(client, "GET", "/events?page=99999999999999999999", world.tokens["organiser"])
    assert response.status_code == 200
    assert (response.get_json()["items"], response.get_json()["total"]) == ([], 5)


@pytest.mark.parametrize(
    "query", ["page=two", "per_page=ten", "page=1.5", "per_page=", "page=%205", "page=٥"]
)
@pytest.mark.parametrize("path", ["/events", "/series"])
def test_non_numeric_paging_is_400(client, world, path, query):
    response = call(client, "GET", f"{path}?{query}", world.tokens["organiser"])
    assert_error(response, 400, "bad_request", set())


def test_series_are_paginated_without_gaps_or_repeats(client, make, world):
    for _ in range(4):
        make.series(name="Café des entreprenants")  # same name: the order needs a tie-breaker
    token = world.tokens["admin"]
    seen = []
    for page in range(1, 8):
        body = call(client, "GET", f"/series?per_page=1&page={page}", token).get_json()
        assert (body["page"], body["per_page"], body["total"]) == (page, 1, 6)
        seen += [item["slug"] for item in body["items"]]
    assert len(seen) == len(set(seen)) == 6


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=draft", {"e7", "e28"}),
        ("status=published", {"e0", "e14", "other"}),
        ("status=cancelled", {"e21"}),
        ("series={series}", {"e0", "e7", "e14", "e21", "e28"}),
        ("series={other_series}", {"other"}),
        ("series={series}&status=published", {"e0", "e14"}),
        ("series={other_series}&status=draft", set()),
        ("series=no-such-series", set()),
        ("", {"e0", "e7", "e14", "e21", "e28", "other"}),
    ],
)
def test_the_event_list_filters_on_series_and_status(client, world, five_events, query, expected):
    names = dict(zip(["e28", "e21", "e14", "e7", "e0"], five_events, strict=True))
    names["other"] = world.other_event
    query = query.format(series=world.series, other_series=world.other_series)
    body = call(client, "GET", f"/events?{query}", world.tokens["admin"]).get_json()
    assert {item["slug"] for item in body["items"]} == {names[name] for name in expected}
    assert body["total"] == len(expected)


@pytest.mark.parametrize(
    "path", ["/events?series=", "/events?status=", "/events/{event}/registrations?status="]
)
def test_an_empty_filter_is_400_not_no_filter(client, world, path):
    """The document says a filter is left out for none; an empty one is a mistake to say."""
    response = call(client, "GET", path.format(event=world.event), world.tokens["organiser"])
    error = assert_error(response, 400, "bad_request", set())
    assert "must not be empty; leave it out for no filter" in error["message"]


def test_an_unknown_status_filter_is_400(client, world):
    response = call(client, "GET", "/events?status=archived", world.tokens["admin"])
    assert_error(response, 400, "bad_request", set())


# -- the error shape, everywhere ----------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/nothing-here", 404, "not_found"),
        ("GET", "/events/a/b", 404, "not_found"),
        ("DELETE", "/events/{event}", 405, "method_not_allowed"),
        ("PUT", "/series", 405, "method_not_allowed"),
        ("POST", "/openapi.json", 405, "method_not_allowed"),
    ],
)
def test_routing_errors_under_the_api_are_json(client, world, method, path, status, code):
    response = call(client, method, path.format(event=world.event), world.tokens["admin"])
    assert_error(response, status, code, set())


def test_405_says_which_methods_are_allowed(client, world):
    response = call(client, "DELETE", f"/events/{world.event}", world.tokens["admin"])
    assert_error(response, 405, "method_not_allowed")
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "PATCH"}


def test_api_responses_are_never_cached(client, world):
    response = call(client, "GET", f"/events/{world.event}", world.tokens["admin"])
    assert response.headers["Cache-Control"] == "no-store"
    assert response.mimetype == "application/json"


def test_the_organisers_read_the_pictures_and_may_not_write_them(app, client, world):
    """The series' logo and the evening's cover as the public data gives them (a draft's
    cover too: its organisers see it), read-only: pictures go through the forms' checks."""
    from meetup.images.processing import Kind, clean
    from meetup.images.store import store
    from tests import pictures

    token = world.tokens["organiser"]
    assert call(client, "GET", f"/events/{world.event}", token).get_json()["cover"] is None
    with app.app_context():
        cover = store(clean(pictures.evening_scene(), Kind.COVER)).sha256
        logo = store(clean(pictures.club_logo(), Kind.LOGO)).sha256
        event = db.session.scalar(select(Event).where(Event.slug == world.event))
        event.cover_sha256, event.status = cover, "draft"
        db.session.scalar(select(Series).where(Series.slug == world.series)).logo_sha256 = logo
        db.session.commit()
    answer = call(client, "GET", f"/events/{world.event}", token).get_json()["cover"]
    assert answer["url"] == f"http://localhost/images/{cover}.jpg"
    assert [source["type"] for source in answer["sources"]] == ["image/avif", "image/jpeg"]
    series = call(client, "GET", f"/series/{world.series}", token).get_json()
    assert series["logo"]["url"] == f"http://localhost/images/{logo}.png"
    for path, name in ((f"/events/{world.event}", "cover"), (f"/series/{world.series}", "logo")):
        response = call(client, "PATCH", path, token, json={name: None})
        error = assert_error(response, 422, "validation_failed", {name})
        assert error["fields"] == {name: "This field is read-only."}


def test_lists_read_the_pictures_in_a_few_queries_whatever_their_length(app, client, make):
    """Each evening's cover comes with its copies and their twins: reading them evening by
    evening made three queries each (40 statements for ten evenings)."""
    from sqlalchemy import event as sa_event
    from sqlalchemy.engine import Engine

    from meetup.images.processing import Kind, clean
    from meetup.images.store import store
    from tests import pictures

    organiser = make.user("organiser")
    series = make.series(team=(organiser,))
    token = make.api_token(organiser)
    statements = []

    @sa_event.listens_for(Engine, "before_cursor_execute")
    def counted(*args) -> None:
        statements.append(1)

    def evenings(count: int) -> dict[str, int]:
        for _ in range(count):
            slug = make.event(series)
            with app.app_context():
                width = 1600 - 8 * len(statements)  # each its own cover
                cover = store(clean(pictures.evening_scene((width, 900)), Kind.COVER))
                db.session.scalar(
                    select(Event).where(Event.slug == slug)
                ).cover_sha256 = cover.sha256
                db.session.commit()
        made = {}
        for path, headers in (
            ("/events?per_page=50", {"Authorization": f"Bearer {token}"}),
            (f"/public/series/{series}/events", {}),
        ):
            client.get(API + path, headers=headers)  # the token's first use is written down
            statements.clear()
            answer = client.get(API + path, headers=headers).get_json()
            assert all(
                item["cover"]["sources"][0]["type"] == "image/avif" for item in answer["items"]
            )
            made[path] = len(statements)
        return made

    try:
        two = evenings(2)
        six = evenings(4)
    finally:
        sa_event.remove(Engine, "before_cursor_execute", counted)
    assert six == two
