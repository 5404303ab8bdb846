"""An organiser writes to those who came (count, preview, send, the outbox's campaign line),
then moves an evening: asked first how many will be told, and chooses."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from meetup.events.models import Event
from meetup.extensions import db
from meetup.mail.models import OutboxMessage
from meetup.timeutil import utcnow
from tests.browser.helpers import log_in, screenshot

pytestmark = pytest.mark.browser


def test_write_to_those_who_came_then_move_an_evening(app, page, make):
    organiser = make.user("organiser")
    series = make.series(team=(organiser,), name="Café des entreprenants de Vienne",
                         contact_email="club@example.org")  # fmt: skip
    last = make.event(series, starts_at=utcnow().replace(microsecond=0) - timedelta(days=1))
    for name in ("Ana", "Ben", "Chloé"):
        make.registration(last, first_name=name, email=f"{name.lower()}@example.org",
                          checked_in_at=utcnow() - timedelta(hours=20))  # fmt: skip
    make.registration(last, first_name="Dan", email="dan@example.org")
    log_in(page, organiser)

    page.goto(f"/admin/events/{last}/registrations")
    page.get_by_role("button", name="Écrire aux personnes").click()
    page.get_by_label("Les personnes venues (3)").check()
    page.fill("#subject", "Merci d’être venus")
    page.fill("#body", "Merci pour cette soirée !\n\nLes diapositives : https://example.org/d")
    page.locator("button[value=preview]").click()
    expect(page.get_by_text("3 personnes recevront ce message.")).to_be_visible()
    expect(page.locator("pre[lang=fr]")).to_contain_text("Bonjour Camille")
    screenshot(page, "write-to-people-preview")
    page.locator("button[value=send]").click()
    expect(page.get_by_text("Votre message part vers 3 personnes.")).to_be_visible()
    page.goto("/admin/outbox")
    expect(page.get_by_role("heading", name="Messages de l’équipe organisatrice")).to_be_visible()
    screenshot(page, "outbox-campaign-line")

    upcoming = make.event(series, starts_at=utcnow().replace(microsecond=0) + timedelta(days=9),
                          venue_name="Café du Théâtre")  # fmt: skip
    make.registration(upcoming, first_name="Eva", email="eva@example.org")
    page.goto(f"/admin/events/{upcoming}/edit")
    page.fill("#venue_name", "La Halle aux Grains")
    page.locator("main form button[type=submit]").click()
    notice = page.locator(".change-notice")
    expect(notice).to_contain_text("1 personne inscrite peut en être informée par e-mail")
    screenshot(page, "event-change-asked-first", full_page=False)
    page.locator("button[value=no]").click()
    expect(page.get_by_text("Personne n’a été prévenu du changement.")).to_be_visible()
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == upcoming))
        assert event.venue_name == "La Halle aux Grains"
        kinds = db.session.scalars(select(OutboxMessage.kind)).all()
        assert "event_changed" not in kinds and kinds.count("campaign") == 3


def test_an_evening_reads_in_the_visitor_s_language_on_a_phone(app, phone, make):
    series = make.series(name="Café des entreprenants de Vienne")
    slug = make.event(
        series,
        theme="Les réseaux sociaux, pour quoi faire ?",
        description="Trois **intervenants**, puis on échange les cartes.",
        theme_en="Social networks: what for?",
        description_en="Three **speakers**, then we swap cards.",
    )
    phone.goto(f"/events/{slug}")  # the phone's French
    expect(phone.locator("main")).to_contain_text("Les réseaux sociaux, pour quoi faire")
    phone.goto(f"/language/en?next=/events/{slug}")
    expect(phone.locator("main")).to_contain_text("Social networks: what for?")
    expect(phone.locator("main")).to_contain_text("Three speakers, then we swap cards.")
    screenshot(phone, "event-in-english-phone")
