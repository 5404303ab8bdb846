"""CORS: the signup and the public evening data answer pages of the origins the series
lists, and nothing else does; the origins are checked where the organiser types them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from meetup.api.origins import BadOrigin, allows, normalise, parse_list
from meetup.events.models import Series
from meetup.extensions import db
from tests.helpers import csrf_from, log_in

API = "/api/v1"
CLUB = "https://www.club-vienne.fr"


@pytest.fixture
def world(app, make):
    organiser = make.user("organiser")
    series = make.series(team=(organiser,))
    other = make.series()
    with app.app_context():
        row = db.session.scalar(select(Series).where(Series.slug == series))
        row.allowed_origins = f"{CLUB}\nhttp://127.0.0.1:8123"
        db.session.commit()
    return {
        "series": series,
        "event": make.event(series),
        "draft": make.event(series, status="draft"),
        "other_event": make.event(other),
        "organiser": organiser,
        "token": make.api_token(organiser),
    }


# -- origins, as typed and as sent -------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "origin"),
    [
        ("https://www.club.fr", "https://www.club.fr"),
        ("HTTPS://WWW.Club.FR/", "https://www.club.fr"),
        ("https://club.fr:443", "https://club.fr"),
        ("http://127.0.0.1:8123", "http://127.0.0.1:8123"),
    ],
)
def test_an_origin_is_normalised(typed, origin):
    assert normalise(typed) == origin


@pytest.mark.parametrize(
    "typed",
    [
        "www.club.fr",
        "https://www.club.fr/inscription",
        "https://*.club.fr",
        "*",
        "ftp://club.fr",
        "https://user:pw@club.fr",
        "https://club.fr?x=1",
        "https://club.fr:99999",
        "javascript:alert(1)",
        "null",
        "http://[::1]:8000",
    ],
)
def test_what_is_not_an_origin_is_refused(typed):
    with pytest.raises(BadOrigin):
        normalise(typed)


def test_a_list_keeps_each_origin_once_and_names_the_bad_lines():
    assert parse_list(" https://a.fr \n\nhttps://A.fr/, https://b.fr\nb.fr") == (
        ["https://a.fr", "https://b.fr"],
        ["b.fr"],
    )
    assert allows("https://a.fr", "https://a.fr")
    assert not allows("https://a.fr", "https://a.fr.evil.com")
    assert not allows("https://a.fr", "http://a.fr")
    assert not allows("", "null")


# -- the headers ---------------------------------------------------------------------------


def test_a_listed_origin_may_sign_up_from_the_browser(client, world):
    url = f"{API}/events/{world['event']}/registrations"
    preflight = client.options(
        url,
        headers={
            "Origin": CLUB,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, authorization",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == CLUB
    assert preflight.headers["Access-Control-Allow-Methods"] == "POST"
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    assert "Content-Type" in preflight.headers["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in preflight.headers
    response = client.post(
        url,
        json={"first_name": "Zoé", "last_name": "Martin", "email": "zoe@example.org"},
        headers={"Origin": CLUB},
    )
    assert response.status_code == 201
    assert response.headers["Access-Control-Allow-Origin"] == CLUB
    assert "Origin" in response.headers["Vary"]
    # Its errors too, so that the page can show them.
    bad = client.post(url, json={"first_name": "Zoé"}, headers={"Origin": CLUB})
    assert bad.status_code == 422
    assert bad.headers["Access-Control-Allow-Origin"] == CLUB


@pytest.mark.parametrize(
    "path",
    ["/public/events/{event}", "/public/series/{series}/events"],
)
def test_a_listed_origin_may_read_the_public_evening_data(client, world, path):
    response = client.get(API + path.format(**world), headers={"Origin": CLUB})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == CLUB


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example",
        "https://www.club-vienne.fr.evil.example",
        "null",
        "http://www.club-vienne.fr",
    ],
)
def test_an_origin_the_series_does_not_list_gets_no_cors(client, world, origin):
    for response in (
        client.options(
            f"{API}/events/{world['event']}/registrations",
            headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
        ),
        client.get(f"{API}/public/events/{world['event']}", headers={"Origin": origin}),
    ):
        assert "Access-Control-Allow-Origin" not in response.headers


def test_another_series_evening_gets_no_cors_from_this_series_origins(client, world):
    response = client.get(f"{API}/public/events/{world['other_event']}", headers={"Origin": CLUB})
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/events/{event}"),
        ("GET", "/events/{event}/registrations"),
        ("GET", "/series"),
        ("GET", "/series/{series}"),
        ("POST", "/checkins"),
        ("GET", "/openapi.json"),
        ("GET", "/public/events/{draft}"),
    ],
)
def test_nothing_else_answers_another_origin(client, world, method, path):
    """The organisers' API with a token stays same-origin, whatever the series lists."""
    response = client.open(
        API + path.format(**world),
        method=method,
        headers={"Origin": CLUB, "Authorization": f"Bearer {world['token']}"},
    )
    assert "Access-Control-Allow-Origin" not in response.headers
    preflight = client.options(
        API + path.format(**world),
        headers={"Origin": CLUB, "Access-Control-Request-Method": method},
    )
    if path == "/events/{event}/registrations":
        # The signup's address too: its preflight lets POST through, never a GET.
        assert preflight.headers["Access-Control-Allow-Methods"] == "POST"
    else:
        assert "Access-Control-Allow-Origin" not in preflight.headers


def test_preflights_do_not_use_up_the_signup_limit(client, world):
    url = f"{API}/events/{world['event']}/registrations"
    for _ in range(15):
        client.options(url, headers={"Origin": CLUB, "Access-Control-Request-Method": "POST"})
    response = client.post(
        url,
        json={"first_name": "Zoé", "last_name": "Martin", "email": "zoe@example.org"},
        headers={"Origin": CLUB},
    )
    assert response.status_code == 201


# -- the public data -----------------------------------------------------------------------


def test_the_public_evening_data_holds_nothing_personal(client, make, world):
    make.registration(world["event"], first_name="Camille", email="camille@example.org")
    body = client.get(f"{API}/public/events/{world['event']}").get_data(as_text=True)
    assert "Camille" not in body and "camille@example.org" not in body
    data = client.get(f"{API}/public/events/{world['event']}").get_json()
    assert data["signups"] == "open" and data["seats_left"] == 39
    assert data["signup_url"].endswith(f"/api/v1/events/{world['event']}/registrations")
    listed = client.get(f"{API}/public/series/{world['series']}/events").get_json()
    assert [item["slug"] for item in listed["items"]] == [world["event"]]  # not the draft


def test_a_draft_or_unknown_evening_is_404(client, world):
    assert client.get(f"{API}/public/events/{world['draft']}").status_code == 404
    assert client.get(f"{API}/public/events/nope").status_code == 404
    assert client.get(f"{API}/public/series/nope/events").status_code == 404


# -- the admin -----------------------------------------------------------------------------


def test_the_organiser_lists_origins_and_a_bad_line_is_named_with_nothing_lost(app, client, world):
    log_in(client, world["organiser"])
    url = f"/admin/series/{world['series']}/website"
    token = csrf_from(client.get(url).get_data(as_text=True))
    typed = "https://www.club-vienne.fr\nwww.autre-site.fr/page"
    response = client.post(f"{url}/origins", data={"csrf_token": token, "allowed_origins": typed})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Not a website's address: www.autre-site.fr/page." in body
    assert "www.autre-site.fr/page</textarea>" in body
    response = client.post(
        f"{url}/origins",
        data={"csrf_token": token, "allowed_origins": "HTTPS://Www.Club-Vienne.fr/\nhttps://b.fr"},
    )
    assert response.status_code == 302
    with app.app_context():
        row = db.session.scalar(select(Series).where(Series.slug == world["series"]))
        assert row.allowed_origins == "https://www.club-vienne.fr\nhttps://b.fr"


def test_the_public_data_gives_the_pictures_for_the_clubs_own_pages(app, client, world):
    from meetup.events.models import Event
    from meetup.images.processing import Kind, clean
    from meetup.images.store import store
    from tests import pictures
    from tests.test_api_openapi import check_response

    assert client.get(f"{API}/public/events/{world['event']}").get_json()["cover"] is None
    with app.app_context():
        cover = store(clean(pictures.evening_scene(), Kind.COVER))
        logo = store(clean(pictures.club_logo(), Kind.LOGO))
        event = db.session.scalar(select(Event).where(Event.slug == world["event"]))
        event.cover_sha256 = cover.sha256
        db.session.scalar(
            select(Series).where(Series.slug == world["series"])
        ).logo_sha256 = logo.sha256
        db.session.commit()
        jpegs = [each.sha256 for each in cover.with_copies]
        twins = [each.sha256 for each in cover.avif_copies]
    data = client.get(f"{API}/public/events/{world['event']}").get_json()
    base = "http://localhost"  # the tests' BASE_URL: addresses are absolute
    assert data["cover"] == {
        "url": f"{base}/images/{jpegs[0]}.jpg",
        "type": "image/jpeg",
        "width": 1600,
        "height": 900,
        "sources": [
            {
                "type": "image/avif",
                "srcset": f"{base}/images/{twins[2]}.avif 800w, {base}/images/{twins[1]}.avif"
                f" 1200w, {base}/images/{twins[0]}.avif 1600w",
            },
            {
                "type": "image/jpeg",
                "srcset": f"{base}/images/{jpegs[2]}.jpg 800w, {base}/images/{jpegs[1]}.jpg"
                f" 1200w, {base}/images/{jpegs[0]}.jpg 1600w",
            },
        ],
    }
    assert data["series"]["logo"]["sources"] == [
        {"type": "image/png", "srcset": f"{data['series']['logo']['url']} 400w"}
    ]
    # As documented (OpenAPI), and every address answers anyone, as the club's page asks.
    document = client.get(f"{API}/openapi.json").get_json()
    check_response(
        document,
        "/public/events/{slug}",
        "get",
        client.get(f"{API}/public/events/{world['event']}"),
    )
    answer = client.get(f"{API}/public/series/{world['series']}/events")
    check_response(document, "/public/series/{slug}/events", "get", answer)
    listed = answer.get_json()
    assert listed["items"][0]["cover"] == data["cover"] and listed["series"]["logo"]
    for source in data["cover"]["sources"]:
        for address in source["srcset"].split(", "):
            url = address.split()[0].removeprefix(base)
            assert app.test_client().get(url).status_code == 200, url
