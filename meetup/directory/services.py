"""The directory's writes: opening an evening's directory (and telling everyone who came),
telling community members about new neighbours, pins, introductions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from meetup.directory import distance, emails, geocoding, sweep
from meetup.directory.cards import card_for, shown_metres
from meetup.directory.models import Introduction, IntroductionStatus
from meetup.directory.queries import CommunityDirectory, EventDirectory
from meetup.events.models import Event, EventStatus, Series
from meetup.extensions import db
from meetup.registrations.models import Registration, RegistrationStatus
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


class NotPublished(ValueError):
    """Only a published evening's directory opens: a draft's or a cancelled one's would
    email links to a directory that never shows."""


def open_directory(event: Event, now: datetime | None = None) -> Announcement | None:
    """Open the evening's directory. Once the evening is over, the first opening tells
    everyone who came (their link) and community members who asked (new neighbours); opened
    during the evening, the telling waits for its end (the worker does it). Raises
    NotPublished for an evening that is not published. Commits."""
    if event.status is not EventStatus.PUBLISHED:
        raise NotPublished(event.slug)
    now = now or utcnow()
    return _open(event.id, now, reopen=True)


def _open(event_id: int, now: datetime, *, reopen: bool) -> Announcement | None:
    """The first statement of its transaction is the write (any read before is committed):
    SQLite cannot turn a read into a write once another writer went first, and PostgreSQL
    then holds the event's row until the announcement is settled."""
    db.session.commit()
    opened_at = now if reopen else func.coalesce(Event.directory_opened_at, now)
    db.session.execute(
        update(Event)
        .where(Event.id == event_id)
        .values(directory_opened_at=opened_at)
        .execution_options(synchronize_session=False)
    )
    event = db.session.get(Event, event_id, populate_existing=True)
    announcement = announce(event, now)
    db.session.commit()
    return announcement


def announce(event: Event, now: datetime) -> Announcement | None:
    """Tell everyone, once: the event is claimed with one conditional UPDATE, so two workers
    (or a worker and an organiser's click) never both send. None when it was not for now."""
    if event.ends_at > now:
        return None
    claimed = db.session.execute(
        update(Event)
        .where(Event.id == event.id, Event.directory_announced_at.is_(None))
        .values(directory_announced_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        return None
    event.directory_announced_at = now
    return _announce(event, now)


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
    """For each of `people`, how many of `listed` (others) work within the radius of their
    office, offices placed as the directory places them (settled pins): the number its page
    lists. One pass of the plain Python sweep (no numpy in a web request)."""
    here = [r for r in people if r.is_near_located]
    there = [r for r in listed if r.is_near_located]
    located = [*here, *there]
    lists = sweep.neighbour_lists(
        [r.near_latitude for r in located], [r.near_longitude for r in located], radius_m
    )
    counts = {person.id: 0 for person in people}
    for p, person in enumerate(here):
        counts[person.id] = sum(
            1 for _metres, q in lists[p] if q >= len(here) and located[q].id != person.id
        )
    return counts


def _announce(event: Event, now: datetime) -> Announcement:
    directory = EventDirectory(event)
    listed = directory.members()
    people = list(
        db.session.scalars(
            select(Registration).where(
                Registration.event_id == event.id,
                Registration.status == RegistrationStatus.CONFIRMED,
                Registration.checked_in_at.is_not(None),
                Registration.erased_at.is_(None),
            )
        )
    )
    radius = event.series.neighbour_radius_m
    counts = neighbour_counts(people, listed, radius)
    tokens = {}
    for person in people:
        tokens[person.id] = new_directory_token(person)
        emails.queue_directory_open(person, tokens[person.id], counts[person.id], radius)
    return Announcement(len(people), _tell_about_newcomers(event, people, tokens))


def newcomers(event: Event, came_tonight: list[Registration]) -> list[Registration]:
    """People at their first evening of the series tonight whose card the community sees:
    their community card (their latest registration), located."""
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
    first_timers = [r.email for r in came_tonight if r.email.lower() not in seen_before]
    cards = CommunityDirectory(event.series).cards_of(first_timers)
    return [card for card in cards if card.is_near_located]


def _tell_about_newcomers(
    event: Event, came_tonight: list[Registration], tokens: dict[int, str]
) -> int:
    """Community members who asked to hear about new neighbours get one email listing the
    newcomers near them (those whose card the community sees), offices placed as the
    directory places them. A member who came tonight gets the link of their
    other email (one directory link per person and announcement)."""
    new = newcomers(event, came_tonight)
    if not new:
        return 0
    new_emails = {r.email.lower() for r in new}
    members = [
        r
        for r in CommunityDirectory(event.series).members()
        if r.notify_new_neighbours and r.is_near_located and r.email.lower() not in new_emails
    ]
    if not members:
        return 0
    tonight_by_email = {r.email.lower(): r for r in came_tonight}
    radius = event.series.neighbour_radius_m
    sent = 0
    for member in members:
        near = []
        for newcomer in new:
            metres = distance.distance_metres(
                member.near_latitude,
                member.near_longitude,
                newcomer.near_latitude,
                newcomer.near_longitude,
            )
            if metres <= radius:
                near.append((card_for(newcomer), shown_metres(metres, newcomer.share_address)))
        if not near:
            continue
        near.sort(key=lambda pair: pair[1])
        tonight = tonight_by_email.get(member.email.lower())
        if tonight is not None and tonight.id in tokens:
            # The same person got their evening's link: the same token, not a new one.
            emails.queue_new_neighbours(tonight, tokens[tonight.id], near)
        else:
            emails.queue_new_neighbours(member, new_directory_token(member), near)
        sent += 1
    return sent


def directories_due(now: datetime) -> list[Event]:
    """Evenings whose directory opens (or, opened by hand during the evening, announces)
    by itself now: published, not announced, ended; opened by hand, at once; otherwise the
    series' delay after the end. Never for evenings over more than a week before that."""
    candidates = db.session.scalars(
        select(Event)
        .join(Series, Series.id == Event.series_id)
        .where(
            Event.status == EventStatus.PUBLISHED,
            Event.directory_announced_at.is_(None),
            Event.ends_at <= now,
            # The longest delay a series may set is 720 hours.
            Event.ends_at > now - AUTO_OPEN_WINDOW - timedelta(hours=720),
        )
    )
    due = []
    for event in candidates:
        if event.directory_opened_at is not None:
            opens_at = event.ends_at
        elif event.series.directory_delay_hours is not None:
            opens_at = event.ends_at + timedelta(hours=event.series.directory_delay_hours)
        else:
            continue
        if now - AUTO_OPEN_WINDOW < opens_at <= now:
            due.append(event)
    return due


def open_due_directories(now: datetime | None = None) -> int:
    now = now or utcnow()
    opened = 0
    for event_id in [event.id for event in directories_due(now)]:
        _open(event_id, now, reopen=False)
        opened += 1
    return opened


# -- pins ----------------------------------------------------------------------------------


def place_pin(registration: Registration, latitude: float, longitude: float) -> None:
    """The attendee (or an organiser) puts the office's pin. Commits."""
    registration.place_pin(latitude, longitude)
    db.session.commit()


def correct_address(registration: Registration, street: str, postcode: str, city: str) -> None:
    """An organiser corrects the address: it goes to the geocoder (again, its cached answer
    forgotten, when unchanged). Commits."""
    if (street, postcode, city) == (registration.street, registration.postcode, registration.city):
        look_up_again(registration)
        return
    registration.street, registration.postcode, registration.city = street, postcode, city
    db.session.commit()  # the new address goes to the geocoder (Registration.follow_address)


def look_up_again(registration: Registration) -> None:
    """The same address to the geocoder again (an organiser asked), its negative cached
    answer forgotten. Commits."""
    geocoding.forget_answer(registration)
    registration.send_to_geocoder()
    db.session.commit()


# -- introductions -------------------------------------------------------------------------

#: Introductions one person may ask for per evening's registration, to keep it human.
MAX_INTRODUCTIONS = 20


class IntroductionRefused(Exception):
    pass


def request_introduction(
    requester: Registration, recipient: Registration, message: str = ""
) -> Introduction:
    """Ask `recipient` (whose card the requester may see: the caller checked) to meet, with
    an optional word (checked by the caller, see introduction_message_problem). Asking
    twice changes nothing. Commits."""
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
    introduction = Introduction(
        requester=requester, recipient=recipient, token_hash=token_hash, message=message
    )
    try:
        with db.session.begin_nested():  # the same request twice at once (a double tap)
            db.session.add(introduction)
    except IntegrityError:
        return db.session.scalar(
            select(Introduction).where(
                Introduction.requester_id == requester.id,
                Introduction.recipient_id == recipient.id,
            )
        )
    emails.queue_introduction_request(recipient, card_for(requester), token, message)
    db.session.commit()
    return introduction


def ask_introduction(requester: Registration, recipient: Registration, message: str = "") -> bool:
    """request_introduction, saying whether it could be asked for (False when refused)."""
    try:
        request_introduction(requester, recipient, message)
    except IntroductionRefused:
        return False
    return True


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


def introductions_asked(requester: Registration) -> dict[int, bool]:
    """The registrations the person asked to meet: id -> whether they accepted (a decline
    reads as still waiting: nobody is told of one)."""
    rows = db.session.execute(
        select(Introduction.recipient_id, Introduction.status).where(
            Introduction.requester_id == requester.id
        )
    )
    return {recipient: status is IntroductionStatus.ACCEPTED for recipient, status in rows}
