"""A regular gets the next evening's announcement and signs up in one tap from their phone;
a tap again says they are already in. The reminder's "give my seat" on the same phone."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from meetup.events.models import Event
from meetup.extensions import db
from meetup.mail.models import OutboxMessage
from meetup.registrations import news, reminders
from meetup.registrations.models import Registration, RegistrationStatus
from meetup.timeutil import utcnow
from tests.browser.helpers import screenshot
from tests.helpers import as_email, text_of

pytestmark = pytest.mark.browser

JOIN = re.compile(r"http://localhost(/events/[^/\s]+/join/[A-Za-z0-9_-]{40,})")
GIVE_SEAT = re.compile(r"http://localhost(/r/[A-Za-z0-9_-]{40,}/give-seat)")


def _link(app, kind: str, pattern: re.Pattern) -> str:
    with app.app_context():
        message = db.session.scalar(
            select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
        )
        return pattern.search(text_of(as_email(message))).group(1)


def test_one_tap_signup_and_give_my_seat_on_a_phone(app, phone, make):
    series = make.series(name="Café des entreprenants de Vienne")
    last = make.event(series, starts_at=utcnow().replace(microsecond=0) - timedelta(days=30))
    make.registration(last, first_name="Zoë", email="zoe@example.org", news=True,
                      company="Atelier Rhône Web")  # fmt: skip
    starts = utcnow().replace(microsecond=0) + timedelta(days=3)
    slug = make.event(series, starts_at=starts, venue_name="Café du Théâtre")
    with app.app_context():
        news.announce(db.session.scalar(select(Event).where(Event.slug == slug)))

    # The page a link scanner would open too, scripts and all: nothing happens until the
    # person taps its one button.
    phone.goto(_link(app, "announcement", JOIN))
    expect(phone.get_by_text("Bonjour Zoë,")).to_be_visible()
    expect(phone.get_by_text("Café du Théâtre")).to_be_visible()
    button = phone.get_by_role("button", name="Oui, je m’inscris")
    expect(button).to_be_visible()
    assert button.bounding_box()["width"] > 300  # the whole width of the phone, or nearly
    screenshot(phone, "one-tap-confirm-phone-fr")
    phone.wait_for_timeout(1000)  # time for any script to act: none does
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count()).select_from(Registration).join(Event).where(Event.slug == slug)
            )
            == 0
        )
    button.tap()
    expect(phone.get_by_role("heading", name="À bientôt !")).to_be_visible()
    screenshot(phone, "one-tap-signed-up-phone-fr")
    with app.app_context():
        zoe = db.session.scalars(
            select(Registration).where(Registration.email == "zoe@example.org")
        ).all()[-1]
        assert zoe.status is RegistrationStatus.CONFIRMED and zoe.company == "Atelier Rhône Web"

    phone.goto(_link(app, "announcement", JOIN))  # the same email, tapped again
    phone.get_by_role("button", name="Oui, je m’inscris").tap()
    expect(phone.get_by_role("heading", name="Vous êtes déjà inscrit·e")).to_be_visible()

    with app.app_context():
        assert reminders.send_due_reminders(now=starts - timedelta(hours=20)) == 1
    phone.goto(_link(app, "reminder", GIVE_SEAT))
    screenshot(phone, "give-seat-phone-fr")
    phone.get_by_role("button", name="Oui, je libère ma place").tap()
    expect(
        phone.get_by_role("heading", name="Merci\u00a0: votre place est libérée")
    ).to_be_visible()
