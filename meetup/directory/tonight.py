"""Tonight, in the room: who is here now, for an attendee who checked in.

Listed: people checked in tonight who chose to be seen by those who came (or the community),
who have not said they were leaving, while the evening is on; "nobody" is never listed (the
evening directory's own rule, queries._is_listed_tonight). The viewer's neighbours first
(offices within the series' radius, nearest first: the settled positions, as every neighbour
list), then those who offer what the viewer looks for, then everyone else by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from meetup.directory import matching
from meetup.directory.queries import EventDirectory, Nearby, came
from meetup.events.models import Event, EventStatus
from meetup.extensions import db
from meetup.registrations.models import Registration

#: The room is "on" from this long before the evening starts (doors open early).
DOORS_OPEN_BEFORE = timedelta(hours=1)


def is_on(event: Event, now: datetime) -> bool:
    """The evening is happening: published, its doors open, not ended."""
    return (
        event.status is EventStatus.PUBLISHED
        and event.starts_at - DOORS_OPEN_BEFORE <= now < event.ends_at
    )


def in_the_room(registration: Registration, now: datetime) -> bool:
    """Checked in tonight, not gone (may see who is here)."""
    return came(registration) and registration.left_at is None and is_on(registration.event, now)


@dataclass(frozen=True)
class Present:
    registration: Registration
    #: How far their office is, when within the radius (a neighbour).
    near: Nearby | None
    #: They offer what the viewer looks for.
    offers: bool


@dataclass(frozen=True)
class Tonight:
    people: list[Present]

    @property
    def neighbours(self) -> int:
        return sum(1 for p in self.people if p.near is not None)


def tonight(me: Registration, now: datetime) -> Tonight | None:
    """Who is in the room for `me`, or None when `me` may not see it (not in, gone, over)."""
    if not in_the_room(me, now):
        return None
    directory = EventDirectory(me.event)
    others = [r for r in directory.here_now() if r.email.lower() != me.email.lower()]
    near: dict[int, Nearby] = {}
    if me.is_near_located:
        radius = me.event.series.neighbour_radius_m
        found = directory.near(me.near_latitude, me.near_longitude, radius)
        near = {n.registration.id: n for n in found if n.registration.left_at is None}
    looking_for = me.looking_for or ""
    people = [
        Present(r, near.get(r.id), bool(looking_for) and matching.offers(r.help_with, looking_for))
        for r in others
    ]
    people.sort(
        key=lambda p: (
            0 if p.near else 1 if p.offers else 2,
            p.near.metres if p.near else 0.0,
        )
    )  # stable: by name within each group
    return Tonight(people)


def leave(registration: Registration, now: datetime) -> bool:
    """ "I'm leaving": off tonight's list at once. Commits. False when not in the room."""
    if not in_the_room(registration, now):
        return False
    registration.left_at = now
    db.session.commit()
    return True


def come_back(registration: Registration, now: datetime) -> bool:
    """ "I'm back" (left by mistake, or came back in): on the list again. Commits."""
    if registration.left_at is None or not came(registration):
        return False
    if not is_on(registration.event, now):
        return False
    registration.left_at = None
    db.session.commit()
    return True
