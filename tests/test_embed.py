"""The embeddable signup: our own form in a frame only the series' origins may hold, in the
page's language, with the same fields, consents, errors and waitlist."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from meetup.events.models import Series
from meetup.extensions import db
from meetup.privacy.models import ConsentRecord
from meetup.registrations.models import Registration, Source, Visibility

CLUB = "https://www.club-vienne.fr"


@pytest.fixture
def world(app, make):
    series = make.series()
    with app.app_context():
        db.session.scalar(select(Series).where(Series.slug == series)).allowed_origins = CLUB
        db.session.commit()
    return {"series": series, "event": make.event(series, capacity=1), "bare": make.series()}


def test_only_the_series_origins_may_frame_it(client, make, world):
    response = client.get(f"/embed/events/{world['event']}?lang=en")
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert f"frame-ancestors {CLUB}" in policy and "script-src 'self'" in policy
    assert "X-Frame-Options" not in response.headers
    other = client.get(f"/embed/events/{make.event(world['bare'])}")
    assert "frame-ancestors 'none'" in other.headers["Content-Security-Policy"]
    # Every other page stays unframeable.
    assert client.get(f"/events/{world['event']}").headers["X-Frame-Options"] == "DENY"


def test_it_speaks_the_page_s_language(client, world):
    french = client.get(f"/embed/events/{world['event']}?lang=fr").get_data(as_text=True)
    assert 'lang="fr"' in french and "Prénom" in french
    english = client.get(f"/embed/events/{world['event']}?lang=en").get_data(as_text=True)
    assert 'lang="en"' in english and "Sign up" in english


def test_the_series_address_shows_its_next_evening(client, world):
    page = client.get(f"/embed/series/{world['series']}?lang=en").get_data(as_text=True)
    assert f'action="/embed/events/{world["event"]}?lang=en"' in page
    empty = client.get(f"/embed/series/{world['bare']}?lang=en").get_data(as_text=True)
    assert "No evening is announced yet." in empty


def test_a_bad_signup_keeps_what_was_typed_and_says_why(app, client, world):
    response = client.post(
        f"/embed/events/{world['event']}?lang=en",
        data={"first_name": "Zoé", "last_name": "", "email": "zoe@", "visibility": "community"},
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'value="Zoé"' in body and 'value="zoe@"' in body
    assert "This email address is not valid." in body
    with app.app_context():
        assert db.session.scalars(select(Registration)).all() == []


def test_a_signup_through_it_is_the_person_s_own_with_its_consents(app, client, world):
    data = {
        "first_name": "Zoé",
        "last_name": "Martin",
        "email": "zoe@example.org",
        "visibility": "community",
        "share_email": "y",
        "language": "en",
    }
    response = client.post(f"/embed/events/{world['event']}?lang=en", data=data)
    assert response.status_code == 200
    assert "See you there!" in response.get_data(as_text=True)
    second = client.post(
        f"/embed/events/{world['event']}?lang=en", data={**data, "email": "bruno@example.org"}
    )
    assert "You are on the waitlist" in second.get_data(as_text=True)  # capacity 1
    with app.app_context():
        zoe = db.session.scalar(select(Registration).where(Registration.email == "zoe@example.org"))
        assert (zoe.source, zoe.visibility, zoe.share_email) == (
            Source.PUBLIC,
            Visibility.COMMUNITY,
            True,
        )
        hows = set(
            db.session.scalars(
                select(ConsentRecord.how).where(ConsentRecord.registration_id == zoe.id)
            )
        )
        assert hows == {"public"}


def test_no_cookie_is_needed_nor_set(client, world):
    response = client.post(
        f"/embed/events/{world['event']}",
        data={
            "first_name": "Zoé",
            "last_name": "Martin",
            "email": "zoe@example.org",
            "visibility": "nobody",
            "language": "fr",
        },
    )
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


def test_a_draft_is_404_and_a_closed_evening_says_so(client, make, world):
    assert (
        client.get(f"/embed/events/{make.event(world['series'], status='draft')}").status_code
        == 404
    )
    cancelled = make.event(world["series"], status="cancelled")
    page = client.get(f"/embed/events/{cancelled}?lang=en").get_data(as_text=True)
    assert "This evening is cancelled." in page


def test_the_series_page_gives_the_tag_to_paste(client, make, world):
    organiser = make.user("organiser")
    series = make.series(team=(organiser,))
    from tests.helpers import log_in

    log_in(client, organiser)
    page = client.get(f"/admin/series/{series}/website").get_data(as_text=True)
    assert (
        f'&lt;script src="http://localhost/static/js/widget.js" data-series="{series}" async'
        in page
    )
