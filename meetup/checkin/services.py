"""Checking people in at the door: one scan, one answer, whatever the number of doors.

A scan first reads (the registration, its evening, whether the person came before), then,
only if it has something to write, claims the check-in with one conditional UPDATE
(`... WHERE checked_in_at IS NULL AND status = 'confirmed'`) as the first statement of a
short write transaction. The UPDATE locks the row (PostgreSQL) or takes the database's
writer lock (SQLite), so two doors scanning the same badge at the same moment get "ok" and
"already", never two check-ins, and the lock is held for that UPDATE and the commit only.
A scan may carry a request id (the door's browser or app makes one per scan); a retry of
the same request, after a timeout say, gets the first answer again rather than "already".
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Row, bindparam, delete, exists, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from meetup import counters, signals
from meetup.auth.access import can_run_door, manages
from meetup.auth.models import Role, TeamRole, User, series_team
from meetup.checkin.models import CheckinRequest
from meetup.events.models import Event, EventStatus, Series
from meetup.extensions import db
from meetup.models_base import column_length
from meetup.registrations import tickets
from meetup.registrations.models import Registration, RegistrationStatus
from meetup.textfold import folded, matches, search_words
from meetup.timeutil import utcnow
from meetup.writelock import end_reads, first_write

#: Longest code or scanned URL taken into account; anything longer is unknown.
MAX_SCAN = 300
MAX_DOOR = column_length(Registration.checked_in_door)
MAX_REQUEST_ID = column_length(CheckinRequest.request_id)
#: How far back a check-in made offline and sent later keeps its own time (the offline
#: door's queue): older, or in the future (a phone's clock), it is recorded as sent.
OFFLINE_TIME_KEPT = timedelta(hours=12)
#: The evening's slug a door may send: longer than any slug (Event.slug), so a wrong one
#: gets the 404 of any unknown slug.
MAX_EVENT_SLUG = 200
#: Without an event named, a code checks in at its own evening if that evening is on now:
#: from this long before it starts to this long after it ends.
ON_NOW = timedelta(hours=12)


class Answer(enum.StrEnum):
    OK = "ok"
    ALREADY = "already"
    CANCELLED = "cancelled"
    WAITLISTED = "waitlisted"
    UNKNOWN = "unknown"
    WRONG_EVENT = "wrong_event"


@dataclass(frozen=True)
class Result:
    """An answer, with what the door shows of the person (read before the commit, so that
    showing it costs no query)."""

    status: Answer
    name: str = ""
    first_name: str = ""
    company: str = ""
    #: The person's ticket code (for Undo); "" for unknown codes.
    code: str = ""
    checked_in_at: datetime | None = None
    door: str = ""
    #: First evening of the series this person comes to (only for ok and already).
    first_time: bool = False
    #: The evening the ticket is for: its slug, start and time zone.
    event_slug: str = ""
    event_starts_at: datetime | None = None
    event_zone: ZoneInfo | None = None


# -- reading what was scanned ----------------------------------------------------------------

_URL_CODE = re.compile(r"/b/([^/?#\s]+)/?(?:[?#].*)?$", re.IGNORECASE)


def parse_code(scanned: str) -> str:
    """The ticket code in what a scanner typed: the bare code or the whole URL of the QR
    code (any host, any case). "" when there is nothing that could be a code."""
    scanned = scanned.strip()
    if not scanned or len(scanned) > MAX_SCAN:
        return ""
    match = _URL_CODE.search(scanned)
    code = match.group(1) if match else scanned
    return code if tickets.looks_like_code(code) else ""


def door_name(value: str) -> str:
    """A door's name as volunteers typed it, on one line and at most MAX_DOOR characters."""
    return " ".join(value.split())[:MAX_DOOR]


def on_now(starts_at: datetime, ends_at: datetime, now: datetime) -> bool:
    """The evening is on: from ON_NOW before it starts to ON_NOW after it ends."""
    return starts_at - ON_NOW <= now <= ends_at + ON_NOW


#: How far ahead door volunteers see an evening (to get ready), as on their home page.
DOOR_AHEAD = timedelta(days=14)


def door_may_open(event: Event | Row, user: User, now: datetime) -> bool:
    """Door volunteers work published evenings from two weeks before to ON_NOW after; past
    evenings (their attendance, their people) are the organisers' business only."""
    organiser = None
    if isinstance(event, Row):  # door_event read the account's role on the team already
        organiser = user.role is Role.ADMIN or (
            not user.is_door_phone and event.team_role is TeamRole.ORGANISER
        )
    return _door_window(
        user, event.series_id, event.status, event.starts_at, event.ends_at, now, organiser
    )


def _door_window(
    user: User,
    series_id: int,
    status: EventStatus,
    starts_at: datetime,
    ends_at: datetime,
    now: datetime,
    organiser: bool | None = None,
) -> bool:
    """`organiser`: whether the account manages the series, if the caller knows (else asked)."""
    if organiser if organiser is not None else manages(user, series_id):
        return True  # its organisers (and admins): any evening, any time
    return (
        status is EventStatus.PUBLISHED
        and ends_at >= now - ON_NOW
        and starts_at <= now + DOOR_AHEAD
    )


#: The evening a door names, with what its door window needs, and the account's role on its
#: series' team (None: not on it), in one query and no objects (a scan asks it).
_DOOR_EVENT = select(
    Event.id,
    Event.series_id,
    Event.status,
    Event.starts_at,
    Event.ends_at,
    select(series_team.c.role)
    .where(
        series_team.c.series_id == Event.series_id,
        series_team.c.user_id == bindparam("user_id"),
    )
    .scalar_subquery()
    .label("team_role"),
).where(Event.slug == bindparam("slug"))


def _read(statement, values: dict) -> Row | None:
    """The first row of a query of plain columns, on the session's connection: without the
    ORM's execution (no objects to make), a fifth of a scan's time."""
    return db.session.connection().execute(statement, values).first()


def door_event(slug: str, user: User) -> Row | None:
    """The evening `slug` (its id, series_id, status, starts_at, ends_at), and `user`'s
    role on its series' team (`team_role`, None if not on it); None if there is none."""
    return _read(_DOOR_EVENT, {"slug": slug, "user_id": user.id})


# -- the check-in itself ---------------------------------------------------------------------


_EARLIER = aliased(Registration)
_EARLIER_EVENT = aliased(Event)


def came_before():
    """Whether the person (the query's Registration, at its Event) was checked in at an
    earlier evening of the same series, with the same email: SQL, for a query that joins
    Registration and Event."""
    return exists().where(
        _EARLIER_EVENT.id == _EARLIER.event_id,
        _EARLIER_EVENT.series_id == Event.series_id,
        _EARLIER_EVENT.starts_at < Event.starts_at,
        func.lower(_EARLIER.email) == func.lower(Registration.email),
        _EARLIER.checked_in_at.is_not(None),
    )


_CAME_BEFORE = came_before().label("came_before")
#: What a scan needs to know, in one query (plain columns: no objects to build).
_SCANNED = (
    select(
        Registration.id,
        Registration.event_id,
        Registration.status,
        Registration.checked_in_at,
        Registration.checked_in_door,
        Registration.first_name,
        Registration.last_name,
        Registration.company,
        Registration.ticket_code,
        Event.series_id,
        Event.slug,
        Event.status.label("event_status"),
        Event.starts_at,
        Event.ends_at,
        Series.timezone,
        _CAME_BEFORE,
    )
    .join(Event, Event.id == Registration.event_id)
    .join(Series, Series.id == Event.series_id)
)


_SCANNED_BY_CODE = _SCANNED.where(tickets.CODE_MATCHES)
_REQUEST = select(CheckinRequest.code, CheckinRequest.status, CheckinRequest.registration_id).where(
    CheckinRequest.user_id == bindparam("user_id"),
    CheckinRequest.request_id == bindparam("request_id"),
)
_SCANNED_BY_ID = _SCANNED.where(Registration.id == bindparam("id"))
#: The answer a request id got, remembered (see _replay).
_REMEMBER = insert(CheckinRequest)
#: The claim (see _claim), built once as the scan's reads.
_CLAIM = (
    update(Registration)
    .where(
        Registration.id == bindparam("registration_id"),
        Registration.checked_in_at.is_(None),
        Registration.status == RegistrationStatus.CONFIRMED,
    )
    .values(
        checked_in_at=bindparam("at"),
        checked_in_door=bindparam("door_name"),
        left_at=None,
        revision=Registration.revision + 1,
    )
)


def _by_code(code: str) -> Row | None:
    """The scanned registration (a code typed in small letters is found too) with its
    evening, and whether the person came to an earlier evening of the series."""
    if not tickets.looks_like_code(code):
        return None
    return _read(_SCANNED_BY_CODE, tickets.code_values(code))


def _by_id(registration_id: int | None) -> Row | None:
    if registration_id is None:
        return None
    return _read(_SCANNED_BY_ID, {"id": registration_id})


def _claim(registration_id: int, now: datetime, door: str, *, series_id: int | None = None) -> bool:
    """Check the person in if nobody has yet and they have a seat; False otherwise. Must
    open its transaction: it locks the row (PostgreSQL) or the database (SQLite) until the
    commit, and a second door's claim waits, then finds the row taken. `series_id`: the
    series of the person's evening, when the caller read it (the webhooks need it)."""
    values = {"registration_id": registration_id, "at": now, "door_name": door}
    claimed = first_write(_CLAIM, values)
    if claimed.rowcount != 1:
        return False
    # In this transaction (meetup.webhooks), which may still roll back (a reused request id).
    signals.checked_in.send(registration_id, series_id=series_id)
    return True


def _result(status: Answer, scanned: Row | None, user: User, now: datetime) -> Result:
    if scanned is None or status is Answer.UNKNOWN:
        return Result(status)
    if status is Answer.WRONG_EVENT and not _door_window(
        user, scanned.series_id, scanned.event_status, scanned.starts_at, scanned.ends_at, now
    ):
        # A ticket of an evening this account may not open at the door (a past one, for a
        # volunteer): which evening it is for, as its own page says, nothing of the person.
        return Result(
            status,
            event_slug=scanned.slug,
            event_starts_at=scanned.starts_at,
            event_zone=ZoneInfo(scanned.timezone),
        )
    return Result(
        status,
        name=f"{scanned.first_name} {scanned.last_name}".strip(),
        first_name=scanned.first_name,
        company=scanned.company,
        code=scanned.ticket_code,
        checked_in_at=scanned.checked_in_at,
        door=scanned.checked_in_door,
        first_time=status in (Answer.OK, Answer.ALREADY) and not scanned.came_before,
        event_slug=scanned.slug,
        event_starts_at=scanned.starts_at,
        event_zone=ZoneInfo(scanned.timezone),
    )


class RequestIdReused(ValueError):
    """This account sent the same request id earlier for another code."""


def _replay(user: User, request_id: str, code: str) -> Result | None:
    """The answer this account's request got the first time; request ids are per account
    (two scanner apps may both count from 1), and one id stands for one code."""
    if not request_id:
        return None
    earlier = _read(_REQUEST, {"user_id": user.id, "request_id": request_id})
    if earlier is None:
        return None
    if earlier.code != code:
        raise RequestIdReused(request_id)
    return _result(Answer(earlier.status), _by_id(earlier.registration_id), user, utcnow())


def _status(scanned: Row | None, user: User, event_id: int | None, now: datetime) -> Answer:
    if scanned is None:
        return Answer.UNKNOWN
    # The caller checked that the user runs the door at `event`; any other evening's
    # ticket must be of one of their series, or it says nothing about its holder.
    if scanned.event_id != event_id and not can_run_door(user, scanned.series_id, scanned.event_id):
        return Answer.UNKNOWN
    if event_id is not None and scanned.event_id != event_id:
        return Answer.WRONG_EVENT
    if event_id is None and not on_now(scanned.starts_at, scanned.ends_at, now):
        return Answer.WRONG_EVENT
    if scanned.status is RegistrationStatus.CANCELLED:
        return Answer.CANCELLED
    if scanned.status is RegistrationStatus.WAITLISTED:
        return Answer.WAITLISTED
    return Answer.ALREADY if scanned.checked_in_at is not None else Answer.OK


def check_in(
    scanned: str,
    user: User,
    *,
    event: Event | Row | None = None,
    door: str = "",
    request_id: str = "",
    scanned_at: datetime | None = None,
) -> Result:
    """Check in whoever `scanned` (a code or the QR code's URL) belongs to, at `event` (or,
    without one, at their own evening if it is on now). `event` must be one whose door
    `user` may run (the caller checks). `scanned_at`: when an offline door let them in (the
    check-in keeps that time if it is within OFFLINE_TIME_KEPT before now). Raises
    RequestIdReused when `request_id` was used by this account for another code. Commits."""
    request_id = request_id.strip()[:MAX_REQUEST_ID]
    door = door_name(door)
    code = parse_code(scanned)
    user_id = user.id
    # A request id seen before is found when remembering it fails (IntegrityError, below):
    # a retry is rare, so no scan pays a query to look for one first. Everything a scan
    # writes (the claim included) is in the transaction that remembers it, rolled back then.
    now = utcnow()
    found = _by_code(code)
    status = _status(found, user, event.id if event else None, now)
    result = _result(status, found, user, now)  # read now: nothing to load after the commit
    if status is not Answer.OK and not request_id:
        db.session.commit()  # nothing to write
        counters.check_in(status)
        return result
    registration_id = found.id if status is not Answer.UNKNOWN else None
    end_reads()  # SQLite: the claim must open the write transaction
    at = scanned_at if scanned_at and now - OFFLINE_TIME_KEPT <= scanned_at <= now else now
    if status is Answer.OK and not _claim(registration_id, at, door, series_id=found.series_id):
        # Another door was quicker (or the seat went meanwhile): answer from the row as it is.
        db.session.rollback()
        return check_in(scanned, user, event=event, door=door, request_id=request_id)
    if status is Answer.OK:
        result = replace(result, checked_in_at=at, door=door)
    try:
        if request_id:
            values = {
                "user_id": user_id,
                "request_id": request_id,
                "code": code,
                "registration_id": registration_id,
                "status": status.value,
                "created_at": now,
            }
            if status is Answer.OK:  # the claim opened the write transaction
                db.session.connection().execute(_REMEMBER, values)
            else:
                first_write(_REMEMBER, values)
        db.session.commit()
    except IntegrityError:  # the same request sent before (a retry, or twice at once): the
        db.session.rollback()  # first one answers
        return _replay(user, request_id, code) or result
    counters.check_in(status)
    return result


class Undo(enum.StrEnum):
    UNDONE = "undone"
    NOT_CHECKED_IN = "not_checked_in"
    UNKNOWN = "unknown"
    WRONG_EVENT = "wrong_event"


def undo(
    scanned: str, user: User, *, event: Event | Row | None = None
) -> tuple[Undo, Registration | None]:
    """Take a check-in back (the wrong person ticked, a badge scanned by mistake). Commits."""
    found = _by_code(parse_code(scanned))
    if found is None or not can_run_door(user, found.series_id, found.event_id):
        return Undo.UNKNOWN, None
    now = utcnow()
    # As long as the check-in itself was allowed: at the evening's door screen, its door
    # window (a rehearsal two weeks ahead included); without an evening, while it is on.
    # After that, a past evening's attendance is the organisers' to change.
    allowed = (
        on_now(found.starts_at, found.ends_at, now)
        if event is None
        else _door_window(
            user, found.series_id, found.event_status, found.starts_at, found.ends_at, now
        )
    )
    if not allowed and not manages(user, found.series_id):
        return Undo.UNKNOWN, None
    if event is not None and found.event_id != event.id:
        if not _door_window(
            user, found.series_id, found.event_status, found.starts_at, found.ends_at, utcnow()
        ):
            return Undo.WRONG_EVENT, None  # nothing of a person this account may not see
        return Undo.WRONG_EVENT, db.session.get(Registration, found.id)
    db.session.commit()
    cleared = db.session.execute(
        update(Registration)
        .where(Registration.id == found.id, Registration.checked_in_at.is_not(None))
        .values(
            checked_in_at=None,
            checked_in_door="",
            left_at=None,
            revision=Registration.revision + 1,
        )
        .execution_options(synchronize_session=False)
    )
    # A retried scan must not answer "ok" for someone no longer in.
    db.session.execute(delete(CheckinRequest).where(CheckinRequest.registration_id == found.id))
    db.session.commit()
    registration = db.session.get(Registration, found.id, populate_existing=True)
    return (Undo.UNDONE if cleared.rowcount == 1 else Undo.NOT_CHECKED_IN), registration


# -- finding people by name ------------------------------------------------------------------


def search(event: Event, query: str, limit: int = 12) -> list[Registration]:
    """People of the evening whose first name, last name or company contains every word of
    `query`, accents and case aside; seats first, then by name."""
    words = search_words(query)
    if not words:
        return []
    people = db.session.scalars(select(Registration).where(Registration.event_id == event.id))
    found = [p for p in people if matches(words, p.first_name, p.last_name, p.company)]
    order = {
        RegistrationStatus.CONFIRMED: 0,
        RegistrationStatus.WAITLISTED: 1,
        RegistrationStatus.CANCELLED: 2,
    }
    found.sort(key=lambda p: (order[p.status], folded(p.last_name), folded(p.first_name)))
    return found[:limit]
