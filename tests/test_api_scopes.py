"""Scoped API keys: every API endpoint tried with every scope (the access matrix's scope
axis), the series' publishable signup key, its own rate limit, tokens made before scopes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from meetup.auth.models import ApiToken
from meetup.extensions import db
from meetup.registrations.models import Registration, Source
from meetup.timeutil import utcnow
from tests.helpers import csrf_from, log_in

API = "/api/v1"
#: The kinds of caller: no token, the staff scopes one by one, a token made before scopes
#: (all three), the series' signup key and another series' signup key. All are the
#: organiser's, who is on the series' team: only the scope decides.
CALLERS = ("none", "read", "write", "door", "legacy", "signup", "other_signup")


@pytest.fixture
def world(app, make):
    organiser = make.user("organiser")
    other = make.user("organiser")
    series = make.series(team=(organiser,))
    other_series = make.series(team=(other,))
    event = make.event(series, capacity=100)
    tonight = make.event(series, starts_at=(utcnow() + timedelta(hours=1)).replace(microsecond=0))
    make.registration(tonight, first_name="Tom")
    with app.app_context():
        code = db.session.scalar(select(Registration.ticket_code))
    tokens = {
        "read": make.api_token(organiser, scopes=("read",)),
        "write": make.api_token(organiser, scopes=("write",)),
        "door": make.api_token(organiser, scopes=("door",)),
        "legacy": make.api_token(organiser),
        "signup": make.signup_key(organiser, series),
        "other_signup": make.signup_key(other, other_series),
    }
    return {
        "series": series,
        "event": event,
        "tonight": tonight,
        "code": code,
        "tokens": tokens,
        "organiser": organiser,
    }


def _n():
    _n.count = getattr(_n, "count", 0) + 1
    return _n.count


def _signup(_w):
    return {"first_name": "Zoé", "last_name": "Martin", "email": f"zoe{_n()}@example.org"}


#: endpoint -> (method, path, body, scope it needs; None: anyone).
ENDPOINTS = {
    "api.openapi": ("GET", "/openapi.json", None, None),
    "api.public_event": ("GET", "/public/events/{event}", None, None),
    "api.public_series_events": ("GET", "/public/series/{series}/events", None, None),
    "api.series_index": ("GET", "/series", None, "read"),
    "api.series_show": ("GET", "/series/{series}", None, "read"),
    "api.series_create": (
        "POST",
        "/series",
        lambda w: {"name": f"Série {_n()}", "timezone": "Europe/Paris"},
        "write",
    ),
    "api.series_update": ("PATCH", "/series/{series}", lambda w: {"reminder_hours": 12}, "write"),
    "api.events_index": ("GET", "/events", None, "read"),
    "api.event_show": ("GET", "/events/{event}", None, "read"),
    "api.events_create": (
        "POST",
        "/events",
        lambda w: {
            "series": w["series"],
            "title": "Café",
            "starts_at": "2027-01-14T18:00:00Z",
            "ends_at": "2027-01-14T20:00:00Z",
        },
        "write",
    ),
    "api.event_update": ("PATCH", "/events/{event}", lambda w: {"capacity": 90}, "write"),
    "api.registration_index": ("GET", "/events/{event}/registrations", None, "read"),
    "api.registration_create": ("POST", "/events/{event}/registrations", _signup, "signup"),
    "api.checkin_create": (
        "POST",
        "/checkins",
        lambda w: {"code": w["code"], "event": w["tonight"]},
        "door",
    ),
    "api.checkin_delete": ("DELETE", "/checkins/{code}?event={tonight}", None, "door"),
}


def expected(endpoint: str, caller: str) -> int:
    method, _path, _body, scope = ENDPOINTS[endpoint]
    ok = 201 if method == "POST" and endpoint != "api.checkin_create" else 200
    if scope is None:
        return ok
    if endpoint == "api.registration_create":
        # Anyone signs up (the public form's API); with a token: the series' own signup
        # key, or a write scope (the organisers'); any other token is refused.
        return {"none": ok, "write": ok, "legacy": ok, "signup": ok}.get(caller, 403)
    if caller == "none":
        return 401
    held = {"legacy": ("read", "write", "door")}.get(caller, (caller,))
    return ok if scope in held else 403


@pytest.mark.parametrize(
    ("endpoint", "caller"),
    [(endpoint, caller) for endpoint in ENDPOINTS for caller in CALLERS],
    ids=[f"{endpoint}-{caller}" for endpoint in ENDPOINTS for caller in CALLERS],
)
def test_scope_matrix(app, client, world, endpoint, caller):
    method, path, body, _scope = ENDPOINTS[endpoint]
    headers = {}
    if caller != "none":
        headers["Authorization"] = f"Bearer {world['tokens'][caller]}"
    kwargs = {"json": body(world)} if body is not None else {}
    url = API + path.format(**world)
    with app.app_context():
        rows_before = db.session.scalar(text("SELECT count(*) FROM registrations"))
    response = client.open(url, method=method, headers=headers, **kwargs)
    want = expected(endpoint, caller)
    assert response.status_code == want, response.get_data(as_text=True)
    if want >= 400:
        error = response.get_json()["error"]
        assert error["code"] == {401: "unauthorized", 403: "forbidden"}[want]
        with app.app_context():
            assert db.session.scalar(text("SELECT count(*) FROM registrations")) == rows_before


def test_the_matrix_covers_every_api_endpoint(app):
    """A new API route joins ENDPOINTS, with the scope it needs."""
    routed = {
        rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")
    }
    assert routed == set(ENDPOINTS)


def test_a_missing_scope_is_named(client, world):
    response = client.get(
        f"{API}/events/{world['event']}/registrations",
        headers={"Authorization": f"Bearer {world['tokens']['signup']}"},
    )
    message = response.get_json()["error"]["message"]
    assert "(signup)" in message and "read" in message


# -- the signup key -----------------------------------------------------------------------


def test_a_signup_key_signs_up_as_the_person_and_answers_nothing_personal(app, client, world):
    response = client.post(
        f"{API}/events/{world['event']}/registrations",
        json={"first_name": "Zoé", "last_name": "Martin", "email": "zoe@example.org"},
        headers={"Authorization": f"Bearer {world['tokens']['signup']}"},
    )
    assert response.status_code == 201
    assert response.get_json() == {"status": "confirmed"}
    with app.app_context():
        registration = db.session.scalar(
            select(Registration).where(Registration.email == "zoe@example.org")
        )
        assert registration.source is Source.PUBLIC  # the person themselves, on the club's site


def test_a_signup_key_for_another_series_is_refused_with_a_reason(client, world):
    response = client.post(
        f"{API}/events/{world['event']}/registrations",
        json={"first_name": "Zoé", "last_name": "Martin", "email": "zoe@example.org"},
        headers={"Authorization": f"Bearer {world['tokens']['other_signup']}"},
    )
    assert response.status_code == 403
    assert "another series" in response.get_json()["error"]["message"]


def test_an_unknown_token_on_the_signup_is_401_not_a_silent_public_signup(app, client, world):
    response = client.post(
        f"{API}/events/{world['event']}/registrations",
        json={"first_name": "Zoé", "last_name": "Martin", "email": "zoe@example.org"},
        headers={"Authorization": "Bearer mk_pub_mistyped"},
    )
    assert response.status_code == 401
    with app.app_context():
        assert (
            db.session.scalar(select(Registration).where(Registration.email == "zoe@example.org"))
            is None
        )


def test_a_signup_key_carries_the_series_own_limit(app, client, world, make):
    """All the key's visitors together, whatever their addresses; the public endpoint
    without the key keeps the per-address limit only."""
    with app.app_context():
        from meetup.events.models import Series

        series = db.session.scalar(select(Series).where(Series.slug == world["series"]))
        series.api_signups_per_hour = 3
        db.session.commit()
    statuses = []
    for n in range(5):
        client.environ_base["REMOTE_ADDR"] = f"10.7.0.{n + 1}"
        statuses.append(
            client.post(
                f"{API}/events/{world['event']}/registrations",
                json={"first_name": "Zoé", "last_name": "Martin", "email": f"z{n}@example.org"},
                headers={"Authorization": f"Bearer {world['tokens']['signup']}"},
            ).status_code
        )
    assert statuses == [201, 201, 201, 429, 429]
    client.environ_base["REMOTE_ADDR"] = "10.7.0.9"
    response = client.post(
        f"{API}/events/{world['event']}/registrations",
        json={"first_name": "Zoé", "last_name": "Martin", "email": "without-key@example.org"},
    )
    assert response.status_code == 201


def test_a_signup_key_still_has_each_visitors_own_limit(client, world):
    """The key is publishable: one address cannot use up the series' budget."""
    client.environ_base["REMOTE_ADDR"] = "10.8.0.1"
    statuses = [
        client.post(
            f"{API}/events/{world['event']}/registrations",
            json={"first_name": "Zoé", "last_name": "Martin", "email": f"y{n}@example.org"},
            headers={"Authorization": f"Bearer {world['tokens']['signup']}"},
        ).status_code
        for n in range(11)
    ]
    assert statuses[:10] == [201] * 10 and statuses[10] == 429


# -- the admin ----------------------------------------------------------------------------


def test_tokens_list_their_scopes_and_a_token_needs_one(client, world):
    log_in(client, world["organiser"])
    page = client.get("/admin/tokens").get_data(as_text=True)
    assert "<code>read</code> <code>write</code> <code>door</code>" in page
    assert "<code>signup</code>" in page
    response = client.post(
        "/admin/tokens", data={"csrf_token": csrf_from(page), "name": "Door scanner"}
    )
    body = response.get_data(as_text=True)
    assert "Choose at least one." in body
    assert 'value="Door scanner"' in body  # nothing typed is lost
    response = client.post(
        "/admin/tokens",
        data={"csrf_token": csrf_from(page), "name": "Door scanner", "scopes": ["door"]},
    )
    assert response.status_code == 200
    assert 'id="new-token">mt_' in response.get_data(as_text=True)


def test_the_series_page_makes_shows_and_revokes_signup_keys(app, client, world):
    log_in(client, world["organiser"])
    url = f"/admin/series/{world['series']}/website"
    page = client.get(url).get_data(as_text=True)
    assert "club website" in page  # the fixture's key
    response = client.post(f"{url}/keys", data={"csrf_token": csrf_from(page), "name": ""})
    assert response.status_code == 422
    response = client.post(f"{url}/keys", data={"csrf_token": csrf_from(page), "name": "Widget"})
    body = response.get_data(as_text=True)
    key = body.split('id="new-key">')[1].split("<")[0]
    assert key.startswith("mk_pub_")
    signup = client.post(
        f"{API}/events/{world['event']}/registrations",
        json={"first_name": "Zoé", "last_name": "Martin", "email": "zoe@example.org"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert signup.status_code == 201
    with app.app_context():
        key_id = db.session.scalar(select(ApiToken.id).where(ApiToken.name == "Widget"))
    client.post(f"{url}/keys/{key_id}/revoke", data={"csrf_token": csrf_from(page)})
    signup = client.post(
        f"{API}/events/{world['event']}/registrations",
        json={"first_name": "Zoé", "last_name": "Martin", "email": "zoe2@example.org"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert signup.status_code == 401


def test_the_series_limit_refuses_nonsense_and_keeps_what_was_typed(client, world):
    log_in(client, world["organiser"])
    url = f"/admin/series/{world['series']}/website"
    token = csrf_from(client.get(url).get_data(as_text=True))
    response = client.post(f"{url}/limit", data={"csrf_token": token, "api_signups_per_hour": "0"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Between 1 and 10,000 an hour." in body and 'value="0"' in body
    response = client.post(f"{url}/limit", data={"csrf_token": token, "api_signups_per_hour": "50"})
    assert response.status_code == 302
    assert 'value="50"' in client.get(url).get_data(as_text=True)


def test_a_signup_key_is_not_a_revoke_handle_for_another_series(client, make, world):
    """An organiser of another series cannot revoke this series' key through their own."""
    other = make.user("organiser")
    their_series = make.series(team=(other,))
    log_in(client, other)
    url = f"/admin/series/{their_series}/website"
    token = csrf_from(client.get(url).get_data(as_text=True))
    client.environ_base.pop("REMOTE_ADDR", None)
    with client.application.app_context():
        key_id = db.session.scalar(
            select(ApiToken.id).where(ApiToken.scopes == "signup").order_by(ApiToken.id)
        )
    assert client.post(f"{url}/keys/{key_id}/revoke", data={"csrf_token": token}).status_code == (
        404
    )


# -- tokens made before scopes ------------------------------------------------------------


def test_tokens_made_before_scopes_keep_their_rights(app):
    with app.app_context():
        db.session.remove()
        downgrade(revision="0021_invitations")
        db.session.execute(
            text(
                "INSERT INTO users (email, name, password_hash, role, created_at) "
                "VALUES ('old@example.org', 'Old', 'x', 'organiser', :now)"
            ),
            {"now": utcnow()},
        )
        db.session.execute(
            text(
                "INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_at) "
                "SELECT id, 'old', :hash, 'mt_old', :now FROM users"
            ),
            {"hash": "0" * 64, "now": utcnow()},
        )
        db.session.commit()
        db.session.remove()
        upgrade()
        assert db.session.scalar(text("SELECT scopes FROM api_tokens")) == "read write door"
