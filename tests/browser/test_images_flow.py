"""Pictures in a browser: an organiser uploads the series' logo and the evening's cover
through the forms; a phone shows the evening's page without jumping; a file too large is
said at once, before any upload."""

from __future__ import annotations

import base64

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from meetup.events.models import Event
from meetup.extensions import db
from meetup.images import processing
from meetup.registrations import emails
from meetup.registrations.models import Registration
from tests import pictures
from tests.browser.helpers import log_in, screenshot
from tests.helpers import outbox

pytestmark = pytest.mark.browser


def _file(name: str, data: bytes, mime: str) -> dict:
    return {"name": name, "mimeType": mime, "buffer": data}


def test_logo_and_cover_from_the_forms_to_a_phone(app, browser, page, phone, live_server, make):
    organiser = make.user("organiser")
    series = make.series(team=(organiser,), name="Café des entreprenants de Vienne")
    slug = make.vienne_evening(series)
    log_in(page, organiser)
    page.goto("/language/en")
    page.goto(f"/admin/series/{series}/edit")
    # Too large: said at once, the file let go, nothing sent.
    logo_input = page.locator("#logo")
    too_large = b"\xff\xd8" + b"\0" * (processing.MAX_UPLOAD_BYTES + 10)
    logo_input.set_input_files(_file("huge.jpg", too_large, "image/jpeg"))
    expect(page.locator("#logo-too-large")).to_contain_text("larger than 5 MB")
    assert logo_input.evaluate("input => input.files.length") == 0
    logo_input.set_input_files(_file("logo.png", pictures.club_logo(), "image/png"))
    expect(page.locator("#logo-too-large")).to_have_count(0)
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator(".flash-success")).to_contain_text("Series saved.")

    page.goto(f"/admin/events/{slug}/edit")
    page.locator("#cover").set_input_files(
        _file("soiree.jpg", pictures.evening_scene(), "image/jpeg")
    )
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator(".flash-success")).to_contain_text("Event saved.")
    page.goto(f"/admin/events/{slug}/edit")
    preview = page.locator(".picture-preview-cover")
    expect(preview).to_be_visible()
    assert preview.evaluate("img => img.complete && img.naturalWidth > 0")
    preview.scroll_into_view_if_needed()  # decoded and painted before the screenshot
    screenshot(page, "images-event-form-desktop")

    phone.goto("/language/fr")
    phone.goto(f"/events/{slug}")
    cover = phone.locator("img.event-cover")
    logo = phone.locator(".kicker img.series-logo")
    for image in (cover, logo):
        expect(image).to_be_visible()
        assert image.evaluate("img => img.complete && img.naturalWidth > 0")
        assert image.get_attribute("width") and image.get_attribute("height")
    assert cover.get_attribute("width") == "1600" and cover.get_attribute("height") == "900"
    box = cover.bounding_box()
    assert (
        box is not None
        and box["width"] <= 390
        and abs(box["width"] * 900 / 1600 - box["height"]) < 2
    )
    # Each screen loads the narrowest copy it needs, as AVIF: the phone (390 px at 2x) the
    # 800 px one, a desk 1280 px wide at 1x the 1,200 px one, the same desk at 2x the cover.
    with app.app_context():
        stored = db.session.scalar(select(Event).where(Event.slug == slug)).cover
        full, wide, narrow = (each.sha256 for each in stored.avif_copies)
    assert cover.evaluate("img => img.currentSrc").endswith(f"/images/{narrow}.avif")
    for scale, loaded in ((1, wide), (2, full)):
        desk = browser.new_page(viewport={"width": 1280, "height": 900}, device_scale_factor=scale)
        try:
            desk.goto(f"{live_server}/events/{slug}")
            shown = desk.locator("img.event-cover")
            expect(shown).to_be_visible()
            assert shown.evaluate("img => img.currentSrc").endswith(f"/images/{loaded}.avif")
        finally:
            desk.close()
    screenshot(phone, "images-event-phone", full_page=False)
    phone.goto(f"/series/{series}")
    expect(phone.locator(".hero img.series-logo")).to_be_visible()
    screenshot(phone, "images-series-phone", full_page=False)

    # The confirmation email, as a mail client that loads pictures shows it.
    phone.goto(f"/events/{slug}")
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == slug))
        registration = Registration(
            event=event, first_name="Marie", last_name="Curie", email="marie@example.org",
            manage_token_hash="x" * 64, ticket_code="T" * 32, language="fr",
        )  # fmt: skip
        db.session.add(registration)
        db.session.flush()
        emails.queue_signup(registration, "token-marie-0123456789abcdefghijklmnop")
        db.session.commit()
    (message,) = outbox(app, "confirmation")
    body = message.get_body(("html",)).get_content().replace("http://localhost", live_server)
    for part in message.walk():
        if part["Content-ID"]:
            data = base64.b64encode(part.get_content()).decode()
            cid = part["Content-ID"].strip("<>")
            body = body.replace(f"cid:{cid}", f"data:{part.get_content_type()};base64,{data}")
    mail_client = browser.new_page(viewport={"width": 600, "height": 900})  # no CSP of ours
    try:
        mail_client.set_content(body, wait_until="load")
        shown = mail_client.locator("img[src^='http']")
        expect(shown).to_have_count(2)  # the logo and the cover
        for image in shown.all():
            assert image.evaluate("img => img.complete && img.naturalWidth > 0")
        screenshot(mail_client, "images-confirmation-email")
    finally:
        mail_client.close()
