"""A door phone paired by the QR code on the evening's page: no account, the door screen of
that evening, and nothing once revoked."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from meetup.timeutil import utcnow
from tests.browser.helpers import log_in, screenshot, wait_until
from tests.scanning import decode, require_tools

pytestmark = pytest.mark.browser


def test_a_phone_paired_by_the_qr_code_checks_people_in_until_revoked(
    app, page, phone, make, tmp_path
):
    organiser = make.user("organiser")
    series = make.series(team=(organiser,), name="Café des entreprenants de Vienne")
    slug = make.event(series, starts_at=utcnow() - timedelta(minutes=10))
    make.registration(slug, first_name="Zoé", last_name="Berthier", company="Atelier Z")
    make.registration(slug, first_name="Marc", last_name="Lenoir")

    log_in(page, organiser)
    page.goto(f"/admin/events/{slug}")
    page.get_by_role("button", name="Ajouter un téléphone d’accueil").click()
    expect(page.locator("h2#pairing-title")).to_have_text("Appairer Porte 1")
    screenshot(page, "door-phone-pairing-qr")
    # What the phone's camera reads: the QR code on the organiser's screen.
    require_tools()
    shot = tmp_path / "qr.png"
    page.locator("#pairing-qr").screenshot(path=str(shot))
    (link,) = decode([shot])
    assert link == "http://localhost" + urlsplit(page.locator("#pairing-link").inner_text()).path
    assert re.fullmatch(r"http://localhost/p/[A-Za-z0-9_-]{22}", link)

    phone.goto(urlsplit(link).path)  # the test's BASE_URL is not the live server's
    expect(phone.locator("main")).to_contain_text("Ce téléphone devient Porte 1")
    phone.get_by_role("button", name="Ouvrir l’écran d’accueil").tap()
    expect(phone).to_have_url(re.compile(rf"/door/{slug}$"))
    phone.locator("#q").tap()
    phone.keyboard.type("zoe")
    phone.get_by_role("button", name="Faire entrer Zoé Berthier").tap()
    expect(phone.locator("#answer-title")).to_have_text("Bienvenue Zoé — première fois !")
    expect(phone.locator("#count-in")).to_have_text("1")
    screenshot(phone, "door-phone-paired-screen", full_page=False)
    kept = "Object.keys(localStorage).filter(k => k.startsWith('door-list:')).length"
    wait_until(phone, f"{kept} === 1")  # the evening's list, kept for offline use

    # Listed on the organiser's page; revoked, the phone gets nothing at its next tap.
    page.goto(f"/admin/events/{slug}/door-phones")
    row = page.locator("#phones tr", has_text="Porte 1")
    expect(row).to_contain_text("appairé à")
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Révoquer").click()
    expect(page.locator("#phones tr", has_text="Porte 1")).to_contain_text("révoqué à")
    phone.locator("#q").fill("marc")  # the search itself is refused, and says why
    expect(phone.locator("#answer-title")).to_contain_text("reconnectez-vous")
    expect(phone.locator("#people")).not_to_contain_text("Marc")
    assert phone.evaluate(kept) == 0  # revoked: the list is wiped from the phone
    expect(phone.locator("#count-in")).to_have_text("1")
    phone.goto(f"/door/{slug}")
    expect(phone).to_have_url(re.compile(r"/login"))
