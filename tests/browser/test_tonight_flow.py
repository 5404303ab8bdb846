"""Tonight, in the room, on two phones: each attendee checked in sees the other under "Here
tonight" within a poll, without reloading; leaving takes one off the other's list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from meetup.extensions import db
from meetup.registrations.models import Registration
from meetup.timeutil import utcnow
from tests.browser.helpers import screenshot

pytestmark = pytest.mark.browser

VIENNE = (45.52551, 4.87662)
MARIE = "browser-tonight-marie-0123456789abcdefghij"
KARIM = "browser-tonight-karim-0123456789abcdefghij"


@pytest.fixture
def quick_polls(app):
    saved = app.config["TONIGHT_POLL_SECONDS"]
    app.config["TONIGHT_POLL_SECONDS"] = 2
    yield
    app.config["TONIGHT_POLL_SECONDS"] = saved


def test_two_attendees_checked_in_see_each_other_within_a_poll(app, phone, page, make, quick_polls):
    series = make.series(name="Café des entreprenants de Vienne")
    event = make.event(series, starts_at=utcnow() - timedelta(minutes=30))
    common = {"visibility": "attendees", "street": "12 rue Marchande", "city": "Vienne"}
    make.registration(
        event, token=MARIE, first_name="Marie", last_name="Dupont", company="Cabinet Dupont",
        latitude=VIENNE[0], longitude=VIENNE[1], checked_in_at=utcnow() - timedelta(minutes=5),
        looking_for="un menuisier", **common,
    )  # fmt: skip
    karim = make.registration(
        event, token=KARIM, first_name="Karim", last_name="Benali", company="Atelier Benali",
        help_with="Menuiserie", latitude=VIENNE[0] + 0.0009, longitude=VIENNE[1], **common,
    )  # fmt: skip

    # Marie is in; Karim not yet: she sees nobody.
    phone.goto(f"/r/{MARIE}")
    tonight = phone.locator("#tonight")
    expect(tonight).to_contain_text("Personne parmi ceux qui ont choisi d’être vus")
    # Karim's page, open at the door, waits for his ticket to be scanned.
    page.goto(f"/r/{KARIM}")
    expect(page.locator("#tonight")).to_contain_text("Dès que votre billet est scanné")
    with app.app_context():
        db.session.get(Registration, karim).checked_in_at = utcnow()
        db.session.commit()
    # Within a poll, without reloading: each sees the other, the neighbour count first.
    expect(tonight.locator(".tonight-person")).to_contain_text("Karim Benali", timeout=8_000)
    expect(tonight.locator(".tonight-count")).to_contain_text(
        "1 personne qui travaille près de votre bureau est là"
    )
    expect(tonight.locator(".tonight-person")).to_contain_text("Propose ce que vous cherchez")
    expect(page.locator("#tonight .tonight-person")).to_contain_text("Marie Dupont", timeout=8_000)
    tonight.scroll_into_view_if_needed()
    screenshot(phone, "tonight-in-the-room-fr", full_page=False)
    # Karim leaves: off Marie's list within a poll.
    page.get_by_role("button", name="Je m’en vais").click()
    expect(page.locator("#tonight")).to_contain_text("Vous avez indiqué partir")
    expect(tonight.locator(".tonight-person")).to_have_count(0, timeout=8_000)
    assert int(tonight.get_attribute("data-polled")) >= 2


def test_a_badge_scanned_with_the_phone_joins_my_encounters(app, phone, make):
    series = make.series(name="Café des entreprenants de Vienne")
    event = make.event(series, starts_at=utcnow() - timedelta(minutes=30))
    at = utcnow() - timedelta(minutes=5)
    make.registration(event, token=MARIE, first_name="Marie", last_name="Dupont",
                      visibility="attendees", checked_in_at=at)  # fmt: skip
    karim = make.registration(
        event, first_name="Karim", last_name="Benali", company="Atelier Benali",
        help_with="Menuiserie", visibility="attendees", accept_introductions=True,
        share_email=True, email="karim@example.org", checked_in_at=at,
    )  # fmt: skip
    with app.app_context():
        code = db.session.get(Registration, karim).ticket_code
    phone.goto(f"/r/{MARIE}")
    phone.goto(f"/b/{code}")  # what the phone's camera opens
    expect(phone.locator("main")).to_contain_text("Karim Benali")
    phone.goto(f"/r/{MARIE}")
    encounters = phone.locator("#encounters")
    expect(encounters).to_contain_text("Karim Benali")
    expect(encounters).to_contain_text("karim@example.org")
    encounters.get_by_role("button", name="Nous présenter").click()
    expect(phone.locator("#encounters")).to_contain_text("Mise en relation demandée")
    phone.locator("#encounters").scroll_into_view_if_needed()
    screenshot(phone, "my-encounters-fr", full_page=False)
