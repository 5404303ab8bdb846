"""Offices on the map through a real geocoder: Addok on loopback (tests/addok.py), reached
with geopy's BANFrance as api-adresse.data.gouv.fr would be."""

from __future__ import annotations

from datetime import timedelta

import pytest
from geopy.distance import distance

from meetup.directory import geocoding
from meetup.directory.models import GeocodeCacheEntry
from meetup.extensions import db
from meetup.registrations.models import LocationStatus, Registration
from meetup.timeutil import utcnow
from tests.addok import address_point
from tests.helpers import post_form

MARCHANDE = ("12 rue Marchande", "38200", "Vienne")


def _signup(client, event, email, street, postcode, city):
    return post_form(
        client,
        f"/events/{event}/signup",
        {
            "first_name": "Élodie",
            "last_name": "Œuvray",
            "email": email,
            "street": street,
            "postcode": postcode,
            "city": city,
            "visibility": "attendees",
            "language": "fr",
        },
    )


def _registration(email) -> Registration:
    return db.session.scalar(db.select(Registration).where(Registration.email == email))


def _round(app, **kwargs):
    with app.app_context():
        lookup = geocoding.configured_lookup()
        report = geocoding.geocode_due(lookup, provider="ban", **kwargs)
        db.session.remove()
        return report


@pytest.fixture
def event(make):
    return make.event(make.series())


def test_a_signup_never_waits_for_the_geocoder_its_worker_places_the_office(
    app, client, event, geocoder_on
):
    assert _signup(client, event, "elodie@example.org", *MARCHANDE).status_code == 302
    with app.app_context():
        registration = _registration("elodie@example.org")
        assert registration.location_status is LocationStatus.PENDING
        assert registration.latitude is None
    report = _round(app)
    assert report.found == 1
    with app.app_context():
        registration = _registration("elodie@example.org")
        assert registration.location_status is LocationStatus.FOUND
        expected = address_point("Rue Marchande", "12", "38200")
        assert distance((registration.latitude, registration.longitude), expected).m < 50


def test_one_lookup_per_address_whoever_types_it_and_however(app, client, event, geocoder_on):
    calls = []
    _signup(client, event, "a@example.org", "12 rue Marchande", "38200", "Vienne")
    _signup(client, event, "b@example.org", "12, RUE MARCHANDE ", "38200", "VIENNE")
    with app.app_context():
        real = geocoding.configured_lookup()

        def counting(query):
            calls.append(query)
            return real(query)

        report = geocoding.geocode_due(counting, provider="ban")
        assert (report.found, report.from_cache, len(calls)) == (2, 1, 1)
        assert db.session.scalar(db.select(db.func.count()).select_from(GeocodeCacheEntry)) == 1
        # The cache keeps a hash, never the address.
        entry = db.session.scalars(db.select(GeocodeCacheEntry)).one()
        assert "marchande" not in entry.key.lower() and len(entry.key) == 64


def test_an_accented_street_typed_without_accents_is_found(app, client, event, geocoder_on):
    _signup(client, event, "e@example.org", "3 rue de l eglise", "38200", "vienne")
    assert _round(app).found == 1
    with app.app_context():
        registration = _registration("e@example.org")
        expected = address_point("Rue de l'Église", "3", "38200")
        assert distance((registration.latitude, registration.longitude), expected).m < 50


@pytest.mark.parametrize(
    "street,postcode,city",
    [
        ("99 rue des Peupliers", "38200", "Vienne"),  # Addok answers another street, 0.5
        ("zzzz qqqq", "", ""),
        ("", "38200", "Vienne"),  # a town is not an office
    ],
)
def test_an_unknown_address_is_not_found_rather_than_misplaced(
    app, client, event, geocoder_on, street, postcode, city
):
    _signup(client, event, "u@example.org", street, postcode, city)
    report = _round(app)
    assert report.not_found == 1
    with app.app_context():
        registration = _registration("u@example.org")
        assert registration.location_status is LocationStatus.NOT_FOUND
        assert registration.latitude is None


def test_with_the_geocoder_down_signups_succeed_and_addresses_wait_for_it(
    app, client, event, geocoder_on
):
    addok = geocoder_on
    addok.stop()
    try:
        for n in range(3):
            response = _signup(client, event, f"p{n}@example.org", *MARCHANDE)
            assert response.status_code == 302  # the signup does not notice
        now = utcnow()
        report = _round(app, now=now)
        # One failed call ends the round: nobody hammers a geocoder that is down.
        assert (report.failed_calls, report.found, report.outage) == (1, 0, True)
        with app.app_context():
            first = _registration("p0@example.org")
            assert first.location_status is LocationStatus.PENDING
            assert first.geocode_after > now
        # Not due yet: the next round leaves the waiting one alone.
        assert _round(app, now=now).failed_calls == 1  # the next address tries, fails
    finally:
        addok.start()
    report = _round(app, now=utcnow() + timedelta(minutes=5))
    assert report.found == 3 and report.from_cache == 2
    with app.app_context():
        assert {_registration(f"p{n}@example.org").location_status for n in range(3)} == {
            LocationStatus.FOUND
        }


def test_a_long_outage_never_gives_an_address_up(app, client, event, geocoder_on):
    """Three hours down, a round every few minutes: the address waits (at most 30 minutes
    between tries), and is found as soon as the geocoder is back."""
    addok = geocoder_on
    _signup(client, event, "long@example.org", *MARCHANDE)
    addok.stop()
    try:
        start = utcnow()
        for minute in range(0, 180, 5):
            _round(app, now=start + timedelta(minutes=minute), max_attempts=3)
        with app.app_context():
            registration = _registration("long@example.org")
            assert registration.location_status is LocationStatus.PENDING
            assert registration.geocode_after <= start + timedelta(minutes=180 + 30)
    finally:
        addok.start()
    report = _round(app, now=start + timedelta(minutes=215))
    assert report.found == 1


def test_an_address_the_geocoder_refuses_is_given_up_then_retried_on_request(
    app, client, event, geocoder_on, runner
):
    _signup(client, event, "ok@example.org", "3 Cours Romestang", "38200", "Vienne")
    _signup(client, event, "f@example.org", *MARCHANDE)
    with app.app_context():
        real = geocoding.configured_lookup()

        def refusing(query):
            if "Marchande" in query:
                raise geocoding.GeocoderUnavailable("GeocoderQueryError", about_the_address=True)
            return real(query)

        now = utcnow()
        for attempt in range(3):
            report = geocoding.geocode_due(
                refusing, provider="ban", now=now + timedelta(hours=attempt * 7), max_attempts=3
            )
            assert not report.outage  # the others went on
        assert _registration("ok@example.org").location_status is LocationStatus.FOUND
        assert _registration("f@example.org").location_status is LocationStatus.FAILED
        db.session.remove()
    result = runner.invoke(args=["geo", "backfill", "--retry"])
    assert result.exit_code == 0, result.output
    assert "1 addresses sent back" in result.output and "found 1" in result.output
    with app.app_context():
        assert _registration("f@example.org").location_status is LocationStatus.FOUND


def test_changing_the_address_sends_it_back_a_placed_pin_stays(app, client, event, geocoder_on):
    _signup(client, event, "m@example.org", *MARCHANDE)
    _round(app)
    with app.app_context():
        registration = _registration("m@example.org")
        registration.street = "3 Cours Romestang"
        db.session.commit()
        assert registration.location_status is LocationStatus.PENDING
        assert registration.latitude is None
    _round(app)
    with app.app_context():
        registration = _registration("m@example.org")
        expected = address_point("Cours Romestang", "3", "38200")
        assert distance((registration.latitude, registration.longitude), expected).m < 50
        # Pinned by hand: an edit of something else keeps it; the geocoder leaves it.
        from meetup.directory.services import place_pin

        place_pin(registration, 45.5, 4.9)
        registration.company = "Autre"
        db.session.commit()
        assert (registration.latitude, registration.location_status) == (
            45.5,
            LocationStatus.PLACED,
        )


def test_backfill_shows_progress(app, make, runner, geocoder_on):
    event = make.event(make.series())
    for street in ["12 rue Marchande", "3 Cours Romestang", "22 Quai Jean Jaurès"]:
        make.registration(event, street=street, postcode="38200", city="Vienne")
    result = runner.invoke(args=["geo", "backfill"])
    assert result.exit_code == 0, result.output
    assert "Geocoding" in result.output and "3/3" in result.output
    assert "found 3" in result.output
    status = runner.invoke(args=["geo", "status"]).output
    assert "found\t3" in status and "pending\t0" in status


def test_geo_commands_refuse_without_a_geocoder(runner):
    result = runner.invoke(args=["geo", "backfill"])
    assert result.exit_code != 0 and "GEOCODER is 'none'" in result.output


def test_the_mail_worker_geocodes_too(app, client, event, geocoder_on):
    from meetup import jobs

    _signup(client, event, "w@example.org", *MARCHANDE)
    with app.app_context():
        said = jobs.run_all()
    assert any(line.startswith("geocoding: found 1") for line in said)
