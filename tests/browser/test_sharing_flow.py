"""Sharing on a phone: "Add to my calendar" beside the .ics on the event page, and the
series' calendar feed to subscribe to, fetched and parsed as a calendar app would."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from icalendar import Calendar
from playwright.sync_api import expect

from tests.browser.helpers import screenshot

pytestmark = pytest.mark.browser


def test_calendar_links_and_feed_on_a_phone(phone, live_server, make):
    series = make.series(name="Café des entreprenants de Vienne")
    slug = make.vienne_evening(series)
    phone.goto("/language/fr")
    phone.goto(f"/events/{slug}")
    links = phone.locator(".calendar-links")
    expect(links).to_contain_text("Ajouter à mon agenda\u00a0:")
    expect(links.locator("a")).to_have_count(4)
    google = urlsplit(links.locator("a.calendar-google").get_attribute("href"))
    assert google.hostname == "calendar.google.com"
    assert parse_qs(google.query)["dates"] == ["20301212T180000Z/20301212T200000Z"]
    outlook = urlsplit(links.locator("a.calendar-outlook").get_attribute("href"))
    assert outlook.hostname == "outlook.live.com"
    # The links are on screen and tappable, not pushed off a phone's width.
    box = links.locator("a.calendar-office").bounding_box()
    assert box is not None and box["x"] + box["width"] <= 390
    assert phone.locator('meta[property="og:title"]').get_attribute("content") == (
        "Travailler par et sur Internet — Café des entreprenants de Vienne"
    )
    screenshot(phone, "sharing-event-phone-fr", full_page=False)

    phone.goto(f"/series/{series}")
    feed_link = phone.get_by_role("link", name="S’abonner à l’agenda de la série")
    expect(feed_link).to_be_visible()
    screenshot(phone, "sharing-series-phone-fr", full_page=False)
    response = phone.request.get(live_server + feed_link.get_attribute("href"))
    assert response.ok and response.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.body())
    assert [str(e["uid"]) for e in calendar.walk("VEVENT")] == [f"event-{slug}@localhost"]
    assert feed_link.get_attribute("href").endswith("calendar.ics?lang=fr")
