"""Neighbour lists are exact: 288 offices geocoded by the real Addok of the test suite
(tests/addok.py, the "Rue Ampère"... streets of tests/data/ban_addresses.ndjson, written by
tests/data/neighbour_streets.py at known coordinates): each person's list of neighbours is the
haversine truth within the series' radius, nearest first, and the directory email counts the
same number. What others see stays coarse (tests/test_directory_privacy.py)."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from meetup.directory import geocoding, services, spatial
from meetup.directory.people import Filters, people
from meetup.directory.queries import EventDirectory
from meetup.extensions import db
from meetup.registrations import positions
from meetup.registrations.models import PositionChange, Registration
from meetup.timeutil import utcnow
from tests.addok import DATA_FILE
from tests.helpers import (
    M_PER_1E5,
    OFFICES_FROM,
    as_email,
    came,
    csrf_from,
    find_event,
    queued,
)

RADIUS = 300


def _offices() -> list[tuple[str, str, tuple[float, float]]]:
    """(number, street, (lat, lon)) of the generated streets, as the data file has them."""
    found = []
    with DATA_FILE.open(encoding="utf-8") as lines:
        for line in lines:
            doc = json.loads(line)
            if doc["type"] == "street" and doc["id"].startswith("38544_9"):
                for number, point in doc["housenumbers"].items():
                    found.append((number, doc["name"], (point["lat"], point["lon"])))
    return found


def _truth(points: dict[int, tuple[float, float]]) -> dict[int, list[int]]:
    """Each id's others within RADIUS, nearest first (ties by id), by plain haversine."""
    truth = {}
    for a, (lat_a, lon_a) in points.items():
        near = [
            (spatial.distance_metres(lat_a, lon_a, lat_b, lon_b), b)
            for b, (lat_b, lon_b) in points.items()
            if b != a
        ]
        truth[a] = [b for metres, b in sorted(near) if metres <= RADIUS]
    return truth


def compare(lists: dict[int, list[int]], truth: dict[int, list[int]]) -> dict[str, int]:
    """Wrong lists (not the truth, in order), pairs missing, pairs shown but too far."""
    wrong = sum(1 for key, want in truth.items() if lists.get(key, []) != want)
    missing = sum(len(set(want) - set(lists.get(key, []))) for key, want in truth.items())
    extra = sum(len(set(lists.get(key, [])) - set(want)) for key, want in truth.items())
    pairs = sum(len(want) for want in truth.values())
    return {"people": len(truth), "wrong": wrong, "missing": missing, "extra": extra,
            "pairs": pairs}  # fmt: skip


@pytest.fixture
def evening(make):
    series = make.series()
    past = (utcnow() - timedelta(days=1)).replace(microsecond=0)
    return make.event(series, starts_at=past, capacity=400)


def _geocoded_evening(app, make, evening) -> dict[int, tuple[float, float]]:
    """Everyone of the generated streets came to the evening; their offices geocoded by Addok
    through the worker's own round. Every fifth shares their exact place."""
    expected = {}
    yesterday = utcnow() - timedelta(hours=20)
    for n, (number, street, point) in enumerate(_offices()):
        registration_id = make.registration(
            evening,
            first_name=f"P{n:03d}",
            last_name="Voisin",
            email=f"p{n:03d}@example.org",
            street=f"{number} {street}",
            postcode="38200",
            city="Vienne",
            checked_in_at=yesterday,
            visibility="attendees",
            share_address=n % 5 == 0,
        )
        expected[registration_id] = point
    with app.app_context():
        lookup = geocoding.configured_lookup()
        while geocoding.geocode_due(lookup, provider="ban", limit=100).done:
            pass
        got = {
            r.id: (r.latitude, r.longitude)
            for r in db.session.scalars(select(Registration).where(Registration.id.in_(expected)))
        }
    assert got == expected  # Addok placed every office where the data says
    return expected


def test_every_neighbour_list_is_the_haversine_truth_and_the_email_counts_it(
    app, make, evening, geocoder_on, capsys
):
    points = _geocoded_evening(app, make, evening)
    truth = _truth(points)
    with app.app_context():
        event = find_event(evening)
        directory = EventDirectory(event)
        registrations = {r.id: r for r in directory.members()}
        lists = {
            key: [n.registration.id for n in people(directory, me, me, Filters()).neighbours]
            for key, me in registrations.items()
        }
        figures = compare(lists, truth)
        services.open_directory(event)
        counted = {}
        for message in queued("directory_open"):
            subject = str(as_email(message)["Subject"])
            counted[message.registration_id] = (
                int(subject.split()[0]) if subject[0].isdigit() else 0
            )
        wrong_counts = sum(1 for key, want in truth.items() if counted[key] != len(want))
    with capsys.disabled():
        print(f"\nneighbour lists against the truth: {figures}, email counts wrong: {wrong_counts}")
    assert figures["pairs"] > 5000
    assert figures | {"wrong": 0, "missing": 0, "extra": 0} == figures
    assert wrong_counts == 0


# -- the oracle is closed: one's own pin moves lists a day late, a few times a month -------


def _neighbour_names(client, event) -> list[str]:
    html = client.get(f"/events/{event}/directory").get_data(as_text=True)
    section = html.split('id="neighbours-title"')[1].split('id="map-title"')[0]
    return re.findall(r"(\w+) Test", section)


def _move_pin(client, token, north_m) -> None:
    html = client.get(f"/r/{token}").get_data(as_text=True)
    latitude = OFFICES_FROM[0] + north_m / M_PER_1E5 * 1e-5
    response = client.post(
        f"/r/{token}/pin",
        data={"csrf_token": csrf_from(html), "latitude": latitude, "longitude": OFFICES_FROM[1]},
    )
    assert response.status_code == 302


def test_probing_with_ones_pin_changes_nothing_before_the_delay_and_little_after(
    app, client, make, evening
):
    alice, token = came(make, evening, "Alice", 0)
    for name, north in (("Bruno", 100), ("Chloe", 250), ("Denis", 450), ("Emma", 800)):
        came(make, evening, name, north)
    with app.app_context():
        services.open_directory(find_event(evening))
    client.get(f"/r/{token}")
    assert _neighbour_names(client, evening) == ["Bruno", "Chloe"]
    # Twenty moves, all over the street: neither Alice's list nor anyone else's moves.
    for n in range(20):
        _move_pin(client, token, 50 * n)
        assert _neighbour_names(client, evening) == ["Bruno", "Chloe"]
    page = client.get(f"/r/{token}").get_data(as_text=True)
    assert "Neighbour lists will use this new place from" in page
    with app.app_context():
        emma = db.session.scalar(select(Registration).where(Registration.first_name == "Emma"))
        assert [n.registration.first_name for n in _list_of(evening, emma)] == []
        # The delay not over: nothing settles.
        assert positions.settle_due(utcnow() + timedelta(hours=23)) == 0
        # A day later, the last place counts (950 m north): Emma is its neighbour now.
        assert positions.settle_due(utcnow() + timedelta(hours=25)) == 1
        emma = db.session.get(Registration, emma.id)
        assert [n.registration.first_name for n in _list_of(evening, emma)] == ["Alice"]
    assert _neighbour_names(client, evening) == ["Emma"]
    # Her first place and that move are two changes in 30 days: one more is let through,
    # the next waits for a turn (MAX_CHANGES = 3).
    later = utcnow()
    for day, north in ((2, 450), (3, 100)):
        _move_pin(client, token, north)
        with app.app_context():
            positions.settle_due(later + timedelta(days=day))
    assert _neighbour_names(client, evening) == ["Denis", "Chloe"]  # still at 450 m
    with app.app_context():
        registration = db.session.get(Registration, alice)
        assert registration.near_due_at > utcnow() + timedelta(days=25)
        denis = db.session.scalar(select(Registration).where(Registration.first_name == "Denis"))
        assert [n.registration.first_name for n in _list_of(evening, denis)] == ["Alice", "Chloe"]
        assert (
            db.session.scalar(
                select(func.count(PositionChange.id)).where(PositionChange.registration_id == alice)
            )
            == positions.MAX_CHANGES
        )
    # Taking one's address away takes one out at once (it tells nothing about others).
    with app.app_context():
        registration = db.session.get(Registration, alice)
        registration.street = registration.postcode = registration.city = ""
        db.session.commit()
        denis = db.session.scalar(select(Registration).where(Registration.first_name == "Denis"))
        assert [n.registration.first_name for n in _list_of(evening, denis)] == ["Chloe"]


def _list_of(event_slug, registration):
    directory = EventDirectory(find_event(event_slug))
    return people(directory, registration, registration, Filters()).neighbours


def test_a_walk_in_or_a_first_pin_counts_at_once_a_new_evening_starts_from_the_last(
    app, make, evening
):
    """The first place counts at once (a walk-in is in tonight's lists); the same person's
    registration for another evening starts where the lists have them, and a different
    office typed there waits like any move."""
    came(make, evening, "Alice", 0, email="alice@example.org")
    bruno, _ = came(make, evening, "Bruno", 100)
    with app.app_context():
        slug_series = find_event(evening).series.slug
    next_evening = make.event(slug_series, starts_at=utcnow() + timedelta(days=20))
    moved, _ = came(make, next_evening, "Alice2", 600, email="ALICE@example.org")
    with app.app_context():
        again = db.session.get(Registration, moved)
        near = (again.near_latitude, again.near_longitude)
        assert near == (OFFICES_FROM[0], OFFICES_FROM[1])  # where the lists have her
        assert again.near_due_at is not None
        assert (again.latitude, again.longitude) != near
        assert db.session.get(Registration, bruno).near_due_at is None


def test_a_new_address_found_by_the_geocoder_waits_like_a_moved_pin(
    app, make, evening, geocoder_on
):
    """The geocoder's answer takes the same road: the lists keep the settled office while the
    new address is looked up, and until a day after it was found."""
    (first, second) = _offices()[:2]
    rid = make.registration(
        evening,
        street=f"{first[0]} {first[1]}",
        postcode="38200",
        city="Vienne",
        checked_in_at=utcnow() - timedelta(hours=20),
        visibility="attendees",
    )
    with app.app_context():
        lookup = geocoding.configured_lookup()
        geocoding.geocode_due(lookup, provider="ban")
        registration = db.session.get(Registration, rid)
        assert (registration.near_latitude, registration.near_longitude) == first[2]
        registration.street = f"{second[0]} {second[1]}"
        db.session.commit()
        registration = db.session.get(Registration, rid)
        assert registration.latitude is None  # looked up again...
        assert (registration.near_latitude, registration.near_longitude) == first[2]  # kept
        geocoding.geocode_due(lookup, provider="ban")
        registration = db.session.get(Registration, rid, populate_existing=True)
        assert (registration.latitude, registration.longitude) == second[2]
        assert (registration.near_latitude, registration.near_longitude) == first[2]
        assert registration.near_due_at is not None
        assert positions.settle_due(utcnow() + timedelta(hours=25)) == 1
        registration = db.session.get(Registration, rid, populate_existing=True)
        assert (registration.near_latitude, registration.near_longitude) == second[2]
