"""Tables by neighbourhood, in the app: the evening's confirmed people seated with the pure
core (meetup.directory.tables), stored on their registration, moved by hand."""

from __future__ import annotations

from sqlalchemy import func, select

from meetup.badges.services import roles_for
from meetup.directory.tables import Seat, assign
from meetup.events.models import Event
from meetup.extensions import db
from meetup.registrations.models import Registration, RegistrationStatus

#: The most tables an evening may have (a room, not a stadium).
MAX_TABLES = 200
#: Roles seated first, one per table in turn.
HOSTS = ("organiser", "speaker")


def seated_people(event: Event) -> list[Registration]:
    """Who gets a seat: confirmed registrations (checked in or not), not erased."""
    return list(
        db.session.scalars(
            select(Registration)
            .where(
                Registration.event_id == event.id,
                Registration.status == RegistrationStatus.CONFIRMED,
                Registration.erased_at.is_(None),
            )
            .order_by(func.lower(Registration.last_name), Registration.id)
        )
    )


def seat_by_neighbourhood(event: Event, tables: int) -> int:
    """Seat everyone confirmed at `tables` tables (re-running reassigns all), clear the seat
    of anyone no longer coming; returns how many were seated. Commits.

    Offices are placed where neighbour lists place them (the settled pin,
    meetup.registrations.positions), so a freshly moved pin does not move its owner."""
    if not 1 <= tables <= MAX_TABLES:
        raise ValueError("tables out of range")
    people = seated_people(event)
    roles = roles_for(event, people)
    table_of = assign(
        [
            Seat(
                key=r.id,
                latitude=r.near_latitude if r.is_near_located else None,
                longitude=r.near_longitude if r.is_near_located else None,
                host=roles.get(r.id) in HOSTS,
            )
            for r in people
        ],
        tables,
    )
    for registration in people:
        number = table_of[registration.id] + 1
        if registration.table_number != number:
            registration.table_number = number
    seated = {r.id for r in people}
    for registration in db.session.scalars(
        select(Registration).where(
            Registration.event_id == event.id, Registration.table_number.is_not(None)
        )
    ):
        if registration.id not in seated:
            registration.table_number = None
    event.table_count = tables
    db.session.commit()
    return len(people)


def move(registration: Registration, table: int) -> None:
    """Seat one person at another table by hand. Commits."""
    count = registration.event.table_count
    if count is None or not 1 <= table <= count:
        raise ValueError("no such table")
    registration.table_number = table
    db.session.commit()


def by_table(event: Event) -> list[tuple[int, list[Registration]]]:
    """The tables (1…table_count) with the people seated at each, and the confirmed people
    not seated yet (table 0) when there are any (registered after the seating)."""
    tables: dict[int, list[Registration]] = {t: [] for t in range(1, (event.table_count or 0) + 1)}
    unseated = []
    for registration in seated_people(event):
        if registration.table_number in tables:
            tables[registration.table_number].append(registration)
        else:
            unseated.append(registration)
    rows = list(tables.items())
    if unseated and tables:
        rows.append((0, unseated))
    return rows
