"""The empty signup form is rendered once and served again (meetup.registrations.form_page):
each visitor still gets a token of their own, and nobody ever gets a page that is out of
date or that was someone else's."""

from __future__ import annotations

from sqlalchemy import update

from meetup.events.models import Event
from meetup.extensions import db
from tests.helpers import csrf_from, sign_up, signup_data


def _page(client, event) -> str:
    response = client.get(f"/events/{event}/signup")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_each_visitor_gets_a_token_of_their_own_that_works(app, make):
    event = make.event(make.series())
    first, second = app.test_client(), app.test_client()
    first_page, second_page = _page(first, event), _page(second, event)
    assert csrf_from(first_page) != csrf_from(second_page)
    assert first_page.replace(csrf_from(first_page), "") == second_page.replace(
        csrf_from(second_page), ""
    )
    for client, email in ((second, "b@example.org"), (first, "a@example.org")):
        response = sign_up(client, event, email=email)
        assert response.status_code == 302


def test_a_token_of_another_session_is_refused(app, make):
    event = make.event(make.series())
    first, second = app.test_client(), app.test_client()
    token = csrf_from(_page(first, event))
    _page(second, event)
    response = second.post(f"/events/{event}/signup", data={**signup_data(), "csrf_token": token})
    assert response.status_code == 400  # CSRFProtect: the token is not this session's


def test_an_edited_evening_shows_at_once(app, client, make):
    event = make.event(make.series(), theme="Avant")
    assert "Avant" in _page(client, event)
    with app.app_context():
        db.session.execute(update(Event).where(Event.slug == event).values(theme="Après"))
        db.session.commit()
    page = _page(client, event)
    assert "Après" in page and "Avant" not in page


def test_a_full_evening_says_waitlist_at_once(app, client, make):
    event = make.event(make.series(), capacity=1)
    client.set_cookie("lang", "en")
    assert "Join the waitlist" not in _page(client, event)
    assert sign_up(client, event).status_code == 302
    assert "Join the waitlist" in _page(client, event)


def test_each_language_has_its_page(app, make):
    event = make.event(make.series())
    french, english = app.test_client(), app.test_client()
    english.set_cookie("lang", "en")
    assert 'lang="fr"' in _page(french, event)
    assert 'lang="en"' in _page(english, event)
    assert 'lang="fr"' in _page(app.test_client(), event)


def test_a_logged_in_visitor_never_gets_or_leaves_a_kept_page(app, client, make, login):
    event = make.event(make.series())
    anonymous = app.test_client()
    _page(anonymous, event)
    login("organiser")
    for visitor in (client, anonymous):
        visitor.set_cookie("lang", "en")
    assert "Log out" in _page(client, event)
    assert "Log out" not in _page(anonymous, event)
