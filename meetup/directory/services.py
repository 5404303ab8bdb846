"""The directory's writes: opening an evening's directory (and telling everyone who came),
telling community members about new neighbours, pins, introductions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import select

from meetup.directory import emails, spatial
from meetup.directory.cards import card_for
from meetup.directory.models import Introduction, IntroductionStatus
from meetup.directory.queries import CommunityDirectory, EventDirectory
from meetup.events.models import Event, EventStatus, Series
from meetup.extensions import db
from meetup.registrations.models import LocationStatus, Registration, RegistrationStatus
from meetup.registrations.tokens import hash_token, new_manage_token
from meetup.timeutil import utcnow

#: Directories that would open by themselves are left closed when the evening ended longer
#: ago than this (a new installation does not email people about evenings long past).
AUTO_OPEN_WINDOW = timedelta(days=7)


# -- opening an evening's directory -------------------------------------------------------


@dataclass(frozen=True)
class Announcement:
    told: int
    new_neighbour_emails: int


def open_directory(event: Event, now: datetime | None = None) -> Announcement | None:
    """Open the evening's directory; the first time, everyone who came gets their link (and
    community members who asked are told about new neighbours). Commits."""
    now = now or utcnow()
    event.directory_opened_at = now
    announcement = None
    if event.directory_announced_at is None:
        announcement = _announce(event, now)
        event.directory_announced_at = now
    db.session.commit()
    return announcement


def close_directory(event: Event) -> None:
    """Close it again (nothing more is sent when it reopens). Commits."""
    event.directory_opened_at = None
    db.session.commit()


def new_directory_token(registration: Registration) -> str:
    token, registration.directory_token_hash = new_manage_token()
    return token


def by_directory_token(token: str) -> Registration | None:
    if not token or len(token) > 100:
        return None
    return db.session.scalar(
        select(Registration).where(Registration.directory_token_hash == hash_token(token))
    )


def neighbour_counts(
    people: list[Registration], listed: list[Registration], radius_m: float
) -> dict[int, int]:
    """For each of `people`, how many of `listed` (others) work within the radius: one pass
    of spatial.pairs_within over everyone's pin, counted with numpy."""
    located = list({r.id: r for r in [*people, *listed] if r.is_located}.values())
    position = {r.id: i for i, r in enumerate(located)}
    pairs = spatial.pairs_within(
        [r.latitude for r in located], [r.longitude for r in located], radius_m
    )
    is_listed = np.zeros(len(located), dtype=bool)
    is_listed[[position[r.id] for r in listed if r.id in position]] = True
    counts = np.bincount(pairs.src[is_listed[pairs.dst]], minlength=len(located))
    return {
        person.id: int(counts[position[person.id]]) if person.id in position else 0
        for person in people
    }


def _announce(event: Event, now: datetime) -> Announcement:
    directory = EventDirectory(event)
    listed = directory.members()
    people = list(
        db.session.scalars(
            select(Registration).where(
                Registration.event_id == event.id,
                Registration.status == RegistrationStatus.CONFIRMED,
                Registration.checked_in_at.is_not(None),
            )
        )
    )
    radius = event.series.neighbour_radius_m
    counts = neighbour_counts(people, listed, radius)
    for person in people:
        emails.queue_directory_open(person, new_directory_token(person), counts[person.id], radius)
    return Announcement(len(people), _tell_about_newcomers(event, people))


def newcomers(event: Event, came_tonight: list[Registration]) -> list[Registration]:
    """People at their first evening of the series tonight, who chose the community."""
    emails_tonight = {r.email.lower() for r in came_tonight}
    seen_before = {
        email
        for (email,) in db.session.execute(
            select(db.func.lower(Registration.email))
            .join(Event, Event.id == Registration.event_id)
            .where(
                Event.series_id == event.series_id,
                Event.starts_at < event.starts_at,
                Registration.checked_in_at.is_not(None),
                db.func.lower(Registration.email).in_(emails_tonight),
            )
        )
    }
    community = CommunityDirectory(event.series)
    return [
        r
        for r in came_tonight
        if r.email.lower() not in seen_before and r.is_located and community.lists(r)
    ]


def _tell_about_newcomers(event: Event, came_tonight: list[Registration]) -> int:
    """Community members who asked to hear about new neighbours get one email listing the
    newcomers near them (those who chose to be seen by the community)."""
    new = newcomers(event, came_tonight)
    if not new:
        return 0
    new_emails = {r.email.lower() for r in new}
    members = [
        r
        for r in CommunityDirectory(event.series).members()
        if r.notify_new_neighbours and r.is_located and r.email.lower() not in new_emails
    ]
    if not members:
        return 0
    points = {r.id: r for r in [*members, *new]}
    ids = list(points)
    found = spatial.neighbours_within(
        ids,
        [points[i].latitude for i in ids],
        [points[i].longitude for i in ids],
        event.series.neighbour_radius_m,
    )
    new_by_id = {r.id: r for r in new}
    sent = 0
    for member in members:
        near = [
            (card_for(new_by_id[n.other]), round(n.metres))
            for n in found.get(member.id, ())
            if n.other in new_by_id
        ]
        if near:
            emails.queue_new_neighbours(member, new_directory_token(member), near)
            sent += 1
    return sent


def directories_due(now: datetime) -> list[Event]:
    """Evenings whose directory opens by itself now: published, never opened, ended at
    least the series' delay ago (and not more than a week ago)."""
    candidates = db.session.scalars(
        select(Event)
        .join(Series, Series.id == Event.series_id)
        .where(
            Event.status == EventStatus.PUBLISHED,
            Event.directory_opened_at.is_(None),
            Event.directory_announced_at.is_(None),
            Series.directory_delay_hours.is_not(None),
            Event.ends_at <= now,
            # The longest delay a series may set is 720 hours.
            Event.ends_at > now - AUTO_OPEN_WINDOW - timedelta(hours=720),
        )
    )
    due = []
    for event in candidates:
        opens_at = event.ends_at + timedelta(hours=event.series.directory_delay_hours)
        if now - AUTO_OPEN_WINDOW < opens_at <= now:
            due.append(event)
    return due


def open_due_directories(now: datetime | None = None) -> int:
    now = now or utcnow()
    opened = 0
    for event in directories_due(now):
        open_directory(event, now)
        opened += 1
    return opened


# -- pins ----------------------------------------------------------------------------------


def place_pin(registration: Registration, latitude: float, longitude: float) -> None:
    """The attendee (or an organiser) puts the office's pin; the geocoder leaves it. Commits."""
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ValueError("latitude or longitude out of range")
    registration.latitude = latitude
    registration.longitude = longitude
    registration.location_status = LocationStatus.PLACED
    registration.location_changed_at = utcnow()
    registration.geocode_attempts = 0
    registration.geocode_after = None
    db.session.commit()


def look_up_again(registration: Registration) -> None:
    """The same address to the geocoder again (an organiser asked), its negative cached
    answer forgotten. Commits."""
    from meetup.directory.geocoding import forget_answer

    forget_answer(registration)
    registration.latitude = registration.longitude = None
    registration.location_status = (
        LocationStatus.PENDING if registration.has_address else LocationStatus.NONE
    )
    registration.geocode_attempts = 0
    registration.geocode_after = None
    registration.location_changed_at = utcnow()
    db.session.commit()


# -- introductions -------------------------------------------------------------------------

#: Introductions one person may ask for per evening's registration, to keep it human.
MAX_INTRODUCTIONS = 20


class IntroductionRefused(Exception):
    pass


def request_introduction(requester: Registration, recipient: Registration) -> Introduction:
    """Ask `recipient` (whose card the requester may see: the caller checked) to meet.
    Asking twice changes nothing. Commits."""
    if requester.id == recipient.id or requester.email.lower() == recipient.email.lower():
        raise IntroductionRefused("self")
    if not recipient.accept_introductions:
        raise IntroductionRefused("not accepted")
    existing = db.session.scalar(
        select(Introduction).where(
            Introduction.requester_id == requester.id, Introduction.recipient_id == recipient.id
        )
    )
    if existing is not None:
        return existing
    asked = db.session.scalar(
        select(db.func.count())
        .select_from(Introduction)
        .where(Introduction.requester_id == requester.id)
    )
    if asked >= MAX_INTRODUCTIONS:
        raise IntroductionRefused("too many")
    token, token_hash = new_manage_token()
    introduction = Introduction(requester=requester, recipient=recipient, token_hash=token_hash)
    db.session.add(introduction)
    emails.queue_introduction_request(recipient, card_for(requester), token)
    db.session.commit()
    return introduction


def introduction_by_token(token: str) -> Introduction | None:
    if not token or len(token) > 100:
        return None
    return db.session.scalar(
        select(Introduction).where(Introduction.token_hash == hash_token(token))
    )


def answer_introduction(introduction: Introduction, accept: bool) -> None:
    """Accepting sends each their other's contact; declining tells nobody anything (the
    requester keeps seeing "asked"). Answering again changes nothing. Commits."""
    if introduction.status is not IntroductionStatus.PENDING:
        return
    introduction.status = IntroductionStatus.ACCEPTED if accept else IntroductionStatus.DECLINED
    introduction.status_changed_at = utcnow()
    if accept:
        emails.queue_introduction_made(introduction.requester, introduction.recipient)
        emails.queue_introduction_made(introduction.recipient, introduction.requester)
    db.session.commit()


def introductions_asked(requester: Registration) -> set[int]:
    """Ids of the registrations the person asked to meet (pending or answered)."""
    return set(
        db.session.scalars(
            select(Introduction.recipient_id).where(Introduction.requester_id == requester.id)
        )
    )
