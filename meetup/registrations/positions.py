"""Where neighbour lists place an office, and how often that may change.

Neighbour lists are exact: "within 300 m" and "nearest first" are measured between real
positions (the geocoded address or the pin), for everyone, while what others see stays
coarse (a ~200 m cell on the map, a rounded distance). Exact lists would be an oracle if a
person could move their own pin at will and watch who comes in and out of their list: a few
dozen moves would locate anyone. So the position a list uses for a person (theirs, and theirs
in everyone else's lists: `near_latitude`, `near_longitude`) is not their pin but their
*settled* pin:

- the first pin of a person (no change in the last WINDOW) counts at once, so a walk-in
  or a freshly geocoded office is in tonight's lists;
- a moved pin counts only DELAY later (the page says from when), and
- at most MAX_CHANGES settled positions per person (their email, in the series) within any
  WINDOW: a further move waits for the oldest of them to be WINDOW old.
- Removing one's address (or being erased) takes one out of every list at once: it tells
  nothing about anyone else. While a changed address waits for the geocoder, the settled
  position stays.

A person probing with their pin learns at most MAX_CHANGES lists a month, each a day late;
the privacy page says so. The worker settles what is due (settle_due).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, event, func, inspect, select, update
from sqlalchemy.orm import Session

from meetup.events.models import Event
from meetup.extensions import db
from meetup.registrations.models import LocationStatus, PositionChange, Registration
from meetup.timeutil import utcnow
from meetup.writelock import end_reads, first_write

#: A moved pin counts for neighbour lists this long after it was placed.
DELAY = timedelta(hours=24)
#: At most so many settled positions per person within WINDOW.
MAX_CHANGES = 3
WINDOW = timedelta(days=30)


def _same_person(session: Session, registration: Registration):
    """The conditions for the person's registrations in the series (by email, case aside)."""
    series_id = (
        registration.event.series_id
        if registration.event is not None
        else session.scalar(select(Event.series_id).where(Event.id == registration.event_id))
    )
    return (
        Event.series_id == series_id,
        func.lower(Registration.email) == registration.email.lower(),
    )


def _history(session: Session, registration: Registration, now: datetime):
    """(count, oldest) of the person's settled positions within WINDOW, in the series."""
    return session.execute(
        select(func.count(PositionChange.id), func.min(PositionChange.changed_at))
        .join(Registration, Registration.id == PositionChange.registration_id)
        .join(Event, Event.id == Registration.event_id)
        .where(*_same_person(session, registration), PositionChange.changed_at > now - WINDOW)
    ).one()


def _latest_settled(session: Session, registration: Registration):
    """The person's position in lists on their other registrations of the series, if any
    (the latest settled): a new registration starts from it."""
    return session.execute(
        select(Registration.near_latitude, Registration.near_longitude)
        .join(Event, Event.id == Registration.event_id)
        .join(PositionChange, PositionChange.registration_id == Registration.id)
        .where(
            *_same_person(session, registration),
            Registration.id != (registration.id or 0),
            Registration.near_latitude.is_not(None),
        )
        .order_by(PositionChange.changed_at.desc(), PositionChange.id.desc())
        .limit(1)
    ).first()


def _settle(session: Session, registration: Registration, now: datetime) -> None:
    registration.near_latitude = registration.latitude
    registration.near_longitude = registration.longitude
    registration.near_due_at = None
    session.add(PositionChange(registration=registration, changed_at=now))


def follow(session: Session, registration: Registration, now: datetime) -> None:
    """The pin changed (placed, moved, geocoded, removed): decide when lists follow it."""
    if not registration.is_located:
        if registration.location_status is LocationStatus.PENDING:
            return  # the settled position stays while the new address is looked up
        registration.near_latitude = registration.near_longitude = None
        registration.near_due_at = None
        return
    if (registration.latitude, registration.longitude) == (
        registration.near_latitude,
        registration.near_longitude,
    ):
        registration.near_due_at = None  # back where lists already have it
        return
    count, _oldest = _history(session, registration, now)
    if count == 0:
        _settle(session, registration, now)
        return
    if registration.near_latitude is None:
        # Another registration of theirs (another evening) is already in lists: this one
        # starts where that one is, and a different office waits like any move.
        latest = _latest_settled(session, registration)
        if latest is not None:
            registration.near_latitude, registration.near_longitude = latest
            if tuple(latest) == (registration.latitude, registration.longitude):
                registration.near_due_at = None
                return
    registration.near_due_at = now + DELAY


def settle_due(now: datetime | None = None, limit: int = 500) -> int:
    """Let the pins whose delay is over into neighbour lists, within MAX_CHANGES per WINDOW
    (the others wait for a free turn). Each row is claimed by a conditional UPDATE, whatever
    the number of workers. Commits. Returns how many settled."""
    now = now or utcnow()
    due = list(
        db.session.scalars(
            select(Registration)
            .where(Registration.near_due_at <= now)
            .order_by(Registration.near_due_at)
            .limit(limit)
        )
    )
    plans = []
    for registration in due:
        count, oldest = _history(db.session, registration, now)
        plans.append(
            (
                registration.id,
                registration.near_due_at,
                registration.latitude,
                registration.longitude,
                None if count < MAX_CHANGES else oldest + WINDOW,
            )
        )
    end_reads(expire=False)
    settled = 0
    first = True
    for registration_id, due_at, latitude, longitude, wait_until in plans:
        claim = update(Registration).where(
            Registration.id == registration_id,
            Registration.near_due_at == due_at,
            Registration.latitude == latitude,
            Registration.longitude == longitude,
        )
        if wait_until is None:
            values = {"near_latitude": latitude, "near_longitude": longitude, "near_due_at": None}
        else:
            values = {"near_due_at": max(wait_until, due_at)}
        statement = claim.values(**values, revision=Registration.revision + 1).execution_options(
            synchronize_session=False
        )
        result = first_write(statement) if first else db.session.execute(statement)
        first = False
        if result.rowcount == 1 and wait_until is None:
            db.session.add(PositionChange(registration_id=registration_id, changed_at=now))
            settled += 1
    db.session.commit()
    return settled


def forget_before(cutoff: datetime) -> None:
    """Settled positions older than the window count for nothing: the retention purge
    removes them. Does not commit."""
    db.session.execute(delete(PositionChange).where(PositionChange.changed_at < cutoff))


def _pin_changed(registration: Registration) -> bool:
    state = inspect(registration)
    if state.transient or state.pending:
        return True
    return any(
        state.attrs[name].history.has_changes()
        for name in ("latitude", "longitude", "location_status")
    )


@event.listens_for(Session, "before_flush")
def _follow_pins(session: Session, flush_context, instances) -> None:
    # Registered after the models' own before_flush (follow_address), which this module
    # imports: the pin is final when this runs.
    now = utcnow()
    for instance in (*session.new, *session.dirty):
        if isinstance(instance, Registration) and _pin_changed(instance):
            with session.no_autoflush:
                follow(session, instance, now)
