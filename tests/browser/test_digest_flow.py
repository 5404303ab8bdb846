"""An organiser turns the monthly neighbourhood digest on in a real browser: the page says
what it is, shows it in both languages, refuses a day that does not exist in every month."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import log_in, screenshot

pytestmark = pytest.mark.browser


def test_organiser_turns_the_digest_on(page, make):
    organiser = make.user("organiser")
    series = make.series(team=(organiser,), name="Café des entreprenants de Vienne")
    make.event(series, venue_name="Le Comptoir", venue_address="2 rue Marchande, Vienne")

    log_in(page, organiser)
    page.goto(f"/admin/series/{series}")
    page.get_by_role("link", name="Nouvelles du quartier").click()
    expect(page).to_have_url(re.compile(rf"/admin/series/{series}/digest$"))
    main = page.locator("main")
    expect(main).to_contain_text("Désactivées")
    expect(main).to_contain_text("Aucun envoi pour l’instant.")
    expect(main).to_contain_text("Bonjour Camille")
    expect(main).to_contain_text("Hello Camille")

    # A day past the 28th: the browser refuses it (min and max on the field).
    page.check("#enabled")
    page.fill("#day", "31")
    page.get_by_role("button", name="Enregistrer").click()
    assert page.locator("#day").evaluate("el => el.validity.rangeOverflow")

    page.fill("#day", "3")
    page.get_by_role("button", name="Enregistrer").click()
    expect(main).to_contain_text("Les nouvelles du quartier sont activées.")
    expect(main).to_contain_text("Prochain envoi")
    expect(page.locator("#enabled")).to_be_checked()
    expect(page.locator("#day")).to_have_value("3")
    screenshot(page, "digest-settings")
