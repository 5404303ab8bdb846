"""An attendee on a phone reads the privacy page, looks at their data, and erases it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from meetup.extensions import db
from meetup.registrations.models import Registration
from tests.browser.helpers import screenshot

pytestmark = pytest.mark.browser

TOKEN = "browser-privacy-link-0123456789abcdefghijklmn"


def test_an_attendee_reads_the_privacy_page_sees_their_data_and_erases_it(app, phone, make):
    series = make.series(name="Café des entreprenants de Vienne", retention_nobody_days=30)
    event = make.event(series)
    rid = make.registration(
        event,
        token=TOKEN,
        first_name="Zéphyrine",
        last_name="Quillebeuf",
        email="zephyrine@example.org",
        company="Quillebeuf Conseil",
        visibility="attendees",
        language="fr",
    )
    phone.goto(f"/r/{TOKEN}")
    # The link beside "My data" (the one in the card form opens a new tab).
    phone.get_by_role("link", name="Comment nous utilisons et conservons vos données").last.click()
    expect(phone).to_have_url(re.compile(r"/privacy$"))
    expect(phone.locator("main")).to_contain_text("effacées 30 jours après la soirée")
    expect(phone.locator("main")).to_contain_text("Qui voit quoi")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(phone, "privacy-page-fr")

    phone.goto(f"/r/{TOKEN}")
    phone.get_by_role("button", name="Mes données", exact=True).click()
    expect(phone.locator("main")).to_contain_text("Quillebeuf Conseil")
    expect(phone.locator("main")).to_contain_text("Historique de vos consentements")
    phone.get_by_role("link", name="Tout effacer").click()
    expect(phone.locator("main")).to_contain_text("C’est définitif")
    screenshot(phone, "privacy-erase-fr")
    phone.get_by_role("button", name="Tout effacer maintenant").click()
    expect(phone).to_have_url(re.compile(r"/erased$"))
    expect(phone.locator("h1")).to_have_text("Vos données sont effacées")
    with app.app_context():
        registration = db.session.get(Registration, rid)
        assert registration.erased_at is not None and registration.last_name == ""
    # The link no longer works.
    response = phone.goto(f"/r/{TOKEN}")
    assert response.status == 404
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
