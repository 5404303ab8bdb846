"""An attendee on a phone after the evening: places their office's pin, opens the directory,
finds their neighbours first and every office on the map, asks for an introduction."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from meetup.directory import services
from meetup.events.models import Event
from meetup.extensions import db
from meetup.registrations.models import Registration
from meetup.timeutil import utcnow
from tests.browser.helpers import screenshot

pytestmark = pytest.mark.browser

TOKEN = "browser-directory-link-0123456789abcdefghijkl"
VIENNE = (45.52551, 4.87662)


def test_an_attendee_finds_their_neighbours_on_a_phone(app, phone, make):
    series = make.series(name="Café des entreprenants de Vienne")
    event = make.event(series, starts_at=(utcnow() - timedelta(days=1)).replace(microsecond=0))
    came = utcnow() - timedelta(hours=20)
    me = make.registration(
        event,
        token=TOKEN,
        first_name="Zoé",
        last_name="Martin",
        street="Lieu-dit des Granges",
        city="Vienne",
        looking_for="un expert-comptable",
        visibility="community",
        checked_in_at=came,
        language="fr",
    )
    people = [
        ("Marie", "Dupont", "Cabinet Dupont", "Comptabilité", 0.0003, "attendees", True),
        ("Karim", "Benali", "Atelier Benali", "Menuiserie", 0.0012, "community", False),
        ("Lucie", "Faure", "Faure Conseil", "Stratégie", 0.02, "community", True),
        ("Caché", "Personne", "Secret SA", "", 0.0002, "nobody", True),
    ]
    for first, last, company, helps, north, visibility, share in people:
        make.registration(
            event,
            first_name=first,
            last_name=last,
            company=company,
            help_with=helps,
            street="12 rue Marchande",
            postcode="38200",
            city="Vienne",
            latitude=VIENNE[0] + north,
            longitude=VIENNE[1],
            visibility=visibility,
            share_email=share,
            share_address=share,
            accept_introductions=True,
            checked_in_at=came,
        )
    with app.app_context():
        services.open_directory(db.session.scalar(db.select(Event).where(Event.slug == event)))

    # The personal page: the address was not found; Zoé taps where her office is.
    phone.goto(f"/r/{TOKEN}")
    office_map = phone.locator("#office-map")
    expect(office_map).to_have_attribute("data-ready", "1")
    office_map.scroll_into_view_if_needed()
    box = office_map.bounding_box()
    phone.mouse.click(box["x"] + box["width"] / 2 + 8, box["y"] + box["height"] / 2 - 8)
    expect(phone.locator("#office-map .leaflet-marker-icon")).to_have_count(1)
    assert phone.locator("#latitude").input_value() != ""
    screenshot(phone, "directory-pin-fr")
    phone.get_by_role("button", name="Enregistrer le repère").click()
    expect(phone.locator(".flash, .flashes, [role=status]").first).to_contain_text("repère")
    with app.app_context():
        placed = db.session.get(Registration, me)
        assert placed.location_status.value == "placed"
        # For the neighbours below, the pin goes next to rue Marchande (as the lists would
        # have it a day later: a moved pin waits, meetup.registrations.positions).
        placed.latitude, placed.longitude = VIENNE
        db.session.commit()
        placed.near_latitude, placed.near_longitude = VIENNE
        placed.near_due_at = None
        db.session.commit()

    phone.get_by_role("link", name=re.compile("Qui est venu")).first.click()
    expect(phone).to_have_url(re.compile(rf"/events/{event}/directory$"))
    neighbours = phone.locator("section.neighbours")
    expect(neighbours.locator(".person-card")).to_have_count(2)
    expect(neighbours.locator(".person-card").first).to_contain_text("Marie Dupont")
    expect(neighbours.locator(".person-card").first).to_contain_text("à ≈ 30 m")
    expect(neighbours).not_to_contain_text("Lucie")  # 2 km away
    expect(phone.locator("main")).not_to_contain_text("Caché")  # chose nobody
    # The map: everyone listed, and Zoé; pins that would overlap (Marie's, 30 m from Zoé's)
    # are one, which says how many it holds (a finger can tap each pin).
    directory_map = phone.locator("#directory-map")
    expect(directory_map).to_have_attribute("data-ready", "4")
    expect(directory_map).to_have_attribute("data-places", "4")
    pins = phone.locator("#directory-map .directory-pin")
    expect(pins.first).to_be_visible()
    assert sum(int(pins.nth(i).inner_text() or 1) for i in range(pins.count())) == 4
    for i in range(pins.count()):
        box = pins.nth(i).bounding_box()
        assert box["width"] >= 24 and box["height"] >= 24
    # "Offers what I'm looking for": Marie does accounting.
    phone.get_by_label("Seulement les personnes qui proposent ce que je cherche").check()
    phone.get_by_role("button", name="Filtrer").click()
    everyone = phone.locator("section[aria-labelledby=everyone-title]")
    expect(everyone.locator(".person-card")).to_have_count(1)
    expect(everyone).to_contain_text("Marie Dupont")
    phone.goto(f"/events/{event}/directory")
    screenshot(phone, "directory-phone-fr")
    # Introductions.
    karim = neighbours.locator(".person-card", has_text="Karim Benali")
    karim.get_by_role("button", name="Nous présenter").click()  # opens the optional word
    karim.get_by_label("Un mot pour cette personne (facultatif)").fill(
        "Voisins de rue, un café un de ces matins ?"
    )
    screenshot(phone, "directory-introduce-word-fr", full_page=False)
    karim.get_by_role("button", name="Demander la mise en relation").click()
    # The answer is in Karim's card, where the page opens, and has the focus (read out).
    answer = phone.locator("section.neighbours .person-card", has_text="Karim Benali").locator(
        ".card-note"
    )
    expect(answer).to_contain_text("C’est demandé")
    expect(answer).to_be_focused()
    expect(answer).to_be_in_viewport()
    screenshot(phone, "directory-introduction-asked-fr", full_page=False)
    expect(
        phone.locator("section.neighbours .person-card", has_text="Karim Benali")
    ).to_contain_text("Mise en relation demandée")
    # No horizontal scrolling on a phone.
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_someone_outside_the_community_is_told_how_to_join_it(app, phone, make):
    series = make.series(name="Café des entreprenants de Vienne")
    event = make.event(series, starts_at=(utcnow() - timedelta(days=1)).replace(microsecond=0))
    came = utcnow() - timedelta(hours=20)
    make.registration(
        event, token=TOKEN, first_name="Nina", visibility="nobody", checked_in_at=came
    )
    make.registration(event, first_name="Mohamed", visibility="community", checked_in_at=came)
    with app.app_context():
        services.open_directory(db.session.scalar(db.select(Event).where(Event.slug == event)))
    phone.goto(f"/r/{TOKEN}")
    phone.goto(f"/events/{event}/directory")
    phone.get_by_role("link", name="Toute la communauté").click()
    expect(phone.locator("h1")).to_contain_text("communauté")
    expect(phone.locator("main")).to_contain_text("Vous avez choisi de ne pas y figurer")
    expect(phone.locator("main")).not_to_contain_text("Mohamed")
    screenshot(phone, "community-not-shared-fr", full_page=False)


def test_typed_coordinates_place_the_pin_and_can_be_saved(app, phone, make):
    """Without a located address the map shows France (not a street of it), the raw
    coordinates are folded away, and typing them moves the pin and enables saving."""
    event = make.event(make.series())
    token = "browser-typed-pin-0123456789abcdefghijklmn"
    rid = make.registration(event, token=token, street="Lieu-dit des Granges", city="Vienne")
    phone.goto(f"/r/{token}")
    office_map = phone.locator("#office-map")
    expect(office_map).to_have_attribute("data-ready", "1")
    expect(office_map).to_have_attribute("data-zoom", "6")
    expect(phone.locator("#latitude")).to_be_hidden()
    save = phone.get_by_role("button", name="Enregistrer le repère")
    expect(save).to_be_disabled()
    phone.get_by_text("Ou tapez ses coordonnées").click()
    phone.fill("#latitude", "45.52551")
    phone.fill("#longitude", "4.87662")
    phone.locator("#longitude").press("Tab")
    expect(phone.locator("#office-map .leaflet-marker-icon")).to_have_count(1)
    expect(save).to_be_enabled()
    save.click()
    expect(phone.locator(".flash").first).to_contain_text("repère")
    with app.app_context():
        placed = db.session.get(Registration, rid)
        assert (placed.latitude, placed.longitude) == (45.52551, 4.87662)
