"""Geocoding shared by several workers: each address asked about once, calls to a geocoder
with a usage policy paced across them all (Nominatim: one a second), a worker that died
mid-round replaced. A fake Nominatim on loopback counts the requests and their times."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from itertools import pairwise

import pytest
from sqlalchemy import select

from meetup.directory import geocoding
from meetup.directory.models import GeocodeLookup
from meetup.extensions import db
from meetup.registrations.models import LocationStatus, Registration
from meetup.timeutil import utcnow
from tests.fakes import ADDRESSES, FakeNominatim


@pytest.fixture
def nominatim(app):
    saved = {k: app.config[k] for k in ("GEOCODER", "GEOCODER_URL", "GEOCODER_MIN_INTERVAL")}
    with FakeNominatim() as fake:
        # Paced as OpenStreetMap's own servers must be (a server of one's own needs none).
        app.config.update(GEOCODER="nominatim", GEOCODER_URL=fake.url, GEOCODER_MIN_INTERVAL=1.1)
        yield fake
    app.config.update(saved)


def _offices(make, count: int) -> list[int]:
    """`count` people whose offices share the five addresses (colleagues in one building)."""
    event = make.event(make.series())
    return [
        make.registration(event, street=s, postcode=p, city=c)
        for n in range(count)
        for s, p, c in [ADDRESSES[n % len(ADDRESSES)]]
    ]


def _rounds_until_done(app, errors: list, barrier: threading.Barrier) -> None:
    try:
        with app.app_context():
            lookup = geocoding.configured_lookup()
            settings = geocoding.round_settings(app.config)
            barrier.wait()
            while True:
                report = geocoding.geocode_due(lookup, limit=3, **settings)
                pending = geocoding.pending_count()
                db.session.remove()
                if not pending:
                    return
                if report.done == 0:
                    time.sleep(0.2)  # addresses another worker holds, or asked elsewhere
    except BaseException as error:  # reported by the test
        errors.append(error)


def test_three_workers_ask_about_each_address_once_a_second_apart(app, make, nominatim):
    ids = _offices(make, 12)
    errors: list = []
    barrier = threading.Barrier(3)
    workers = [
        threading.Thread(target=_rounds_until_done, args=(app, errors, barrier)) for _ in range(3)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not errors, errors
    queries = [query for _, query in nominatim.requests]
    assert sorted(queries) == sorted({", ".join((s, f"{p} {c}")) for s, p, c in ADDRESSES})
    times = [at for at, _ in nominatim.requests]
    gaps = [later - earlier for earlier, later in pairwise(times)]
    assert min(gaps) >= 1.0, gaps  # never two within a second, all workers together
    with app.app_context():
        statuses = db.session.scalars(
            select(Registration.location_status).where(Registration.id.in_(ids))
        ).all()
        assert set(statuses) == {LocationStatus.FOUND}
        assert db.session.scalars(select(GeocodeLookup)).all() == []  # every claim let go


def test_a_round_takes_addresses_no_other_worker_may_take_until_its_hold_ends(app, make):
    ids = _offices(make, 4)
    now = utcnow()
    with app.app_context():
        first = geocoding.claim_due(now, 3)
        assert [r.id for r in first] == ids[:3]
        second = geocoding.claim_due(now, 3)
        assert [r.id for r in second] == ids[3:]  # the rest, none of the first's
        assert geocoding.claim_due(now, 3) == []
        # The first worker died: its addresses come back once its hold ends.
        later = now + geocoding.ROUND_HOLD + timedelta(seconds=1)
        assert len(geocoding.claim_due(later, 10)) == 4


def test_an_address_asked_about_elsewhere_waits_for_that_answer(app, make, nominatim):
    """Another worker holds the lookup of the address: this round leaves it, and the next
    finds the answer in the cache without asking again."""
    (mine,) = _offices(make, 1)
    street, postcode, city = ADDRESSES[0]
    key = geocoding.address_key("nominatim", street, postcode, city)
    with app.app_context():
        db.session.add(GeocodeLookup(key=key, held_until=utcnow() + timedelta(minutes=2)))
        db.session.commit()
        lookup = geocoding.configured_lookup()
        report = geocoding.geocode_due(lookup, provider="nominatim")
        assert report.done == 0 and nominatim.requests == []
        registration = db.session.get(Registration, mine)
        assert registration.location_status is LocationStatus.PENDING
        assert registration.geocode_after > utcnow()  # a short wait, not a backoff
        assert registration.geocode_attempts == 0


@pytest.mark.parametrize(
    ("geocoder", "url", "expected"),
    [("nominatim", "", 1.1), ("ban", "", 0.02), ("nominatim", "http://127.0.0.1:8080", 0.0)],
)
def test_the_pace_follows_each_geocoders_policy(geocoder, url, expected):
    config = {"GEOCODER": geocoder, "GEOCODER_URL": url, "GEOCODER_MIN_INTERVAL": None}
    assert geocoding.min_interval(config) == expected
    assert geocoding.min_interval({**config, "GEOCODER_MIN_INTERVAL": 3.0}) == 3.0
