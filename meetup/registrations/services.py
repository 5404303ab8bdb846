"""Signups, cancellations and the waitlist: the writes and the rules.

Capacity holds under concurrency: every change that can move a seat first locks the event
(`lock_seats`), so counting confirmed seats and writing happen one request at a time per
event — PostgreSQL through a row lock, SQLite through its single writer lock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import datetime

from flask import current_app
from sqlalchemy import and_, bindparam, delete, func, insert, or_, select, update

from meetup import counters
from meetup.events import services as event_services
from meetup.events.models import Event, EventStatus
from meetup.extensions import db
from meetup.mail.models import OutboxMessage, OutboxStatus
from meetup.models_base import column_length
from meetup.queued import take_each
from meetup.registrations import emails
from meetup.registrations.models import (
    MAX_EARLIER_LINKS,
    EarlierLink,
    LinkRequest,
    Registration,
    RegistrationStatus,
    Source,
    Visibility,
)
from meetup.registrations.tokens import new_manage_token, new_ticket_code
from meetup.timeutil import utcnow
from meetup.writelock import end_reads, first_write


def signup_rate_limit() -> str:
    """Public signups per client address (the signup form and the API)."""
    return current_app.config["SIGNUP_RATE_LIMIT"]


@dataclass
class Profile:
    """What an attendee tells about themselves (the signup form, the API, the personal page)."""

    first_name: str
    last_name: str
    email: str
    company: str = ""
    job_title: str = ""
    sector: str = ""
    website: str = ""
    phone: str = ""
    street: str = ""
    postcode: str = ""
    city: str = ""
    help_with: str = ""
    looking_for: str = ""
    street_on_badge: bool = False
    visibility: Visibility = Visibility.NOBODY
    language: str = "fr"
    #: What those who may see the card see besides the basics (the directory).
    share_email: bool = False
    share_phone: bool = False
    share_address: bool = False
    accept_introductions: bool = False
    notify_new_neighbours: bool = False
    #: Tell me about the series' next evenings (per series: see set_news).
    news: bool = False

    def values(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class SignupResult:
    registration: Registration
    #: What the page and the API may say: a new signup's status, whether or not the email was
    #: already registered (so nobody can learn who signed up).
    public_status: RegistrationStatus
    #: For the organisers only: the email was registered already (nothing changed).
    already_registered: bool = False


_EVENTS = Event.__table__
_LOCK_POSTGRESQL = (
    select(_EVENTS.c.capacity, _EVENTS.c.status)
    .where(_EVENTS.c.id == bindparam("event_id"))
    .with_for_update()
)
#: SQLite: the first write of a transaction takes the database's single writer lock; a no-op
#: update is that first write.
_LOCK_SQLITE = (
    update(_EVENTS)
    .where(_EVENTS.c.id == bindparam("event_id"))
    .values(capacity=_EVENTS.c.capacity)
    .returning(_EVENTS.c.capacity, _EVENTS.c.status)
)


@dataclass(frozen=True)
class Locked:
    """The event as it is under the lock: what a seat change decides on."""

    capacity: int
    status: EventStatus


def _lock_event(event_id: int) -> Locked:
    """Serialise seat changes for one event until the transaction ends (the status changes
    too: cancelling writes the same row), and return its capacity and status as they are
    under the lock. On SQLite, must be the first statement of its transaction; on
    PostgreSQL it may follow reads (READ COMMITTED, tested: each statement after it sees
    what was committed before the lock was granted)."""
    if db.session.get_bind().dialect.name == "postgresql":
        row = db.session.execute(_LOCK_POSTGRESQL, {"event_id": event_id}).one()
    else:
        row = first_write(_LOCK_SQLITE, {"event_id": event_id}).one()
    return Locked(row.capacity, row.status)


def lock_seats(event_ids: Iterable[int], *, reread: bool = True) -> list[Locked]:
    """The seat lock: serialise the seat changes (and status changes) of these evenings
    until the transaction ends, locking them in order of id (two lockers never wait for
    each other in a circle); returns each one's capacity and status as they are under the
    lock. The reads' transaction ends first (on SQLite, one that read cannot become the
    writer once another committed): objects read before are expired, to be read again
    under the lock. `reread=False` keeps them loaded, for a change that writes a new row and
    changes none it read (a signup): on PostgreSQL the lock then joins the reads'
    transaction, two round trips fewer; what must be fresh is read under the lock."""
    ids = sorted(set(event_ids))  # read before the commit, which expires the objects
    if reread:
        db.session.commit()
    else:
        end_reads(expire=False)
    return [_lock_event(event_id) for event_id in ids]


#: Built once (see events.queries._EVENT): a signup asks both under the event's lock.
_CONFIRMED = select(func.count()).where(
    Registration.event_id == bindparam("event_id"),
    Registration.status == RegistrationStatus.CONFIRMED,
)
_BY_EMAIL = (
    select(Registration)
    .where(
        Registration.event_id == bindparam("event_id"),
        func.lower(Registration.email) == bindparam("email"),
    )
    # Read as it is now, even if the session loaded it before the lock (lock_seats, reread=False).
    .execution_options(populate_existing=True)
)


def confirmed_count(event: Event) -> int:
    return db.session.scalar(_CONFIRMED, {"event_id": event.id})


def public_status(event: Event) -> RegistrationStatus:
    """What a newcomer would get right now (for answers that must not reveal anything)."""
    return _status_for_newcomer(event, event.capacity)


def _status_for_newcomer(event: Event, capacity: int) -> RegistrationStatus:
    has_seat = confirmed_count(event) < capacity
    return RegistrationStatus.CONFIRMED if has_seat else RegistrationStatus.WAITLISTED


def find_by_email(event: Event, email: str) -> Registration | None:
    return db.session.scalar(_BY_EMAIL, {"event_id": event.id, "email": email.strip().lower()})


#: Who signs up only for a published evening (organisers may add people to any).
PUBLIC_SOURCES = (Source.PUBLIC, Source.API)


class SignupsClosed(Exception):
    """The evening stopped taking signups between the page's check and the seat lock."""

    def __init__(self, status: EventStatus) -> None:
        super().__init__(status.value)
        self.status = status


def register(
    event: Event,
    profile: Profile,
    source: Source = Source.PUBLIC,
    *,
    resend_link: bool = True,
    consent_how: str | None = None,
) -> SignupResult:
    """Sign someone up: a seat if one is free, else the waitlist; one registration per email.

    Someone already registered gets their personal link again (a fresh one; the earlier ones
    keep working; at most one such email per LINK_AGAIN_INTERVAL) and the same answer a
    newcomer would get. A cancelled registration comes back to life. The event is
    locked from the count of seats to the commit; the email is a draft the mail worker
    composes, so the lock is held only for a few short statements. Raises SignupsClosed
    for a public or API signup if the evening is no longer published. `resend_link=False`
    (a one-tap signup tapped again): someone already registered gets nothing. Someone who
    already asked for the series' news keeps it (an unticked box at signup takes nothing
    back: see set_news). `consent_how` records how the consents were given when the source
    does not say it (meetup.privacy.consents). Commits.
    """
    token, token_hash = new_manage_token()  # a newcomer's, made before the lock
    (locked,) = lock_seats([event.id], reread=False)
    if locked.status is not EventStatus.PUBLISHED and source in PUBLIC_SOURCES:
        # Cancelled (or taken back) since the page checked: a signup now would never hear
        # of the cancellation, sent to those registered before it.
        db.session.rollback()
        raise SignupsClosed(locked.status)
    newcomer_status = _status_for_newcomer(event, locked.capacity)
    existing = find_by_email(event, profile.email)
    if existing is not None and existing.status is not RegistrationStatus.CANCELLED:
        # Someone signing up again gets their link (else they could not tell); an organiser
        # adding them again only learns it, and they get no email about it.
        if (
            resend_link
            and source is not Source.ORGANISER
            and not emails.link_sent_recently(existing)
        ):
            emails.queue_link_again(existing, new_personal_link(existing))
        db.session.commit()
        return SignupResult(existing, newcomer_status, already_registered=True)

    if existing is not None:  # signing up again after cancelling: the same row comes back
        registration = existing
        registration.consent_how = consent_how  # before any flush records them
        for key, value in profile.values().items():
            setattr(registration, key, value)
        token = new_personal_link(registration)
    else:
        registration = Registration(
            event_id=event.id,
            manage_token_hash=token_hash,
            ticket_code=new_ticket_code(),
            source=source,
            **profile.values(),
        )
        registration.consent_how = consent_how  # before any flush records them
        registration.event = event
        db.session.add(registration)
    # The status first: the series' news may read (and so flush the new row); a status set
    # after that would cost an UPDATE of the row just inserted.
    _set_status(registration, newcomer_status)
    _take_the_series_news(registration)
    db.session.flush()  # the email refers to the registration by id
    emails.queue_signup(registration, token)
    db.session.commit()
    counters.signup(newcomer_status, source)
    return SignupResult(registration, newcomer_status)


def walk_in(event: Event, profile: Profile, door: str = "") -> Registration:
    """Someone at the door who did not sign up (or forgot their ticket): a seat and a
    check-in at once, whatever the capacity, since they are already in the room. Newcomers
    (and people who were waiting or had cancelled) get their personal link by email, to
    complete their card; someone already confirmed keeps theirs. Sending the form twice
    changes nothing more. `door` as checkin.services.door_name made it. Commits."""
    lock_seats([event.id])
    now = utcnow()
    registration = find_by_email(event, profile.email)
    if registration is None:
        token, token_hash = new_manage_token()
        registration = Registration(
            event_id=event.id,
            manage_token_hash=token_hash,
            ticket_code=new_ticket_code(),
            source=Source.WALK_IN,
            **profile.values(),
        )
        registration.event = event
        _set_status(registration, RegistrationStatus.CONFIRMED)
        db.session.add(registration)
        _take_the_series_news(registration)
        db.session.flush()  # the email refers to the registration by id
        emails.queue_walk_in(registration, token)
    elif registration.status is not RegistrationStatus.CONFIRMED:
        token = new_personal_link(registration)
        _set_status(registration, RegistrationStatus.CONFIRMED)
        emails.queue_walk_in(registration, token)
    if registration.checked_in_at is None:
        registration.checked_in_at = now
        registration.checked_in_door = door
    db.session.commit()
    counters.check_in("walk_in")
    return registration


def admit_at_door(registration: Registration, door: str = "") -> Registration:
    """Someone waiting for a seat (or who had cancelled) is at the door: let in as a walk-in
    would be (a seat whatever the capacity, a check-in, their ticket and a fresh personal
    link by email). Commits."""
    profile = Profile(
        first_name=registration.first_name,
        last_name=registration.last_name,
        email=registration.email,
    )  # only the email counts: the registration is found by it, and kept as it is
    return walk_in(registration.event, profile, door=door)


@dataclass(frozen=True)
class ImportReport:
    confirmed: int
    waitlisted: int
    already_registered: list[str]


def registered_emails(event: Event) -> set[str]:
    """Lowercased emails already registered for the event (any status), in one query."""
    return set(
        db.session.scalars(
            select(func.lower(Registration.email)).where(Registration.event_id == event.id)
        )
    )


def import_profiles(event: Event, profiles: list[Profile], *, send_emails: bool) -> ImportReport:
    """Register a list at once, all or nothing: seats first come first served, then the
    waitlist; people already registered are left as they are. Commits."""
    lock_seats([event.id])
    free = event.capacity - confirmed_count(event)
    already_there = registered_emails(event)
    added: list[tuple[Registration, str]] = []
    already = []
    for profile in profiles:
        if profile.email.lower() in already_there:
            already.append(profile.email)
            continue
        token, token_hash = new_manage_token()
        registration = Registration(
            event=event,
            manage_token_hash=token_hash,
            ticket_code=new_ticket_code(),
            source=Source.IMPORT,
            **profile.values(),
        )
        has_seat = len(added) < free
        _set_status(
            registration,
            RegistrationStatus.CONFIRMED if has_seat else RegistrationStatus.WAITLISTED,
        )
        db.session.add(registration)
        added.append((registration, token))
    confirmed = min(len(added), max(free, 0))
    try:
        db.session.flush()  # one flush: ids for the emails below
        for registration, _token in added:
            _take_the_series_news(registration)
        if send_emails:
            for registration, token in added:
                emails.queue_signup(registration, token)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return ImportReport(confirmed, len(added) - confirmed, already)


def _set_status(registration: Registration, status: RegistrationStatus) -> None:
    registration.status = status
    registration.status_changed_at = utcnow()


def fill_seats(event: Event) -> list[Registration]:
    """Promote the longest-waiting people while seats are free; each is told by email.
    Call inside a seat change (the event locked). Returns those promoted."""
    free = event.capacity - confirmed_count(event)
    if free <= 0:
        return []
    waiting = db.session.scalars(
        select(Registration)
        .where(
            Registration.event_id == event.id, Registration.status == RegistrationStatus.WAITLISTED
        )
        .order_by(Registration.status_changed_at, Registration.id)
        .limit(free)
    ).all()
    for registration in waiting:
        _confirm_from_waitlist(registration)
    return list(waiting)


def _confirm_from_waitlist(registration: Registration) -> None:
    """A seat for someone waiting; their email brings the ticket and a fresh personal link."""
    _set_status(registration, RegistrationStatus.CONFIRMED)
    token = new_personal_link(registration)
    emails.queue_promoted(registration, token)


def cancel(registration: Registration, *, by_organiser: bool = False) -> list[Registration]:
    """Cancel a registration; the freed seat goes to the waitlist, unless the evening has
    begun (a seat offered then could not be taken: nobody is told "a seat is yours"). Commits."""
    event = registration.event
    lock_seats([event.id])
    db.session.refresh(registration)
    if registration.status is RegistrationStatus.CANCELLED:
        return []
    was_confirmed = registration.status is RegistrationStatus.CONFIRMED
    _set_status(registration, RegistrationStatus.CANCELLED)
    emails.queue_cancelled(registration, by_organiser=by_organiser)
    promoted = fill_seats(event) if was_confirmed and event.starts_at > utcnow() else []
    db.session.commit()
    return promoted


def promote(registration: Registration) -> bool:
    """An organiser gives a waitlisted person a seat, even beyond capacity. Commits."""
    lock_seats([registration.event.id])
    db.session.refresh(registration)
    if registration.status is not RegistrationStatus.WAITLISTED:
        return False
    _confirm_from_waitlist(registration)
    db.session.commit()
    return True


def capacity_changed(event: Event) -> list[Registration]:
    """After an event's capacity changed: promote from the waitlist if seats opened. Commits."""
    lock_seats([event.id])
    db.session.refresh(event)
    promoted = fill_seats(event)
    db.session.commit()
    return promoted


def resend_link(registration: Registration) -> None:
    """The organisers send a new personal link, and the earlier ones stop working (a link
    forwarded by mistake, a lost phone): the way to take a link back. Commits."""
    lock_seats([registration.event.id])  # one change of this person's links at a time
    token = new_personal_link(registration, revoke=True)
    emails.queue_link_again(registration, token, revoked=True)
    db.session.commit()


def update_profile(registration: Registration, profile: Profile) -> None:
    """The attendee changes their card. The email stays: it identifies the registration.
    The news of the series is the person's, not this registration's (set_news). Commits."""
    for key, value in profile.values().items():
        if key not in ("email", "news"):
            setattr(registration, key, value)
    if profile.news != registration.news:
        set_news(registration, profile.news)
    db.session.commit()


# -- news of the next evenings: one consent per person and series -------------------------


#: The person's registrations in the series (by address, case aside), built once with its
#: values left to bind (`_person`): a signup asks it twice, and building it took a tenth of
#: a millisecond each time.
_SAME_PERSON = and_(
    func.lower(Registration.email) == bindparam("email"),
    Registration.erased_at.is_(None),
    Registration.event_id.in_(select(Event.id).where(Event.series_id == bindparam("series_id"))),
)
_THEIRS = select(Registration).where(_SAME_PERSON)
_GETS_NEWS = select(Registration.id).where(_SAME_PERSON, Registration.news.is_(True)).limit(1)


def _person(series_id: int, email: str) -> dict:
    return {"series_id": series_id, "email": email.strip().lower()}


def same_person_in_series(series_id: int, email: str):
    """The condition "a registration of this person in this series", its values bound."""
    return _SAME_PERSON.params(_person(series_id, email))


def gets_news(series_id: int, email: str) -> bool:
    """Whether this address asked for the series' news (and has not unsubscribed since)."""
    return db.session.scalar(_GETS_NEWS, _person(series_id, email)) is not None


def _take_the_series_news(registration: Registration) -> None:
    """One answer per person and series, on each of their registrations: a new one takes
    the series' answer (an unticked box takes nothing back), and a yes given now becomes the
    answer of their earlier ones too (their personal pages and the exports say so)."""
    if registration.news or gets_news(registration.event.series_id, registration.email):
        set_news(registration, True)


def set_news(registration: Registration, value: bool) -> int:
    """The person's answer to "tell me about the next evenings", on every registration of
    theirs in the series (each change recorded with the others, meetup.privacy.consents).
    Does not commit: the caller's change does. Returns how many registrations changed."""
    # Two conditions joined by OR would read every registration (no index serves both):
    # the person's others by the email index, and this one as it is.
    theirs = db.session.scalars(
        _THEIRS, _person(registration.event.series_id, registration.email)
    ).all()
    if registration not in theirs:  # SQLite's lower() leaves "É" as it is
        theirs.append(registration)
    changed = 0
    for each in theirs:
        if each.news != value:
            each.news = value
            changed += 1
    return changed


# -- "send me my link again" -----------------------------------------------------------------


def request_link_again(email: str, event_id: int | None = None) -> None:
    """The "send me my link again" forms: one request row for the worker, whatever the
    address (registered or not, the request does the same work: its time tells nothing).
    After the view's reads (end_reads): it reads nothing, `event_id` is a plain id (None:
    every evening not over yet). Commits."""
    first_write(
        insert(LinkRequest).values(
            email=email.strip()[: column_length(LinkRequest.email)],
            event_id=event_id,
            created_at=utcnow(),
        )
    )
    db.session.commit()


def handle_link_requests(limit: int = 50) -> int:
    """The worker's part: each request taken (queued.take_each), then what send_link_again
    sends. Returns how many emails were queued."""
    queued = 0
    for taken in take_each(LinkRequest, LinkRequest.email, LinkRequest.event_id, limit=limit):
        event = db.session.get(Event, taken.event_id) if taken.event_id is not None else None
        if taken.event_id is not None and event is None:
            continue
        queued += send_link_again(taken.email, event)
    return queued


def run_link_requests_job() -> str | None:
    queued = handle_link_requests()
    return f"sent {queued} personal links again" if queued else None


def send_link_again(email: str, event: Event | None = None, now=None) -> int:
    """Someone lost their personal link: each registration of `email` for `event` (or, without
    one, for every evening not over yet) gets a fresh link by email, at most one such email per
    registration every LINK_AGAIN_INTERVAL; nothing for an address registered nowhere, and
    the answer shown is the same either way. Returns how many were queued. Commits."""
    now = now or utcnow()
    email = email.strip().lower()
    query = select(Registration.id, Registration.event_id).where(
        func.lower(Registration.email) == email,
        Registration.erased_at.is_(None),
        Registration.status != RegistrationStatus.CANCELLED,
    )
    if event is not None:
        query = query.where(Registration.event_id == event.id)
    else:
        query = query.join(Event, Event.id == Registration.event_id).where(Event.ends_at > now)
    found = db.session.execute(query.order_by(Registration.id).limit(20)).all()
    if not found:
        db.session.rollback()
        return 0
    lock_seats([event_id for _id, event_id in found])  # one change of their links at a time
    queued = 0
    for registration_id, _event_id in found:
        registration = db.session.get(Registration, registration_id)
        if registration is None or emails.link_sent_recently(registration):
            continue
        emails.queue_link_again(registration, new_personal_link(registration), asked=True)
        queued += 1
    db.session.commit()
    return queued


def new_personal_link(registration: Registration, *, revoke: bool = False) -> str:
    """A fresh personal link for an email (only hashes are kept, so each email needs its own
    token). The one it replaces keeps working, with the newest few before it (EarlierLink),
    unless `revoke`: then every earlier link stops working. Call it under the event's lock
    (lock_seats): two at once would both keep the same earlier link. Returns the
    token."""
    token, token_hash = new_manage_token()
    earlier = delete(EarlierLink).where(EarlierLink.registration_id == registration.id)
    if revoke:
        db.session.execute(earlier)
    else:
        db.session.add(
            EarlierLink(registration_id=registration.id, token_hash=registration.manage_token_hash)
        )
        db.session.flush()
        newest_kept = (
            select(EarlierLink.id)
            .where(EarlierLink.registration_id == registration.id)
            .order_by(EarlierLink.id.desc())
            .limit(MAX_EARLIER_LINKS)
        )
        db.session.execute(earlier.where(EarlierLink.id.not_in(newest_kept)))
    registration.manage_token_hash = token_hash
    return token


# -- telling everyone when the event changes ------------------------------------------------

#: Changes that matter to someone who plans to come: they get an email.
NOTIFIED_FIELDS = ("starts_at", "ends_at", "venue_name", "venue_address")


def _people_to_tell(event: Event) -> list[Registration]:
    return list(
        db.session.scalars(
            select(Registration)
            .where(
                Registration.event_id == event.id,
                Registration.status.in_(
                    [RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED]
                ),
                Registration.erased_at.is_(None),
            )
            .order_by(Registration.id)
        )
    )


def update_event_and_notify(
    event: Event, *, status: EventStatus | None = None, notify: bool = True, **changes
) -> int:
    """Change the event, and its status when `status` is given, in one transaction; everyone
    registered is told what changes for them (see _tell_of_changes, _tell_of_status), unless
    `notify` is False for a change of time or place (the organisers chose not to). Returns
    how many emails were queued. Commits."""
    told = _tell_of_changes(event, changes, notify=notify)
    if status is not None:
        told += _tell_of_status(event, status)
    db.session.commit()
    return told


def set_status_and_notify(event: Event, status: EventStatus) -> int:
    """Change the event's status and tell the people registered (see _tell_of_status).
    Returns how many emails were queued. Commits."""
    told = _tell_of_status(event, status)
    db.session.commit()
    return told


def _changes_told(event: Event, changes: dict) -> bool:
    """Whether `changes` would move the evening's time or place."""
    for name in NOTIFIED_FIELDS:
        if name not in changes:
            continue
        value = changes[name]
        if isinstance(value, str):
            value = value.strip()
        if value != getattr(event, name):
            return True
    return False


def _over(event: Event, changes: dict, now: datetime) -> bool:
    """The evening is over, before the change or after it: nothing is sent about it."""
    return event.ends_at <= now or changes.get("ends_at", event.ends_at) <= now


def change_notice_count(event: Event, changes: dict) -> int:
    """How many people saving `changes` would tell of a new time or place (what the
    organisers are asked about first): 0 when neither changes, when the evening is not
    published, or when it is over."""
    if event.status is not EventStatus.PUBLISHED or _over(event, changes, utcnow()):
        return 0
    if not _changes_told(event, changes):
        return 0
    return len(_people_to_tell(event))


def _tell_of_changes(event: Event, changes: dict, *, notify: bool = True) -> int:
    """Change the event; if its time or place changed, everyone registered is told (unless
    `notify` is False, or the evening is over)."""
    before = {name: getattr(event, name) for name in NOTIFIED_FIELDS}
    over = _over(event, changes, utcnow())
    old_day = event.starts_at.astimezone(event.series.zone).date()
    event_services.update_event(event, **changes)
    if event.starts_at.astimezone(event.series.zone).date() != old_day:
        _remind_again(event)
    if not notify or over or event.status is not EventStatus.PUBLISHED:
        return 0
    if all(getattr(event, name) == value for name, value in before.items()):
        return 0
    db.session.flush()  # the calendar file carries the new times and a higher SEQUENCE
    people = _people_to_tell(event)
    for registration in people:
        emails.queue_event_changed(registration)
    return len(people)


def _remind_again(event: Event) -> None:
    """The evening moved to another day: the reminders sent were for the old one, so its
    people are reminded again before the new date (registrations.reminders)."""
    db.session.execute(
        update(Registration)
        .where(Registration.event_id == event.id, Registration.reminded_at.is_not(None))
        .values(reminded_at=None, revision=Registration.revision + 1)
        .execution_options(synchronize_session="fetch")
    )


def _tell_of_status(event: Event, status: EventStatus) -> int:
    """Change the event's status and tell the people registered what changes for them:
    cancelling a published evening tells everyone; publishing it again (straight away or
    through a draft) tells those who were told it was cancelled (a cancellation still
    waiting in the outbox is withdrawn instead). Nothing is sent about an evening already
    over."""
    was = event.status
    event_services.set_status(event, status)
    if event.ends_at <= utcnow() or was is status:
        return 0
    if was is EventStatus.PUBLISHED and status is EventStatus.CANCELLED:
        tell, people = emails.queue_event_cancelled, _people_to_tell
    elif status is EventStatus.PUBLISHED:
        _withdraw_unsent_cancellations(event)  # they never heard of it: no news to send
        tell, people = emails.queue_event_reinstated, _told_it_was_cancelled
    else:
        return 0
    db.session.flush()
    told = people(event)
    for registration in told:
        tell(registration)
    return len(told)


def _their_messages(event: Event):
    return OutboxMessage.registration_id.in_(
        select(Registration.id).where(Registration.event_id == event.id)
    )


def _withdraw_unsent_cancellations(event: Event) -> None:
    """The evening's cancellation emails that have not left the outbox yet."""
    db.session.execute(
        delete(OutboxMessage)
        .where(
            _their_messages(event),
            OutboxMessage.kind == "event_cancelled",
            OutboxMessage.status == OutboxStatus.PENDING,
        )
        .execution_options(synchronize_session=False)
    )


def _told_it_was_cancelled(event: Event) -> list[Registration]:
    """People still coming whose latest news of the evening is its cancellation: sent (or
    being sent), and no "on again" since."""
    theirs = _their_messages(event)
    heard = OutboxMessage.status.in_([OutboxStatus.SENT, OutboxStatus.SENDING])
    latest = db.session.execute(
        select(
            OutboxMessage.registration_id, OutboxMessage.kind, func.max(OutboxMessage.created_at)
        )
        .where(
            theirs,
            or_(
                and_(OutboxMessage.kind == "event_cancelled", heard),
                OutboxMessage.kind == "event_reinstated",  # sent or on its way
            ),
        )
        .group_by(OutboxMessage.registration_id, OutboxMessage.kind)
    )
    cancelled, reinstated = {}, {}
    for registration_id, kind, created_at in latest:
        (cancelled if kind == "event_cancelled" else reinstated)[registration_id] = created_at
    told = {
        registration_id
        for registration_id, at in cancelled.items()
        if registration_id not in reinstated or reinstated[registration_id] < at
    }
    return [registration for registration in _people_to_tell(event) if registration.id in told]
