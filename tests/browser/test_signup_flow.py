"""An attendee signs up from their phone, reads the confirmation and opens their personal page."""

from __future__ import annotations

import email
import re
from email import policy

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from meetup.extensions import db
from meetup.mail.models import OutboxMessage
from meetup.mail.services import message_bytes
from tests.browser.helpers import screenshot

pytestmark = pytest.mark.browser


def _confirmation(app) -> email.message.EmailMessage:
    with app.app_context():
        message = db.session.scalar(
            select(OutboxMessage).where(OutboxMessage.kind == "confirmation")
        )
        return email.message_from_bytes(message_bytes(message), policy=policy.default)


def test_signup_on_a_phone_in_under_a_minute(app, phone, make):
    slug = make.event(make.series(name="Café des entreprenants de Vienne"), capacity=40)
    phone.goto(f"/events/{slug}")
    phone.get_by_role("button", name="S’inscrire").click()
    phone.fill("#first_name", "Zoë")
    phone.fill("#last_name", "O’Brien")
    phone.fill("#email", "zoe@example.org")
    phone.locator("summary", has_text="Votre activité").click()
    phone.fill("#company", "Atelier Rhône Web")
    phone.check("input[name=visibility][value=attendees]")
    screenshot(phone, "signup-phone-fr")
    phone.get_by_role("button", name="S’inscrire").click()
    assert phone.locator("h1").inner_text() == "À bientôt\u00a0!"
    screenshot(phone, "signed-up-phone-fr")

    message = _confirmation(app)
    text = message.get_body(("plain",)).get_content()
    assert "Bonjour Zoë," in text
    link = re.search(r"http://localhost(/r/[\w-]+)", text).group(1)
    phone.goto(link)
    assert phone.locator(".ticket-box h2").inner_text() == "Votre billet"
    assert phone.locator("img.ticket-qr").evaluate("img => img.naturalWidth") > 100
    assert phone.input_value("#company") == "Atelier Rhône Web"
    screenshot(phone, "personal-page-phone-fr")


def test_a_name_too_long_is_said_not_cut(app, phone, make):
    """A browser would cut a pasted text at the field's maxlength without a word: there is
    none; the form says what is too long, beside the field, and gives the text back."""
    slug = make.event(make.series(), capacity=40)
    phone.goto(f"/events/{slug}/signup")
    long_name = "de la Tour du Pin " * 5 + "Montauban"  # 99 characters
    phone.locator("#last_name").press_sequentially(long_name)
    assert phone.input_value("#last_name") == long_name
    phone.fill("#first_name", "Zoë")
    phone.fill("#email", "zoe@example.org")
    phone.check("input[name=visibility][value=attendees]")
    phone.get_by_role("button", name="S’inscrire").click()
    expect(phone.locator("[data-error-summary]")).to_be_focused()
    expect(phone.locator("#last_name")).to_have_attribute("aria-invalid", "true")
    assert phone.input_value("#last_name") == long_name.strip()
    expect(phone.locator("#last_name-error")).to_contain_text("80 caractères au maximum")
    expect(phone.locator("#last_name-error")).to_contain_text(
        f"il y en a {len(long_name.strip())} ici"
    )
    screenshot(phone, "signup-too-long-phone-fr")


def test_switching_language_keeps_what_was_typed(phone, make):
    slug = make.event(make.series(), capacity=40)
    phone.goto(f"/events/{slug}/signup")
    phone.fill("#first_name", "Zoë")
    phone.fill("#email", "zoe@example.org")
    phone.locator("summary", has_text="Votre activité").click()
    phone.fill("#company", "Atelier Rhône Web")
    phone.check("input[name=visibility][value=attendees]")
    phone.locator(".language-switch a[hreflang=en]").click()
    expect(phone.get_by_role("button", name="Sign up")).to_be_visible()
    # app.js puts the values back once the page has loaded: expect() waits for it.
    expect(phone.locator("#first_name")).to_have_value("Zoë")
    expect(phone.locator("#email")).to_have_value("zoe@example.org")
    expect(phone.locator("#company")).to_have_value("Atelier Rhône Web")
    expect(phone.locator("#company")).to_be_visible()  # its section opened again
    expect(phone.locator("input[name=visibility][value=attendees]")).to_be_checked()
    # Left as it was, the emails' language follows the page's new language.
    expect(phone.locator("#language")).to_have_value("en")
    # Kept for that one reload only: the next visit starts empty.
    phone.goto(f"/events/{slug}/signup")
    phone.wait_for_load_state("load")
    assert phone.evaluate("sessionStorage.length") == 0
    assert phone.input_value("#first_name") == ""


def test_a_failed_save_on_the_personal_page_takes_the_attendee_to_the_errors(app, phone, make):
    """The personal page opens with the ticket, far above the card: after a save the page
    could not take, the error summary is where the phone shows and reads out, and each of
    its links puts the cursor in the field to correct."""
    slug = make.event(make.series(), capacity=40)
    phone.goto(f"/events/{slug}/signup")
    phone.fill("#first_name", "Zoë")
    phone.fill("#last_name", "O’Brien")
    phone.fill("#email", "zoe@example.org")
    phone.check("input[name=visibility][value=attendees]")
    phone.get_by_role("button", name="S’inscrire").click()
    text = _confirmation(app).get_body(("plain",)).get_content()
    phone.goto(re.search(r"http://localhost(/r/[\w-]+)", text).group(1))
    phone.fill("#first_name", "")
    phone.fill("#website", "pas une url")
    phone.get_by_role("button", name="Enregistrer").click()
    summary = phone.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_be_in_viewport()
    expect(summary.get_by_role("link")).to_have_count(2)
    screenshot(phone, "personal-page-errors-phone-fr")
    summary.get_by_role("link", name="Site web").click()
    expect(phone.locator("#website")).to_be_focused()
    expect(phone.locator("#website")).to_have_value("pas une url")  # nothing typed is lost
