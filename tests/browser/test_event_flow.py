"""Journey 1 in a real browser: an organiser publishes an evening, a visitor reads it on a phone.

Dates are checked against spellings written out here, not recomputed with Babel, so that a
change of locale selection or of format shows up. Run alone: `pytest tests/browser`.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import log_in, screenshot

pytestmark = pytest.mark.browser

FR_MONTHS = "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"
EN_MONTHS = "January February March April May June July August September October November December"

THEME = "Travailler par et sur Internet"


def next_thursday(weeks_ahead: int = 3) -> date:
    """A Thursday at least `weeks_ahead` weeks away, so the evening stays in the future."""
    day = datetime.now(ZoneInfo("Europe/Paris")).date() + timedelta(weeks=weeks_ahead)
    return day + timedelta(days=(3 - day.weekday()) % 7)


def french_date(day: date) -> str:
    """Babel's full French date ("jeudi 10 décembre 2026"), first letter capitalised."""
    return f"Jeudi {day.day} {FR_MONTHS.split()[day.month - 1]} {day.year}"


def english_date(day: date) -> str:
    """Babel's full English date ("Thursday, December 10, 2026")."""
    return f"Thursday, {EN_MONTHS.split()[day.month - 1]} {day.day}, {day.year}"


def plain(text: str) -> str:
    """Babel puts a narrow no-break space in "7:00 PM" and no-break spaces elsewhere."""
    return re.sub(r"[\u202f\u00a0]", " ", text)


def html_lang(page) -> str:
    return page.locator("html").get_attribute("lang")


def test_organiser_publishes_an_evening_and_a_phone_reads_it_in_both_languages(page, phone, make):
    organiser = make.user("organiser")
    make.series(team=(organiser,), name="Café des entreprenants de Vienne")
    day = next_thursday()

    # The organiser logs in through the real form and creates the evening.
    log_in(page, organiser)
    page.locator("main .page-head a[role=button]").click()  # "New event" (one series)
    expect(page).to_have_url(re.compile(r"/admin/series/[^/]+/events/new$"))
    page.fill("#title", "Café des entreprenants de Vienne")
    page.fill("#theme", THEME)
    page.fill("#date", day.isoformat())  # <input type=date> takes ISO whatever the locale
    page.fill("#start_time", "19:00")
    page.fill("#end_time", "21:00")
    page.fill("#capacity", "40")
    page.locator("main form button[type=submit]").click()

    # It is a draft, shown in the organiser's language (French browser).
    expect(page).to_have_url(re.compile(r"/admin/events/[^/]+$"))
    expect(page.locator("h1")).to_contain_text(THEME)
    expect(page.locator("h1 .badge-draft")).to_be_visible()
    lead = plain(page.locator(".page-head .lead").inner_text())
    assert french_date(day) in lead and "19:00–21:00" in lead, lead
    screenshot(page, "admin-event-detail")

    page.locator("form[action$='/publish'] button").click()
    expect(page.locator("h1 .badge-published")).to_be_visible()
    expect(page.locator("form[action$='/publish']")).to_have_count(0)
    event_path = page.locator(".actions a[href^='/events/']").get_attribute("href")

    page.goto("/admin/")
    row = page.locator("table.event-table tbody tr", has_text=THEME)
    expect(row).to_have_count(1)
    expect(row.locator(".badge-published")).to_be_visible()
    expect(row.locator("td.num").first).to_have_text("0 / 40")
    screenshot(page, "admin-event-list")

    # A visitor on a phone, not logged in, French browser: French dates by default.
    phone.goto(event_path)
    assert html_lang(phone) == "fr"
    expect(phone.locator("h1")).to_have_text(THEME)
    expect(phone.locator(".event-facts time")).to_have_text(french_date(day))
    when = plain(phone.locator(".event-facts dd").first.inner_text())
    assert "19:00" in when and "21:00" in when, when
    expect(phone.locator(".language-switch [aria-current]")).to_have_text("FR")
    screenshot(phone, "event-phone-fr")

    # The language switcher turns the page into English...
    phone.get_by_role("link", name="EN", exact=True).click()
    expect(phone).to_have_url(re.compile(re.escape(event_path) + "$"))
    assert html_lang(phone) == "en"
    expect(phone.locator(".event-facts time")).to_have_text(english_date(day))
    when = plain(phone.locator(".event-facts dd").first.inner_text())
    assert "7:00 PM" in when and "9:00 PM" in when, when
    expect(phone.locator(".availability")).to_contain_text("40 seats left")
    screenshot(phone, "event-phone-en")

    # ...and the choice is remembered on the next page, despite the French browser.
    phone.locator(".kicker a").click()
    expect(phone).to_have_url(re.compile(r"/series/[^/]+$"))
    assert html_lang(phone) == "en"
    expect(phone.locator(".language-switch [aria-current]")).to_have_text("EN")
    card = plain(phone.locator(".event-card").inner_text())
    assert f"{english_date(day)}, 7:00 PM" in card, card


def test_phone_pages_are_accessible_from_the_keyboard(phone, make):
    series = make.series(team=(make.user("organiser"),))
    event = make.event(series, theme=THEME)

    phone.goto(f"/events/{event}")
    expect(phone.locator("h1")).to_have_count(1)
    assert html_lang(phone) == "fr"

    # The skip link is the first thing Tab reaches, shows up on screen and leads to <main>.
    phone.keyboard.press("Tab")
    focused = phone.evaluate("document.activeElement.className")
    assert focused == "skip-link", f"Tab first focuses {focused!r}"
    box = phone.locator(".skip-link").bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    phone.keyboard.press("Enter")
    expect(phone).to_have_url(re.compile(r"#main$"))
    expect(phone.locator("main#main")).to_have_count(1)

    phone.get_by_role("link", name="EN", exact=True).click()
    assert html_lang(phone) == "en"
    expect(phone.locator("h1")).to_have_count(1)

    # Login page: every visible field has a label, the skip link still comes first in the DOM.
    phone.goto("/login")
    unlabelled = phone.evaluate(
        """() => [...document.querySelectorAll("input, select, textarea")]
            .filter(el => el.type !== "hidden")
            .filter(el => !(el.labels && el.labels.length)
                          && !el.getAttribute("aria-label")
                          && !el.getAttribute("aria-labelledby"))
            .map(el => el.outerHTML)"""
    )
    assert unlabelled == []
    assert phone.locator("main input:not([type=hidden])").count() == 2
    first_focusable = phone.evaluate(
        """() => document.querySelector(
            "a[href], button, input:not([type=hidden]), select, textarea, [tabindex]"
        ).className"""
    )
    assert first_focusable == "skip-link"
