"""The door without the network: the phone keeps the evening's list (hashes of ticket codes,
never the codes), scans, checks in and takes a walk-in offline, and sends it all when the
network is back; a badge let in meanwhile at another door comes back as a conflict."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from meetup.extensions import db
from meetup.registrations.models import Registration
from meetup.timeutil import utcnow
from tests.browser.helpers import log_in, screenshot, wait_until

pytestmark = pytest.mark.browser


def test_ten_badges_and_a_walk_in_offline_then_sent_once_each(app, phone, page, make):
    volunteer = make.user("door")
    organiser = make.user("organiser")
    slug = make.event(
        make.series(team=(volunteer, organiser), name="Café des entreprenants de Vienne"),
        starts_at=utcnow() - timedelta(minutes=15),
    )
    ids = [
        make.registration(slug, first_name=f"Invité{n}", last_name="Durand", company=f"Société {n}")
        for n in range(10)
    ]
    make.registration(slug, first_name="Wanda", last_name="Attente", status="waitlisted")
    with app.app_context():
        codes = [db.session.get(Registration, i).ticket_code for i in ids]

    # A list left from an evening whose window is over is wiped at the next door page.
    phone.goto("/login")
    phone.evaluate(
        "localStorage.setItem('door-list:/door/old/offline.json', JSON.stringify({until: '2020-01-01T00:00:00+00:00', people: []}));"
        "localStorage.setItem('door-queue:/door/old/offline.json', '[]')"
    )
    log_in(phone, volunteer, lands_on="/door/")
    phone.goto(f"/door/{slug}")
    assert phone.evaluate("localStorage.getItem('door-list:/door/old/offline.json')") is None
    assert phone.evaluate("localStorage.getItem('door-queue:/door/old/offline.json')") is None
    key = f"door-list:/door/{slug}/offline.json"
    wait_until(phone, f"localStorage.getItem({json.dumps(key)}) !== null")
    phone.evaluate("navigator.serviceWorker.ready.then(() => true)")
    wait_until(phone, "navigator.serviceWorker.controller !== null")
    wait_until(phone, "caches.open('door-pages').then(c => c.keys()).then(k => k.length >= 3)")
    kept = phone.evaluate(f"localStorage.getItem({json.dumps(key)})")
    assert all(code not in kept for code in codes)  # hashes only
    assert "Invité3 Durand" in kept and len(json.loads(kept)["people"][0]["h"]) == 64

    phone.context.set_offline(True)
    assert phone.evaluate("fetch('/door/').then(() => 'online', () => 'offline')") == "offline"
    phone.locator("#code").tap()
    for n, code in enumerate(codes):
        scanned = f"HTTPS://MEETUP.EXAMPLE.ORG/B/{code}" if n % 2 else code
        phone.keyboard.type(scanned + "\n")
        expect(phone.locator("#answer-title")).to_have_text(f"Bienvenue Invité{n} ! (hors ligne)")
    expect(phone.locator("#offline-banner")).to_contain_text("10 entrées en attente")
    expect(phone.locator("#count-in")).to_have_text("10")
    # The same badge again: already in, from the phone's own list.
    phone.keyboard.type(codes[4] + "\n")
    expect(phone.locator("#answer-title")).to_contain_text("Déjà entré·e à")
    # Name search, offline.
    phone.locator("#q").fill("wanda")
    expect(phone.locator("#people li", has_text="Wanda Attente")).to_contain_text(
        "Sur liste d’attente"
    )
    screenshot(phone, "door-offline-phone-fr", full_page=False)

    # Meanwhile, the second door (online) lets Invité0 in.
    log_in(page, organiser)
    page.goto(f"/door/{slug}")
    page.locator("summary", has_text="Cette porte").click()
    page.fill("#door", "Porte 2")
    page.locator("#door").dispatch_event("change")
    page.locator("#code").fill(codes[0])
    page.locator("#code").press("Enter")
    expect(page.locator("#answer-title")).to_have_text("Bienvenue Invité0 — première fois !")

    # A walk-in, offline: the form, then the door screen, from the service worker's cache.
    phone.get_by_role("button", name="Quelqu’un sans inscription").click()
    # (served by the door's service worker: the network is off)
    assert phone.evaluate("navigator.serviceWorker.controller !== null")
    phone.fill("#first_name", "Yasmine")
    phone.fill("#last_name", "Haddad")
    phone.fill("#email", "yasmine@example.org")
    phone.fill("#company", "Atelier Haddad")
    phone.get_by_role("button", name="Inscrire et faire entrer").click()
    expect(phone.locator("#answer-title")).to_have_text("Bienvenue Yasmine ! (hors ligne)")
    expect(phone.locator("#offline-banner")).to_contain_text("11 entrées en attente")

    # Back online: everything sent once, the conflict said, the counters the server's.
    phone.context.set_offline(False)
    phone.evaluate("window.dispatchEvent(new Event('online'))")
    expect(phone.locator("#conflicts")).to_contain_text("Déjà entré·e à", timeout=10_000)
    expect(phone.locator("#conflicts")).to_contain_text("(Porte 2) — Invité0 Durand")
    expect(phone.locator("#offline-banner")).to_be_hidden()
    expect(phone.locator("#count-in")).to_have_text("11")
    screenshot(phone, "door-offline-back-online-fr", full_page=False)
    with app.app_context():
        rows = db.session.scalars(
            select(Registration).where(Registration.checked_in_at.is_not(None))
        ).all()
        assert sorted(r.first_name for r in rows) == sorted(
            [f"Invité{n}" for n in range(10)] + ["Yasmine"]
        )
        assert {r.first_name: r.checked_in_door for r in rows}["Invité0"] == "Porte 2"
        yasmine = db.session.scalars(
            select(Registration).where(Registration.email == "yasmine@example.org")
        ).all()
        assert len(yasmine) == 1
