"""An organiser prepares the badges in a real browser: picks a sheet, checks the calibration
link follows, previews the first page; an attendee finds the ticket PDF on their phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import log_in, screenshot

pytestmark = pytest.mark.browser

TOKEN = "browser-personal-link-0123456789abcdefghijklmn"


def test_organiser_previews_badges_then_an_attendee_gets_the_ticket(page, phone, make):
    organiser = make.user("organiser")
    slug = make.event(make.series(team=(organiser,), name="Café des entreprenants de Vienne"))
    people = [
        ("Marie", "Dupont", "Boulangerie Dupont", "rue Victor Hugo"),
        ("Jean-Christophe-Alexandre", "de La Rochefoucauld", "Société Anonyme du Dauphiné", ""),
        ("محمد", "العلي", "شركة التقنية الحديثة", ""),
    ]
    for first, last, company, street in people:
        make.registration(
            slug,
            first_name=first,
            last_name=last,
            company=company,
            street=street,
            visibility="attendees",
        )
    make.registration(slug, token=TOKEN, first_name="Zoé", last_name="Martin")
    make.registration(slug, status="waitlisted", first_name="Pas", last_name="Encore")

    log_in(page, organiser)
    page.goto(f"/admin/events/{slug}/registrations")
    page.locator("main .page-head a[role=button]", has_text="Badges").click()
    expect(page).to_have_url(re.compile(rf"/admin/events/{slug}/badges$"))
    expect(page.locator(".lead")).to_contain_text("4 personnes ont une place")

    # The calibration link follows the chosen sheet, without a reload.
    page.select_option("#layout", "avery-5395")
    expect(page.locator("#calibration-link")).to_have_attribute(
        "href", re.compile(r"/admin/badges/calibration/avery-5395\.pdf$")
    )
    page.select_option("#layout", "a4-2x5")
    page.get_by_role("button", name="Aperçu de la première page").click()
    preview = page.locator(".badge-preview img")
    expect(preview).to_be_visible()
    assert preview.evaluate("img => img.naturalWidth") > 300
    assert page.locator("#layout").input_value() == "a4-2x5"  # the choices stay as they were
    screenshot(page, "badges-preview-fr")
    # A preview is not a print: everyone is still to print.
    expect(page.locator(".lead")).to_contain_text("0 badge imprimé")

    phone.goto(f"/r/{TOKEN}")
    ticket = phone.get_by_role("link", name=re.compile("billet \\(PDF\\)"))
    expect(ticket).to_have_attribute("href", f"/r/{TOKEN}/ticket.pdf")
    screenshot(phone, "personal-page-ticket-link-fr")
