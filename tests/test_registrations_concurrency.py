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
    unlocked = select(Event.capacity).where(Event.id == bindparam("id"))
    monkeypatch.setattr(
        services, "_lock_event", lambda event_id: db.session.scalar(unlocked, {"id": event_id})
    )
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
@pytest.mark.parametrize("begin", ["_begin_seat_change", "_begin_signup"])
def test_a_seat_change_holds_the_event_row_lock(app, nearly_full, begin):
    """While one signup (or a cancellation, a promotion…) decides a seat, another
    transaction cannot lock the event."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == nearly_full))
        getattr(services, begin)(event)
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
