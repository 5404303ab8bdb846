"""The directory's map reaches everyone: ten people shown at one place share one pin that
says so, and its list leads to each card and its "Introduce us"; the organisers' address
fixer places a pin on a map too."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from meetup.directory import services
from meetup.events.models import Event
from meetup.extensions import db
from meetup.registrations.models import LocationStatus, Registration
from meetup.timeutil import utcnow
from tests.browser.helpers import log_in, screenshot

pytestmark = pytest.mark.browser

TOKEN = "browser-map-link-0123456789abcdefghijklmnop"
VIENNE = (45.52551, 4.87662)
NAMES = ("Anne", "Bruno", "Chloé", "David", "Elsa", "Farid", "Gaëlle", "Hugo", "Inès", "Jules")


def _evening(make):
    series = make.series(name="Café des entreprenants de Vienne")
    event = make.event(series, starts_at=(utcnow() - timedelta(days=1)).replace(microsecond=0))
    return series, event


def test_ten_people_at_one_place_are_all_reachable_from_the_map(app, phone, make):
    _series, event = _evening(make)
    came = utcnow() - timedelta(hours=20)
    make.registration(
        event,
        token=TOKEN,
        first_name="Zoé",
        last_name="Martin",
        street="30 quai Jean Jaurès",
        city="Vienne",
        latitude=VIENNE[0] - 0.02,
        longitude=VIENNE[1],
        visibility="attendees",
        checked_in_at=came,
    )
    # Ten offices in one building, a few metres apart: all shown in the same ~200 m cell.
    for n, first in enumerate(NAMES):
        make.registration(
            event,
            first_name=first,
            last_name="Voisin",
            company=f"Atelier {first}",
            street=f"{n + 1} rue Marchande",
            postcode="38200",
            city="Vienne",
            latitude=VIENNE[0] + n * 0.00001,
            longitude=VIENNE[1],
            visibility="attendees",
            accept_introductions=n % 2 == 0,
            checked_in_at=came,
        )
    with app.app_context():
        services.open_directory(db.session.scalar(db.select(Event).where(Event.slug == event)))

    phone.goto(f"/r/{TOKEN}")
    phone.goto(f"/events/{event}/directory")
    directory_map = phone.locator("#directory-map")
    expect(directory_map).to_have_attribute("data-ready", "11")
    expect(directory_map).to_have_attribute("data-places", "2")  # the ten, and Zoé
    shared = phone.locator("#directory-map .directory-pin", has_text="10")
    expect(shared).to_have_count(1)
    expect(shared).to_have_attribute("title", "10 personnes à cet endroit")
    # With the keyboard: the pin takes the focus, Enter opens its list.
    shared.focus()
    shared.press("Enter")
    popup = phone.locator(".leaflet-popup-content")
    expect(popup).to_contain_text("10 personnes à cet endroit")
    cards = popup.locator("a.marker-card")
    expect(cards).to_have_count(10)
    expect(popup.locator("a.marker-introduce")).to_have_count(5)  # those who accept
    expect(phone.locator(".leaflet-popup")).to_have_css("opacity", "1")  # faded in
    screenshot(phone, "directory-map-ten-at-one-place-fr", full_page=False)
    links = [cards.nth(i).get_attribute("href") for i in range(10)]
    names = [cards.nth(i).inner_text() for i in range(10)]
    assert sorted(names) == sorted(f"{first} Voisin" for first in NAMES)
    # Every one of them is reached: their card, with "Save contact".
    for href, name in zip(links, names, strict=True):
        response = phone.request.get(href)
        assert response.status == 200, href
        assert name in response.text()
    # And "Introduce us" from the popup lands on the card's button.
    popup.locator("a.marker-introduce").first.click()
    expect(phone).to_have_url(re.compile(r"/directory/\d+#card-\d+-introduce$"))
    button = phone.get_by_role("button", name="Nous présenter")
    expect(button).to_be_visible()
    button.click()  # opens the optional word
    phone.get_by_role("button", name="Demander la mise en relation").click()
    expect(phone.locator(".card-note")).to_contain_text("C’est demandé")
    screenshot(phone, "directory-card-introduced-fr", full_page=False)


def test_the_organiser_places_a_pin_on_the_address_fixers_map(app, page, make):
    organiser = make.user("organiser")
    series = make.series(team=(organiser,))
    event = make.event(series, starts_at=(utcnow() - timedelta(days=1)).replace(microsecond=0))
    rid = make.registration(event, first_name="Paul", street="Lieu-dit des Granges", city="Vienne")
    with app.app_context():
        registration = db.session.get(Registration, rid)
        registration.location_status = LocationStatus.NOT_FOUND
        db.session.commit()
    log_in(page, organiser)
    page.goto(f"/admin/events/{event}/directory")
    page.get_by_text("Lieu-dit des Granges").click()  # opens the person's section
    fix_map = page.locator(f"[data-form=fix-{rid}]")
    expect(fix_map).to_have_attribute("data-ready", "1")
    fix_map.scroll_into_view_if_needed()
    box = fix_map.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2 + 10, box["y"] + box["height"] / 2 + 10)
    expect(fix_map.locator(".leaflet-marker-icon")).to_have_count(1)
    assert page.locator(f"#r{rid}-latitude").input_value() != ""
    screenshot(page, "directory-address-fixer-map")
    page.locator(f"#fix-{rid} button[type=submit]").click()
    expect(page.locator(".flash").first).to_contain_text("Paul")
    with app.app_context():
        placed = db.session.get(Registration, rid)
        assert placed.location_status is LocationStatus.PLACED
        assert placed.near_latitude == placed.latitude  # a first pin counts at once
