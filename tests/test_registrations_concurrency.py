"""Capacity holds under concurrency: 100 simultaneous signups for the last 5 seats."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import bindparam, func, select

from meetup.events.models import Event
from meetup.extensions import db
from meetup.registrations import services
from meetup.registrations.models import Registration, RegistrationStatus
from tests.helpers import csrf_from

SIGNUPS = 100
SEATS_LEFT = 5


def _race(app, event_slug: str) -> list[str]:
    """SIGNUPS threads, each with its own app context and connection, all released at once."""
    barrier = threading.Barrier(SIGNUPS)

    def one(n: int) -> str:
        with app.app_context():
            event = db.session.scalar(select(Event).where(Event.slug == event_slug))
            db.session.commit()
            barrier.wait(timeout=60)
            profile = services.Profile(
                first_name="Camille", last_name=f"N{n}", email=f"c{n}@example.org"
            )
            try:
                return services.register(event, profile).registration.status.value
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=SIGNUPS) as pool:
        return list(pool.map(one, range(SIGNUPS)))


def _confirmed(app, event_slug: str) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count())
            .select_from(Registration)
            .join(Event)
            .where(Event.slug == event_slug, Registration.status == RegistrationStatus.CONFIRMED)
        )


@pytest.fixture
def nearly_full(app, make):
    slug = make.event(make.series(), capacity=40)
    make.registrations(slug, 40 - SEATS_LEFT)
    return slug


def test_exactly_the_free_seats_are_confirmed(app, nearly_full):
    statuses = _race(app, nearly_full)
    assert statuses.count("confirmed") == SEATS_LEFT
    assert statuses.count("waitlisted") == SIGNUPS - SEATS_LEFT
    assert _confirmed(app, nearly_full) == 40


@pytest.mark.postgres_only
def test_without_the_lock_the_race_shows(app, make, monkeypatch):
    """The control: with the event lock disabled, PostgreSQL lets too many in. This proves the
    test above would catch a missing lock. A race is a matter of timing: up to three fresh
    evenings are raced, and one overfilled is enough (one run in many overfilled none)."""
    unlocked = select(Event.capacity, Event.status).where(Event.id == bindparam("id"))

    def no_lock(event_id: int) -> services.Locked:
        return services.Locked(*db.session.execute(unlocked, {"id": event_id}).one())

    monkeypatch.setattr(services, "_lock_event", no_lock)
    overfilled = []
    for _ in range(3):
        slug = make.event(make.series(), capacity=40)
        make.registrations(slug, 40 - SEATS_LEFT)
        _race(app, slug)
        overfilled.append(_confirmed(app, slug))
        if overfilled[-1] > 40:
            break
    assert max(overfilled) > 40, overfilled


@pytest.mark.postgres_only
@pytest.mark.parametrize("reread", [True, False], ids=["seat_change", "signup"])
def test_a_seat_change_holds_the_event_row_lock(app, nearly_full, reread):
    """While one signup (or a cancellation, a promotion…) decides a seat, another
    transaction cannot lock the event."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == nearly_full))
        services.lock_seats([event.id], reread=reread)
        with db.engine.connect() as other:
            with pytest.raises(OperationalError, match="could not obtain lock"):
                other.execute(
                    text("SELECT id FROM events WHERE id = :id FOR UPDATE NOWAIT"), {"id": event.id}
                )
            other.rollback()
        db.session.rollback()  # the lock goes with the transaction
        with db.engine.connect() as other:
            other.execute(
                text("SELECT id FROM events WHERE id = :id FOR UPDATE NOWAIT"), {"id": event.id}
            )
            other.rollback()


def test_a_signup_counts_seats_with_the_capacity_under_the_lock(app, make):
    """The signup keeps the event it read before the lock (no query to read it again), so
    the capacity it counts against is the one read under the lock: raised by an organiser
    in between, the seat is there; lowered, it is not."""
    full = make.event(make.series(), capacity=2)
    make.registrations(full, 2)
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == full))
        assert event.capacity == 2  # loaded: the page read it
        with db.engine.begin() as organiser:
            organiser.execute(
                Event.__table__.update().where(Event.id == event.id).values(capacity=3)
            )
        profile = services.Profile(first_name="Ana", last_name="Late", email="ana@example.org")
        assert services.register(event, profile).public_status is RegistrationStatus.CONFIRMED

        with db.engine.begin() as organiser:
            organiser.execute(
                Event.__table__.update().where(Event.id == event.id).values(capacity=1)
            )
        profile = services.Profile(first_name="Bo", last_name="Later", email="bo@example.org")
        assert services.register(event, profile).public_status is RegistrationStatus.WAITLISTED
        db.session.remove()
    assert _confirmed(app, full) == 3


def _set_status(event_id: int, status: str) -> None:
    """An organiser's change, committed on another connection while a signup is under way."""
    with db.engine.begin() as organiser:
        organiser.execute(
            Event.__table__.update().where(Event.id == event_id).values(status=status)
        )


def test_a_signup_racing_a_cancellation_is_refused(app, make):
    """The page saw a published evening; by the time the signup holds the lock, it was
    cancelled (and everyone registered told): the signup is refused, nothing stored, rather
    than a registration that never hears of the cancellation. Organisers may still add."""
    slug = make.event(make.series())
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == slug))
        _set_status(event.id, "cancelled")
        profile = services.Profile(first_name="Ana", last_name="Late", email="ana@example.org")
        for source in services.PUBLIC_SOURCES:
            with pytest.raises(services.SignupsClosed):
                services.register(event, profile, source)
        assert db.session.scalar(select(func.count()).select_from(Registration)) == 0
        added = services.register(event, profile, services.Source.ORGANISER)
        assert added.registration.status is RegistrationStatus.CONFIRMED
        db.session.remove()


@pytest.mark.parametrize("path", ["form", "api"])
def test_the_form_and_the_api_answer_a_signup_racing_a_cancellation(
    app, client, make, monkeypatch, path
):
    from meetup.api import registrations as api
    from meetup.events.services import SignupState
    from meetup.registrations import views

    slug = make.event(make.series())
    page = client.get(f"/events/{slug}/signup").get_data(as_text=True)
    with app.app_context():
        _set_status(db.session.scalar(select(Event.id).where(Event.slug == slug)), "cancelled")
    # The page's check ran before the cancellation: it still says open.
    monkeypatch.setattr(views, "signup_state", lambda event: SignupState.OPEN)
    monkeypatch.setattr(api, "signup_state", lambda event: SignupState.OPEN)
    data = {"first_name": "Ana", "last_name": "Late", "email": "ana@example.org", "language": "fr"}
    if path == "form":
        response = client.post(
            f"/events/{slug}/signup",
            data={**data, "visibility": "nobody", "csrf_token": csrf_from(page)},
        )
        assert (response.status_code, response.headers["Location"]) == (302, f"/events/{slug}")
    else:
        response = client.post(
            f"/api/v1/events/{slug}/registrations", json={**data, "visibility": "nobody"}
        )
        assert (
            response.status_code == 409 and "cancelled" in response.get_json()["error"]["message"]
        )
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Registration)) == 0


def test_a_registration_loaded_before_the_lock_is_read_again_under_it(app, make):
    """The signup keeps what it loaded before the lock, except the registration with that
    email, read again: cancelled meanwhile on another connection, it comes back to life."""
    slug = make.event(make.series())
    make.registrations(slug, 1)
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == slug))
        loaded = db.session.scalar(select(Registration).where(Registration.event_id == event.id))
        assert loaded.status is RegistrationStatus.CONFIRMED
        with db.engine.begin() as other:
            other.execute(
                Registration.__table__.update()
                .where(Registration.id == loaded.id)
                .values(status="cancelled")
            )
        profile = services.Profile(first_name="Ana", last_name="Again", email=loaded.email)
        assert services.register(event, profile).registration.status is RegistrationStatus.CONFIRMED
        db.session.remove()
    with app.app_context():
        again = db.session.scalar(select(Registration))
        assert (again.status, again.last_name) == (RegistrationStatus.CONFIRMED, "Again")


@pytest.mark.postgres_only
def test_postgresql_runs_read_committed(app):
    """The seat lock relies on it: under REPEATABLE READ the count after the lock would
    come from the snapshot taken before it, and let too many in."""
    from sqlalchemy import text

    with app.app_context():
        assert db.session.scalar(text("SHOW transaction_isolation")) == "read committed"
        db.session.rollback()
