"""An evening's title, theme and description in French and in English (issue 19, point 9):
each visitor and each email gets their language, else the other."""

from __future__ import annotations

from datetime import timedelta

from icalendar import Calendar
from sqlalchemy import select

from meetup.events.models import Event
from meetup.extensions import db
from meetup.timeutil import utcnow
from tests.helpers import log_in, outbox, post_form, sign_up

FR = {"title": "Café des entreprenants", "theme": "Travailler par et sur Internet",
      "description": "On parle **réseaux**."}  # fmt: skip
EN = {"title_en": "Entrepreneurs' café", "theme_en": "Working through and on the Internet",
      "description_en": "We talk **networks**."}  # fmt: skip


def _visitor(app, language: str):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    return client


def test_the_organiser_writes_both_and_each_visitor_reads_theirs(app, client, make):
    organiser = make.user("organiser")
    series = make.series(team=(organiser,))
    day = (utcnow() + timedelta(days=12)).date()
    slug = make.event(series, **FR)
    log_in(client, organiser)
    form = {**FR, **EN, "date": day.isoformat(), "start_time": "19:00", "end_time": "21:00",
            "capacity": "40", "venue_name": "", "venue_address": "",
            "registration_opens_at": "", "registration_closes_at": ""}  # fmt: skip
    page = client.get(f"/admin/events/{slug}/edit").get_data(as_text=True)
    assert 'name="theme_en"' in page and 'name="description_en"' in page
    response = post_form(client, f"/admin/events/{slug}/edit", form)
    assert response.status_code == 302
    slug = response.headers["Location"].rsplit("/", 1)[1]  # the date may have moved it

    english = _visitor(app, "en").get(f"/events/{slug}").get_data(as_text=True)
    assert (
        "Working through and on the Internet" in english and "<strong>networks</strong>" in english
    )
    assert "Travailler par et sur Internet" not in english
    french = _visitor(app, "fr").get(f"/events/{slug}").get_data(as_text=True)
    assert "Travailler par et sur Internet" in french and "<strong>réseaux</strong>" in french
    assert "Working through" not in french

    calendar = Calendar.from_ical(_visitor(app, "en").get(f"/events/{slug}/calendar.ics").data)
    summary = str(next(iter(calendar.walk("VEVENT")))["summary"])
    assert summary.endswith("Working through and on the Internet")

    # Each email in its reader's language.
    sign_up(_visitor(app, "fr"), slug, email="fr@example.org", language="fr")
    sign_up(_visitor(app, "en"), slug, email="en@example.org", language="en")
    subjects = {m["To"].addresses[0].addr_spec: str(m["Subject"]) for m in outbox(app)}
    assert subjects["fr@example.org"].endswith("Travailler par et sur Internet")
    assert subjects["en@example.org"] == "You're in: Working through and on the Internet"


def test_a_text_written_in_one_language_only_is_shown_in_both(app, make):
    series = make.series()
    french_only = make.event(series, **FR)
    english_only = make.event(
        series, starts_at=utcnow().replace(microsecond=0) + timedelta(days=40),
        title="Café", theme="", description="", theme_en="Social networks: what for?",
    )  # fmt: skip
    english = _visitor(app, "en").get(f"/events/{french_only}").get_data(as_text=True)
    assert "Travailler par et sur Internet" in english  # nothing in English: the French
    french = _visitor(app, "fr").get(f"/events/{english_only}").get_data(as_text=True)
    assert "Social networks: what for?" in french  # nothing in French: the English
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == english_only))
        assert event.shown("theme", "fr") == "Social networks: what for?"
        assert event.shown("title", "en") == "Café"


def test_english_texts_are_checked_as_the_french_ones(app, client, make):
    organiser = make.user("organiser")
    slug = make.event(make.series(team=(organiser,)), **FR)
    log_in(client, organiser)
    day = (utcnow() + timedelta(days=10)).date()
    form = {**FR, "title_en": "x" * 201, "theme_en": "Ok", "description_en": "",
            "date": day.isoformat(), "start_time": "19:00", "end_time": "21:00",
            "capacity": "40", "registration_opens_at": "", "registration_closes_at": ""}  # fmt: skip
    response = post_form(client, f"/admin/events/{slug}/edit", form)
    html = response.get_data(as_text=True)
    assert response.status_code in (200, 422) and "this has 201" in html
    assert 'value="Ok"' in html  # what was typed is kept
