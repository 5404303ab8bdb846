"""An organiser seats the evening's people by neighbourhood in a real browser, moves one by
hand; the attendee sees their table on their phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import log_in, screenshot

pytestmark = pytest.mark.browser

TOKEN = "browser-table-link-0123456789abcdefghijklmnop"
STREETS = {
    "Dupont": ("rue Victor Hugo", 45.5255, 4.8745),
    "Martin": ("rue Marchande", 45.5258, 4.8740),
    "Bernard": ("quai Jean Jaurès", 45.5262, 4.8735),
    "Petit": ("cours Romestang", 45.5205, 4.8790),
    "Durand": ("avenue Général Leclerc", 45.5200, 4.8800),
    "Moreau": ("rue de Bourgogne", 45.5195, 4.8810),
}


def test_organiser_seats_people_and_moves_one_then_the_attendee_sees_the_table(page, phone, make):
    organiser = make.user("organiser")
    slug = make.event(make.series(team=(organiser,), name="Café des entreprenants de Vienne"))
    for last, (street, lat, lon) in STREETS.items():
        make.registration(
            slug,
            first_name="Camille",
            last_name=last,
            street=f"3 {street}",
            postcode="38200",
            city="Vienne",
            latitude=lat,
            longitude=lon,
            token=TOKEN if last == "Dupont" else None,
        )
    make.registration(slug, first_name="Sans", last_name="Adresse")

    log_in(page, organiser)
    page.goto(f"/admin/events/{slug}")
    page.locator("main a[role=button]", has_text="Tables").click()
    expect(page).to_have_url(re.compile(rf"/admin/events/{slug}/tables$"))
    page.fill("#tables", "0")
    page.get_by_role("button", name="Placer les gens par quartier").click()
    # The browser itself refuses it (min and max on the field; the server's message:
    # tests/test_seating.py), and nothing was sent.
    assert page.locator("#tables").evaluate("el => el.validity.rangeUnderflow")
    expect(page).to_have_url(re.compile(rf"/admin/events/{slug}/tables$"))
    page.fill("#tables", "2")
    page.get_by_role("button", name="Placer les gens par quartier").click()
    expect(page.locator("main")).to_contain_text("7 personnes placées sur 2 tables par quartier")
    # The old town's three at one table, the south's three at the other.
    first, second = page.locator("#table-1"), page.locator("#table-2")
    north = first if "Dupont" in first.inner_text() else second
    south = second if north == first else first
    for last in ("Dupont", "Martin", "Bernard"):
        expect(north).to_contain_text(last)
        expect(south).not_to_contain_text(last)
    expect(north).to_contain_text("rue Victor Hugo")
    north_number = 1 if north == first else 2
    other = 3 - north_number

    # Moving Bernard by hand.
    row = north.locator("tr", has_text="Bernard")
    row.locator("select").select_option(str(other))
    row.get_by_role("button", name="Déplacer").click()
    expect(page.locator("main")).to_contain_text(f"Camille Bernard passe à la table {other}")
    expect(page.locator(f"#table-{other}")).to_contain_text("Bernard")
    screenshot(page, "tables-organiser-fr")

    phone.goto(f"/r/{TOKEN}")
    expect(phone.locator("#your-table")).to_have_text(f"Votre table\u00a0: {north_number}")
    screenshot(phone, "tables-personal-page-fr", full_page=False)
