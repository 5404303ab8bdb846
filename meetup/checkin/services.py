"""Checking people in at the door: one scan, one answer, whatever the number of doors.

A check-in locks the registration's row (PostgreSQL: SELECT ... FOR UPDATE; SQLite: the
database's single writer lock), then reads and writes it: two doors scanning the same badge
at the same moment get "ok" and "already", never two check-ins. A scan may carry a request id
(the door's browser or app makes one per scan); a retry of the same request, after a timeout
say, gets the first answer again rather than "already checked in".
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from meetup.auth.access import can_run_door
from meetup.auth.models import User
from meetup.checkin.models import CheckinRequest
from meetup.events.models import Event
from meetup.extensions import db
from meetup.registrations import tickets
from meetup.registrations.models import Registration, RegistrationStatus
from meetup.timeutil import utcnow

#: Longest code or scanned URL taken into account; anything longer is unknown.
MAX_SCAN = 300
MAX_DOOR = 40
MAX_REQUEST_ID = 64
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
    status: Answer
    registration: Registration | None = None
    #: First evening of the series this person comes to (only for ok and already).
    first_time: bool = False

    @property
    def name(self) -> str:
        return self.registration.full_name if self.registration is not None else ""

    @property
    def checked_in_at(self) -> datetime | None:
        return self.registration.checked_in_at if self.registration is not None else None

    @property
    def door(self) -> str:
        return self.registration.checked_in_door if self.registration is not None else ""

    @property
    def event(self) -> Event | None:
        return self.registration.event if self.registration is not None else None


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
    if not re.fullmatch(r"[A-Za-z0-9_-]{8,40}", code):
        return ""
    return code


def find_registration(code: str) -> Registration | None:
    return tickets.by_code(code) if code else None


def _on_now(event: Event, now: datetime) -> bool:
    return event.starts_at - ON_NOW <= now <= event.ends_at + ON_NOW


# -- the check-in itself ---------------------------------------------------------------------


def _lock(registration_id: int) -> Registration:
    """The registration, locked until the transaction ends. Must open its transaction."""
    if db.session.get_bind().dialect.name == "postgresql":
        return db.session.scalars(
            select(Registration)
            .where(Registration.id == registration_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one()
    # SQLite: the first write of a transaction takes the single writer lock; a no-op update.
    db.session.execute(
        text("UPDATE registrations SET checked_in_at = checked_in_at WHERE id = :id"),
        {"id": registration_id},
    )
    registration = db.session.get(Registration, registration_id, populate_existing=True)
    assert registration is not None
    return registration


def came_before(registration: Registration) -> bool:
    """Checked in at an earlier evening of the same series (same email)."""
    event = registration.event
    return (
        db.session.scalar(
            select(Registration.id)
            .join(Event, Event.id == Registration.event_id)
            .where(
                Event.series_id == event.series_id,
                Event.starts_at < event.starts_at,
                func.lower(Registration.email) == registration.email.lower(),
                Registration.checked_in_at.is_not(None),
            )
            .limit(1)
        )
        is not None
    )


def _result(status: Answer, registration: Registration | None) -> Result:
    first_time = (
        status in (Answer.OK, Answer.ALREADY)
        and registration is not None
        and not came_before(registration)
    )
    return Result(status, registration, first_time)


def _replay(request_id: str) -> Result | None:
    if not request_id:
        return None
    earlier = db.session.get(CheckinRequest, request_id)
    if earlier is None:
        return None
    registration = (
        db.session.get(Registration, earlier.registration_id) if earlier.registration_id else None
    )
    return _result(Answer(earlier.status), registration)


def _remember(request_id: str, result: Result) -> None:
    if request_id:
        registration_id = result.registration.id if result.registration is not None else None
        db.session.add(
            CheckinRequest(
                request_id=request_id, registration_id=registration_id, status=result.status.value
            )
        )


def _answer_without_change(
    request_id: str, status: Answer, registration: Registration | None
) -> Result:
    """Unknown code, wrong evening: nothing to lock; remember the answer for retries."""
    result = _result(status, registration)
    if request_id:
        try:
            _remember(request_id, result)
            db.session.commit()
        except IntegrityError:  # the same request, retried at the same moment
            db.session.rollback()
            return _replay(request_id) or result
    return result


def check_in(
    scanned: str,
    user: User,
    *,
    event: Event | None = None,
    door: str = "",
    request_id: str = "",
) -> Result:
    """Check in whoever `scanned` (a code or the QR code's URL) belongs to, at `event` (or,
    without one, at their own evening if it is on now). Commits."""
    request_id = request_id.strip()[:MAX_REQUEST_ID]
    door = " ".join(door.split())[:MAX_DOOR]
    if (replayed := _replay(request_id)) is not None:
        return replayed
    registration = find_registration(parse_code(scanned))
    if registration is None or not can_run_door(user, registration.event.series):
        # Another series' ticket says nothing about its holder to this door.
        return _answer_without_change(request_id, Answer.UNKNOWN, None)
    target = event if event is not None else registration.event
    if registration.event_id != target.id or (event is None and not _on_now(target, utcnow())):
        return _answer_without_change(request_id, Answer.WRONG_EVENT, registration)

    registration_id = registration.id
    db.session.commit()  # end the read transaction: the lock must open the next one
    registration = _lock(registration_id)
    if (replayed := _replay(request_id)) is not None:  # the same request won the lock first
        db.session.commit()
        return replayed
    if registration.status is RegistrationStatus.CANCELLED:
        status = Answer.CANCELLED
    elif registration.status is RegistrationStatus.WAITLISTED:
        status = Answer.WAITLISTED
    elif registration.checked_in_at is not None:
        status = Answer.ALREADY
    else:
        registration.checked_in_at = utcnow()
        registration.checked_in_door = door
        status = Answer.OK
    result = _result(status, registration)
    _remember(request_id, result)
    db.session.commit()
    return result


class Undo(enum.StrEnum):
    UNDONE = "undone"
    NOT_CHECKED_IN = "not_checked_in"
    UNKNOWN = "unknown"
    WRONG_EVENT = "wrong_event"


def undo(
    scanned: str, user: User, *, event: Event | None = None
) -> tuple[Undo, Registration | None]:
    """Take a check-in back (the wrong person ticked, a badge scanned by mistake). Commits."""
    registration = find_registration(parse_code(scanned))
    if registration is None or not can_run_door(user, registration.event.series):
        return Undo.UNKNOWN, None
    if event is not None and registration.event_id != event.id:
        return Undo.WRONG_EVENT, registration
    registration_id = registration.id
    db.session.commit()
    registration = _lock(registration_id)
    if registration.checked_in_at is None:
        db.session.commit()
        return Undo.NOT_CHECKED_IN, registration
    registration.checked_in_at = None
    registration.checked_in_door = ""
    db.session.commit()
    return Undo.UNDONE, registration


# -- finding people by name ------------------------------------------------------------------


#: Letters that are not "letter + accent" but that people type as two letters.
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d"})


def plain(value: str) -> str:
    """Lower case without accents: "Élodie Œuvray" and "elodie oeuvray" compare equal."""
    decomposed = unicodedata.normalize("NFKD", value.casefold().translate(_LIGATURES))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def search(event: Event, query: str, limit: int = 12) -> list[Registration]:
    """People of the evening whose first name, last name or company contains every word of
    `query`, accents and case aside; seats first, then by name."""
    words = plain(query).split()[:5]
    if not words:
        return []
    people = db.session.scalars(select(Registration).where(Registration.event_id == event.id)).all()
    found = []
    for person in people:
        haystack = plain(f"{person.first_name} {person.last_name} {person.company}")
        if all(word in haystack for word in words):
            found.append(person)
    order = {
        RegistrationStatus.CONFIRMED: 0,
        RegistrationStatus.WAITLISTED: 1,
        RegistrationStatus.CANCELLED: 2,
    }
    found.sort(key=lambda p: (order[p.status], plain(p.last_name), plain(p.first_name)))
    return found[:limit]
