"""The evening's page and its empty signup form are rendered once and served again
(meetup.kept_pages): each visitor still gets a token of their own, and nobody ever gets a
page that is out of date or that was someone else's."""

from __future__ import annotations

from datetime import timedelta

from flask_wtf.csrf import generate_csrf
from sqlalchemy import select, update

from meetup import counters, kept_pages
from meetup.events.models import Event, Series, Speaker
from meetup.extensions import db
from meetup.timeutil import utcnow
from tests.helpers import csrf_from, post_form, sign_up, signup_data


def _write(app, statement) -> None:
    """A change made behind the pages' back (an organiser, another worker)."""
    with app.app_context():
        db.session.execute(statement)
        db.session.commit()


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


def test_a_token_from_another_visitor_s_page_is_refused_one_s_own_is_not(app, make):
    event = make.event(make.series())
    first, second = app.test_client(), app.test_client()
    theirs = csrf_from(_page(first, event))
    own = csrf_from(_page(second, event))  # the kept page, with this visitor's token
    data = signup_data()
    response = second.post(f"/events/{event}/signup", data={**data, "csrf_token": theirs})
    assert response.status_code == 400  # CSRFProtect: the token is not this session's
    response = second.post(f"/events/{event}/signup", data={**data, "csrf_token": own})
    assert response.status_code == 302


def test_an_edited_evening_shows_at_once(app, client, make):
    event = make.event(make.series(), theme="Avant")
    assert "Avant" in _page(client, event)
    _write(app, update(Event).where(Event.slug == event).values(theme="Après"))
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
    for visitor in (client, anonymous):
        visitor.set_cookie("lang", "en")
    _page(anonymous, event)
    login("organiser")
    assert "Log out" in _page(client, event)
    assert "Log out" not in _page(anonymous, event)


# -- the evening's page --------------------------------------------------------------------


def _event_page(client, event) -> str:
    response = client.get(f"/events/{event}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _kept(app) -> list[bytes]:
    """The keys kept (each a SHA-256: 32 bytes, whatever the page shows)."""
    keys = list(app.extensions.get("kept_pages", {}))
    assert all(isinstance(key, bytes) and len(key) == 32 for key in keys)
    return keys


def test_the_event_page_is_kept_and_each_visitor_gets_a_token_that_works(app, make):
    event = make.event(make.series())
    make.registration(event, email="eve@example.org")
    first, second = app.test_client(), app.test_client()
    first_page, second_page = _event_page(first, event), _event_page(second, event)
    assert len(_kept(app)) == 1  # rendered once, served twice
    assert csrf_from(first_page) != csrf_from(second_page)
    assert first_page.replace(csrf_from(first_page), "") == second_page.replace(
        csrf_from(second_page), ""
    )
    # Each visitor's "send me my link again" goes through with the token they were given.
    for client in (second, first):
        response = post_form(
            client, f"/events/{event}/link", {"email": "eve@example.org"}, page=f"/events/{event}"
        )
        assert response.status_code == 302


def test_a_signup_changes_the_seats_left_at_once(app, client, make):
    event = make.event(make.series(), capacity=3)
    client.set_cookie("lang", "en")
    assert "3 seats left" in _event_page(client, event)
    assert sign_up(app.test_client(), event).status_code == 302
    page = _event_page(client, event)
    assert "2 seats left" in page and "3 seats left" not in page


def test_an_edited_evening_series_or_speaker_shows_at_once(app, client, make):
    series = make.series(name="Club Avant")
    event = make.event(series, theme="Thème avant")
    assert "Thème avant" in _event_page(client, event)
    _write(app, update(Event).where(Event.slug == event).values(theme="Thème après"))
    assert "Thème après" in _event_page(client, event)
    _write(app, update(Series).where(Series.slug == series).values(name="Club Après"))
    page = _event_page(client, event)
    assert "Club Après" in page and "Club Avant" not in page
    with app.app_context():
        event_id = db.session.scalar(select(Event.id).where(Event.slug == event))
        db.session.add(Speaker(event_id=event_id, name="Aïcha Intervenante", bio="Avant"))
        db.session.commit()
    assert "Aïcha Intervenante" in _event_page(client, event)
    _write(app, update(Speaker).values(bio="Biographie revue"))
    page = _event_page(client, event)
    assert "Biographie revue" in page and ">Avant<" not in page


def test_signups_closing_show_at_once_though_nothing_was_written(app, client, make, monkeypatch):
    event = make.event(make.series())
    client.set_cookie("lang", "en")
    assert "Sign up" in _event_page(client, event)
    later = utcnow() + timedelta(days=10, minutes=1)  # the evening has begun
    monkeypatch.setattr("meetup.events.public_views.utcnow", lambda: later)
    page = _event_page(client, event)
    assert "Sign up</a>" not in page and "seats left" not in page


def test_a_past_evening_page_sets_no_cookie_when_kept(app, make):
    event = make.event(
        make.series(), starts_at=(utcnow() - timedelta(days=3)).replace(microsecond=0)
    )
    for _ in range(2):
        response = app.test_client().get(f"/events/{event}")
        assert response.status_code == 200
        assert "csrf_token" not in response.get_data(as_text=True)
        assert "Set-Cookie" not in response.headers
    assert len(_kept(app)) == 1


def test_a_page_with_a_flashed_message_is_neither_kept_nor_served_from_the_kept(app, make):
    event = make.event(make.series())
    client = app.test_client()
    _event_page(client, event)
    response = post_form(
        client, f"/events/{event}/link", {"email": "who@example.org"}, page=f"/events/{event}"
    )
    assert response.status_code == 302
    flashed = _event_page(client, event)
    assert "who@example.org" in flashed  # the message, on this visitor's page only
    assert "who@example.org" not in _event_page(app.test_client(), event)
    assert "who@example.org" not in _event_page(client, event)  # shown once


def test_the_organisers_never_get_or_leave_a_kept_event_page(app, client, make, login):
    organiser = make.user("organiser")
    event = make.event(make.series(team=(organiser,)))
    anonymous = app.test_client()
    for visitor in (client, anonymous):
        visitor.set_cookie("lang", "en")
    _event_page(anonymous, event)
    login("organiser", organiser)
    assert "Log out" in _event_page(client, event)
    assert "Log out" not in _event_page(anonymous, event)
    assert len(_kept(app)) == 1


def test_a_draft_is_never_kept(app, client, make, login):
    organiser = make.user("organiser")
    event = make.event(make.series(team=(organiser,)), status="draft")
    assert app.test_client().get(f"/events/{event}").status_code == 404
    login("organiser", organiser)
    response = client.get(f"/events/{event}")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert _kept(app) == []


def test_the_kept_pages_are_bounded(app, make, monkeypatch):
    monkeypatch.setattr(kept_pages, "MAX_PAGES", 3)
    series = make.series()
    events = [make.event(series, theme=f"Soirée {n}") for n in range(5)]
    for event in events:
        _event_page(app.test_client(), event)
    assert len(app.extensions["kept_pages"]) == 3


def test_how_each_page_was_made_is_counted_for_the_operators(app, client, make, login):
    def count(outcome: str) -> float:
        return counters.KEPT_PAGES.labels(page="event", outcome=outcome)._value.get()

    before = {outcome: count(outcome) for outcome in ("rendered", "kept", "personal")}
    event = make.event(make.series())
    for _ in range(3):
        _event_page(app.test_client(), event)
    login("organiser")
    _event_page(client, event)
    grew = {outcome: count(outcome) - before[outcome] for outcome in before}
    assert grew == {"rendered": 1, "kept": 2, "personal": 1}


def test_a_key_reads_every_column_even_one_not_loaded(app, make):
    event = make.event(make.series(), theme="Avant")
    with app.app_context():
        loaded = db.session.scalar(select(Event).where(Event.slug == event))
        whole = kept_pages.rows(loaded)
        db.session.expire(loaded, ["theme"])
        db.session.execute(update(Event).where(Event.slug == event).values(theme="Après"))
        assert kept_pages.rows(loaded) != whole
        assert "Après" in kept_pages.rows(loaded)[0]
        db.session.rollback()


def test_nothing_is_kept_while_templates_reload_as_they_are_edited(app, make, monkeypatch):
    monkeypatch.setitem(app.config, "TEMPLATES_AUTO_RELOAD", True)
    event = make.event(make.series())
    _event_page(app.test_client(), event)
    _page(app.test_client(), event)
    assert _kept(app) == []


def test_a_page_whose_token_shows_twice_is_not_kept(app, make, monkeypatch):
    """The token copied elsewhere in the page (a link carrying it, say): nowhere certain to
    put another visitor's, so the page is rendered for each."""
    event = make.event(make.series())
    original = kept_pages.kept_page

    def doubled(name, key, render):
        return original(name, key, lambda: render() + "<!-- " + generate_csrf() + " -->")

    monkeypatch.setattr("meetup.events.public_views.kept_page", doubled)
    first, second = app.test_client(), app.test_client()
    first_page, second_page = _event_page(first, event), _event_page(second, event)
    assert _kept(app) == []
    assert csrf_from(first_page) != csrf_from(second_page)
