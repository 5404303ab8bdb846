"""The public pages: home, a series, an event; language choice."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from meetup.timeutil import utcnow


@pytest.fixture
def series(make):
    return make.series(name="Café des entreprenants de Vienne")


def test_event_page_in_french_by_default(client, make, series):
    slug = make.event(series, starts_at=datetime(2030, 12, 12, 18, tzinfo=UTC))
    html = client.get(f"/events/{slug}", headers={"Accept-Language": "fr-FR,fr;q=0.9"}).get_data(
        as_text=True
    )
    assert '<html lang="fr"' in html
    assert "Jeudi 12 décembre 2030" in html
    assert "19:00" in html


def test_event_page_in_english(client, make, series):
    slug = make.event(series, starts_at=datetime(2030, 12, 12, 18, tzinfo=UTC))
    html = client.get(f"/events/{slug}").get_data(as_text=True)
    assert '<html lang="en"' in html
    assert "Thursday, December 12, 2030" in html
    assert "7:00\u202fPM" in html


def test_language_choice_is_remembered_over_the_browser_language(client, make, series):
    slug = make.event(series, starts_at=datetime(2030, 12, 12, 18, tzinfo=UTC))
    response = client.get(f"/language/fr?next=/events/{slug}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/events/{slug}"
    html = client.get(f"/events/{slug}").get_data(as_text=True)  # browser still says "en"
    assert "Jeudi 12 décembre 2030" in html


def test_the_language_cookie_is_secure_over_https(client):
    cookie = client.get("/language/fr?next=/", base_url="https://localhost").headers["Set-Cookie"]
    assert cookie.startswith("lang=fr;") and "; Secure" in cookie
    # Over plain HTTP (`make run`) it must still be sent back.
    assert "Secure" not in client.get("/language/fr?next=/").headers["Set-Cookie"]


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "/\\evil.example"])
def test_language_switch_never_leaves_the_site(client, target):
    response = client.get("/language/en", query_string={"next": target})
    assert response.headers["Location"] == "/"


def test_unknown_language_is_ignored(client):
    response = client.get("/language/xx?next=/")
    assert "lang=" not in response.headers.get("Set-Cookie", "")


def test_seats_left_and_full(client, make, series):
    open_event = make.event(series, capacity=10)
    make.registrations(open_event, 7)
    make.registrations(open_event, 2, status="cancelled")
    assert "3 seats left" in client.get(f"/events/{open_event}").get_data(as_text=True)
    full = make.event(series, capacity=5)
    make.registrations(full, 5)
    make.registrations(full, 2, status="waitlisted")
    html = client.get(f"/events/{full}").get_data(as_text=True)
    assert "Full — waitlist open" in html


def test_one_seat_left_is_singular(client, make, series):
    slug = make.event(series, capacity=2)
    make.registrations(slug, 1)
    assert "1 seat left" in client.get(f"/events/{slug}").get_data(as_text=True)


def test_cancelled_event_says_so(client, make, series):
    slug = make.event(series, status="cancelled")
    html = client.get(f"/events/{slug}").get_data(as_text=True)
    assert "This evening is cancelled." in html
    assert "seats left" not in html


def test_series_page_lists_upcoming_and_past_but_not_drafts(client, make, series):
    soon = make.event(series, theme="Réseaux sociaux", starts_at=utcnow() + timedelta(days=5))
    make.event(series, theme="Brouillon secret", status="draft")
    make.event(series, theme="Le mois dernier", starts_at=utcnow() - timedelta(days=30))
    html = client.get(f"/series/{series}").get_data(as_text=True)
    assert "Réseaux sociaux" in html
    assert "Le mois dernier" in html
    assert "Past evenings" in html
    assert "Brouillon secret" not in html
    assert f"/events/{soon}" in html


def test_home_lists_published_upcoming_events(client, make, series):
    make.event(series, theme="Travailler par et sur Internet")
    make.event(series, theme="Brouillon secret", status="draft")
    html = client.get("/").get_data(as_text=True)
    assert "Travailler par et sur Internet" in html
    assert "Brouillon secret" not in html


def test_unknown_pages_are_404_in_the_visitors_language(client):
    assert client.get("/events/nope").status_code == 404
    assert client.get("/series/nope").status_code == 404
    html = client.get("/nope", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="fr"' in html


def test_event_description_markdown_is_rendered_safely(client, make, series):
    slug = make.event(series, description="**Bienvenue** <script>alert(1)</script>")
    html = client.get(f"/events/{slug}").get_data(as_text=True)
    assert "<strong>Bienvenue</strong>" in html
    assert "<script>alert" not in html


def test_pages_load_nothing_from_other_hosts(client, make, series):
    slug = make.event(series)
    for url in ("/", f"/series/{series}", f"/events/{slug}", "/login"):
        html = client.get(url).get_data(as_text=True)
        # Links a person follows (Google, Outlook calendars) load nothing by themselves.
        html = re.sub(r'<a href="https://[^"]*"', "<a", html)
        assert "http://" not in html.replace("http://localhost", "")
        assert "https://" not in html
        assert "<script>" not in html  # no inline script: the CSP forbids it
        assert " style=" not in html


def test_a_past_evening_points_to_the_next_one(client, make, series):
    from datetime import timedelta

    from meetup.timeutil import utcnow

    past = make.event(series, starts_at=(utcnow() - timedelta(days=3)).replace(microsecond=0))
    html = client.get(f"/events/{past}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "This evening is over." in html and "not announced yet" in html
    assert "Sign up" not in html
    upcoming = make.event(series, theme="Les réseaux sociaux, pour quoi faire ?")
    make.event(series, status="draft", starts_at=utcnow() + timedelta(days=2))  # not public
    html = client.get(f"/events/{past}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f'href="/events/{upcoming}"' in html and "Les réseaux sociaux" in html
    cancelled = make.event(series, status="cancelled")
    html = client.get(f"/events/{cancelled}", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert "This evening is cancelled." in html and f'href="/events/{upcoming}"' in html
    assert "This evening is over." not in html
