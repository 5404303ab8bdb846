"""Door phones paired by a QR code: an organiser adds one on the evening's page, any phone
that opens the link (single use, PAIRING_LINK_LIFETIME) runs that evening's door, with no
account of a person, until 12 hours after the evening or until it is revoked."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import event as orm_event
from sqlalchemy import func, inspect, select, update
from sqlalchemy.orm import Session

from meetup.auth import services as auth_services
from meetup.auth.models import DOOR_PHONE_DOMAIN, DoorPhone, Role, User
from meetup.checkin.services import ON_NOW
from meetup.events.models import Event
from meetup.extensions import db
from meetup.timeutil import utcnow

#: How long a pairing QR code works (shown on the organiser's screen, scanned at once).
PAIRING_LINK_LIFETIME = timedelta(minutes=30)
#: Phones one evening may have (each one an account).
MAX_PHONES = 20


class PairingRefused(ValueError):
    """`reason`: unknown, used, expired, revoked, closed (the evening's window is over),
    full (MAX_PHONES)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def window_end(event: Event) -> datetime:
    return event.ends_at + ON_NOW


@orm_event.listens_for(Session, "before_flush")
def _window_follows_the_evening(session: Session, flush_context, instances) -> None:
    """An evening moved (postponed, or its end changed): its phones' door window moves with
    it, so a phone paired ahead still runs the door on the night (meetup.auth.cookie)."""
    for moved in [obj for obj in session.dirty if isinstance(obj, Event)]:
        if not inspect(moved).attrs.ends_at.history.has_changes():
            continue
        with session.no_autoflush:
            for phone in session.scalars(
                select(DoorPhone).where(
                    DoorPhone.event_id == moved.id, DoorPhone.revoked_at.is_(None)
                )
            ):
                phone.until = window_end(moved)


def phones(event: Event) -> list[DoorPhone]:
    return list(
        db.session.scalars(
            select(DoorPhone).where(DoorPhone.event_id == event.id).order_by(DoorPhone.number)
        )
    )


def _new_code(phone: DoorPhone, now: datetime) -> str:
    code = secrets.token_urlsafe(16)  # 128 bits: a short link someone can type
    phone.code_hash = _hash(code)
    phone.code_expires_at = now + PAIRING_LINK_LIFETIME
    return code


def add_phone(event: Event, by: User, now: datetime | None = None) -> tuple[DoorPhone, str]:
    """A new door phone, "Door N", and its pairing code (clear, shown once). Commits."""
    now = now or utcnow()
    if window_end(event) <= now:
        raise PairingRefused("closed")
    # Two organisers adding a phone at once: one numbers after the other (PostgreSQL's row
    # lock; SQLite's writer lock is already held by the POST).
    db.session.execute(select(Event.id).where(Event.id == event.id).with_for_update())
    count, highest = db.session.execute(
        select(func.count(DoorPhone.id), func.max(DoorPhone.number)).where(
            DoorPhone.event_id == event.id
        )
    ).one()
    if count >= MAX_PHONES:
        raise PairingRefused("full")
    number = (highest or 0) + 1
    account = User(
        email=f"{secrets.token_hex(12)}{DOOR_PHONE_DOMAIN}",
        name=_("Door %(number)d", number=number),
        role=Role.DOOR,
        # Nobody knows it: a phone logs in by its pairing link only.
        password_hash=auth_services.hash_password(secrets.token_urlsafe(32)),
    )
    phone = DoorPhone(
        event_id=event.id,
        user=account,
        number=number,
        created_by_id=by.id,
        created_at=now,
        until=window_end(event),
    )
    code = _new_code(phone, now)
    db.session.add_all([account, phone])
    db.session.commit()
    return phone, code


def new_code(phone: DoorPhone, now: datetime | None = None) -> str:
    """Another QR code for a phone not paired yet (the first one expired). Commits."""
    now = now or utcnow()
    if phone.revoked_at is not None:
        raise PairingRefused("revoked")
    if phone.paired_at is not None:
        raise PairingRefused("used")
    if phone.until <= now:
        raise PairingRefused("closed")
    code = _new_code(phone, now)
    db.session.commit()
    return code


def check_code(code: str, now: datetime | None = None) -> DoorPhone:
    now = now or utcnow()
    phone = db.session.scalar(select(DoorPhone).where(DoorPhone.code_hash == _hash(code)))
    if phone is None:
        raise PairingRefused("unknown")
    if phone.revoked_at is not None:
        raise PairingRefused("revoked")
    if phone.until <= now:
        raise PairingRefused("closed")
    if phone.code_expires_at is None or phone.code_expires_at <= now:
        raise PairingRefused("expired")
    return phone


def pair(code: str, now: datetime | None = None) -> User:
    """Use the pairing code, once: its phone's account, for the caller to log in. Commits."""
    now = now or utcnow()
    phone = check_code(code, now)
    claimed = db.session.execute(
        update(DoorPhone)
        .where(DoorPhone.id == phone.id, DoorPhone.code_hash == _hash(code))
        .values(code_hash=None, code_expires_at=None, paired_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        db.session.rollback()
        raise PairingRefused("unknown")
    db.session.commit()
    return db.session.get(User, phone.user_id)


def revoke(phone: DoorPhone, now: datetime | None = None) -> None:
    """The phone gets nothing more, from its next request: its account is deactivated and
    its login ended. Commits."""
    if phone.revoked_at is None:
        phone.revoked_at = now or utcnow()
        phone.code_hash = None
        auth_services.deactivate_user(phone.user)  # commits
    db.session.commit()
