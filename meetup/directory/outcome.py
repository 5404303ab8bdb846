"""What an evening produced, for its organisers: who came for the first time, who found a
neighbour among the others who came, the introductions asked and accepted.

Counts only, over everyone who came (organisers see the whole list anyway); nothing here is
shown to attendees.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select

from meetup.checkin.services import came_before
from meetup.directory import sweep
from meetup.directory.models import Introduction, IntroductionStatus
from meetup.events.models import Event, EventStatus
from meetup.extensions import db
from meetup.registrations.models import Registration


@dataclass(frozen=True)
class Outcome:
    came: int
    #: Of those who came: their first evening of the series.
    first_time: int
    #: Of those who came: offices on the map, and of these, those with at least one other
    #: person who came working within the series' neighbour radius.
    located: int
    with_neighbour: int
    radius_m: int
    introductions_asked: int
    introductions_accepted: int


def outcome(event: Event) -> Outcome:
    came = select(Registration.id, Registration.near_latitude, Registration.near_longitude).where(
        Registration.event_id == event.id, Registration.checked_in_at.is_not(None)
    )
    rows = db.session.execute(came).all()
    first_time = db.session.scalar(
        select(func.count())
        .select_from(Registration)
        .join(Event, Event.id == Registration.event_id)
        .where(
            Registration.event_id == event.id,
            Registration.checked_in_at.is_not(None),
            ~came_before(),
        )
    )
    located = [row for row in rows if row.near_latitude is not None]
    radius = event.series.neighbour_radius_m
    with_neighbour = sweep.with_a_neighbour(
        [row.near_latitude for row in located], [row.near_longitude for row in located], radius
    )
    # The evening's introductions: asked by or to its people, from its start until the
    # series' next evening (a community introduction months later is that evening's).
    of_this_evening = select(Registration.id).where(Registration.event_id == event.id)
    next_start = db.session.scalar(
        select(func.min(Event.starts_at)).where(
            Event.series_id == event.series_id,
            Event.starts_at > event.starts_at,
            Event.status == EventStatus.PUBLISHED,
        )
    )
    window = [Introduction.created_at >= event.starts_at]
    if next_start is not None:
        window.append(Introduction.created_at < next_start)
    introductions = dict(
        db.session.execute(
            select(Introduction.status, func.count())
            .where(
                or_(
                    Introduction.requester_id.in_(of_this_evening),
                    Introduction.recipient_id.in_(of_this_evening),
                ),
                *window,
            )
            .group_by(Introduction.status)
        ).all()
    )
    return Outcome(
        came=len(rows),
        first_time=first_time,
        located=len(located),
        with_neighbour=with_neighbour,
        radius_m=radius,
        introductions_asked=sum(introductions.values()),
        introductions_accepted=introductions.get(IntroductionStatus.ACCEPTED, 0),
    )
