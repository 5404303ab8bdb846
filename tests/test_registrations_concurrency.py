"""Capacity holds under concurrency: 100 simultaneous signups for the last 5 seats."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

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
    monkeypatch.setattr(services, "_lock_event", lambda event_id: None)
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
def test_a_seat_change_holds_the_event_row_lock(app, nearly_full):
    """While one signup decides a seat, another transaction cannot lock the event."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == nearly_full))
        services._begin_seat_change(event)  # the first statement of a signup's transaction
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
