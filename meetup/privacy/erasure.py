"""Erasure that really erases: a person's registrations are anonymised (the rows stay, empty,
for the evenings' counts), and everything else about them goes: their emails in the outbox
and in instance/mail (and the emails that spoke of them to others), introductions, the door's
scan records, their QR matrices, consent history, their monthly digests' records, and the
geocoder's answers only they used.
Their personal links, directory link and QR codes stop working.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from sqlalchemy import and_, delete, func, or_, select

from meetup.checkin.models import CheckinRequest
from meetup.directory.digest import person_key
from meetup.directory.geocoding import address_key, provider_name
from meetup.directory.models import Digest, Encounter, GeocodeCacheEntry, Introduction
from meetup.events.models import EventStatus
from meetup.extensions import db
from meetup.mail.models import OutboxMention, OutboxMessage
from meetup.privacy.models import ConsentRecord
from meetup.registrations import services as registration_services
from meetup.registrations.models import (
    CONSENT_FLAGS,
    EarlierLink,
    OneTapLink,
    PositionChange,
    Registration,
    RegistrationStatus,
    TicketQR,
    Visibility,
)
from meetup.registrations.queries import registrations_of
from meetup.registrations.tokens import hash_token, new_ticket_code
from meetup.scrub import scrub
from meetup.timeutil import utcnow

#: The card's fields: emptied.
PERSONAL_FIELDS = (
    "first_name",
    "last_name",
    "company",
    "job_title",
    "sector",
    "website",
    "phone",
    "street",
    "postcode",
    "city",
    "help_with",
    "looking_for",
)


@dataclass
class ErasurePlan:
    """What an erasure takes away (shown to the person before they confirm)."""

    registrations: list[Registration]
    evenings: list[str] = field(default_factory=list)
    messages: int = 0
    introductions: int = 0
    scans: int = 0
    has_address: bool = False

    @property
    def ids(self) -> list[int]:
        return [r.id for r in self.registrations]


def the_person(registration: Registration, series_ids: set[int] | None = None):
    """The person's registrations not erased yet, all series or only those given."""
    return registrations_of(registration, series_ids)


def _messages_about(ids: list[int], emails: set[str]) -> list[int]:
    mentioned = select(OutboxMention.message_id).where(OutboxMention.registration_id.in_(ids))
    return list(
        db.session.scalars(
            select(OutboxMessage.id).where(
                or_(
                    OutboxMessage.registration_id.in_(ids),
                    func.lower(OutboxMessage.recipient).in_(emails),
                    OutboxMessage.id.in_(mentioned),
                )
            )
        )
    )


def plan(registrations: list[Registration]) -> ErasurePlan:
    ids = [r.id for r in registrations]
    emails = {r.email.lower() for r in registrations}
    count = lambda query: db.session.scalar(select(func.count()).select_from(query.subquery()))  # noqa: E731
    return ErasurePlan(
        registrations=registrations,
        evenings=[r.event.one_line_title for r in registrations],
        messages=len(_messages_about(ids, emails)),
        introductions=count(
            select(Introduction.id).where(
                or_(Introduction.requester_id.in_(ids), Introduction.recipient_id.in_(ids))
            )
        ),
        scans=count(
            select(CheckinRequest.request_id).where(CheckinRequest.registration_id.in_(ids))
        ),
        has_address=any(r.has_address for r in registrations),
    )


def _mail_files(message_ids: list[int]) -> list[Path]:
    folder = Path(current_app.instance_path) / "mail"
    if not message_ids or not folder.is_dir():
        return []
    wanted = {f"-{i}.eml" for i in message_ids}
    return [p for p in folder.iterdir() if any(p.name.endswith(w) for w in wanted)]


def anonymise(registration: Registration, now=None) -> None:
    """Empty the card and every consent; new random secrets (links and QR stop working).
    The status and arrival stay, anonymous, for the evening's counts."""
    now = now or utcnow()
    for name in PERSONAL_FIELDS:
        setattr(registration, name, "")
    for name in CONSENT_FLAGS:
        setattr(registration, name, False)
    registration.visibility = Visibility.NOBODY
    registration.email = f"erased-{secrets.token_hex(8)}@erased.invalid"
    registration.manage_token_hash = hash_token(secrets.token_urlsafe(32))
    db.session.execute(delete(EarlierLink).where(EarlierLink.registration_id == registration.id))
    db.session.execute(delete(OneTapLink).where(OneTapLink.registration_id == registration.id))
    registration.directory_token_hash = None
    registration.ticket_code = new_ticket_code()
    registration.send_to_geocoder()  # no address left: no pin
    registration.badge_fingerprint = None
    registration.erased_at = now


def _unshared_address_keys(registrations: list[Registration]) -> set[str]:
    provider = provider_name()
    ids = {r.id for r in registrations}
    keys = {
        address_key(provider, r.street, r.postcode, r.city) for r in registrations if r.has_address
    }
    if not keys:
        return set()
    # Keys others still use stay: the same office typed by a colleague.
    others = db.session.execute(
        select(Registration.street, Registration.postcode, Registration.city).where(
            Registration.id.notin_(ids),
            Registration.erased_at.is_(None),
            or_(Registration.street != "", Registration.city != ""),
        )
    )
    for street, postcode, city in others:
        keys.discard(address_key(provider, street, postcode, city))
        if not keys:
            break
    return keys


def erase(registrations: list[Registration], *, whole_person: bool = True) -> ErasurePlan:
    """Erase these registrations (one person's) and everything about them. Seats they held
    for published evenings to come go to the waitlist. `whole_person`: every registration of
    theirs is erased, so emails to their address go too (an organiser's erasure within one
    series leaves the emails of the person's other registrations). Commits (twice: the
    seats, then the erasure); the mail files go after the commit."""

    if not registrations:
        raise ValueError("nothing to erase")
    now = utcnow()
    # Seats for evenings to come go back first, the usual way (the event locked, the next
    # on the waitlist promoted and told); the "cancelled" email goes with the rest below.
    for registration in registrations:
        if (
            registration.status is not RegistrationStatus.CANCELLED
            and registration.event.starts_at > now
            and registration.event.status is EventStatus.PUBLISHED
        ):
            registration_services.cancel(registration)
    done = plan(registrations)
    emails = {r.email.lower() for r in registrations} if whole_person else set()
    wipe(registrations, now, emails=emails)
    scrub()
    return done


def wipe(registrations: list[Registration], now, *, emails: set[str] = frozenset()) -> None:
    """Anonymise the registrations and delete everything else about them: the emails to
    them (and to `emails`) and those naming them, with their files; introductions, door scan
    records, QR matrices, consent history, and the geocoder's answers nobody else uses.
    Commits; the mail files go after the commit. Shared by erasure and retention."""
    # Under the locks of their evenings (as any change to their seats), and only those not
    # erased meanwhile: two erasures of one person at once (a double click, the person and
    # an organiser) are one after the other, and the second finds nothing left to do.
    ids = [r.id for r in registrations]
    registration_services.lock_seats({r.event_id for r in registrations})
    registrations = list(
        db.session.scalars(
            select(Registration)
            .where(Registration.id.in_(ids), Registration.erased_at.is_(None))
            .execution_options(populate_existing=True)
        )
    )
    if not registrations:
        db.session.commit()
        return
    ids = [r.id for r in registrations]
    message_ids = _messages_about(ids, emails)
    files = _mail_files(message_ids)
    cache_keys = _unshared_address_keys(registrations)
    # Their monthly digests, in the series erased (by their address: whichever card had it).
    digests = or_(
        Digest.registration_id.in_(ids),
        and_(
            Digest.person.in_({person_key(r.email) for r in registrations}),
            Digest.series_id.in_({r.event.series_id for r in registrations}),
        ),
    )
    for registration in registrations:
        anonymise(registration, now)
    db.session.execute(delete(OutboxMention).where(OutboxMention.message_id.in_(message_ids)))
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(message_ids)))
    db.session.execute(
        delete(Introduction).where(
            or_(Introduction.requester_id.in_(ids), Introduction.recipient_id.in_(ids))
        )
    )
    db.session.execute(delete(CheckinRequest).where(CheckinRequest.registration_id.in_(ids)))
    db.session.execute(delete(TicketQR).where(TicketQR.registration_id.in_(ids)))
    db.session.execute(delete(ConsentRecord).where(ConsentRecord.registration_id.in_(ids)))
    db.session.execute(delete(PositionChange).where(PositionChange.registration_id.in_(ids)))
    db.session.execute(
        delete(Encounter).where(or_(Encounter.scanner_id.in_(ids), Encounter.met_id.in_(ids)))
    )
    db.session.execute(delete(Digest).where(digests))
    if cache_keys:
        db.session.execute(delete(GeocodeCacheEntry).where(GeocodeCacheEntry.key.in_(cache_keys)))
    db.session.commit()
    for path in files:
        path.unlink(missing_ok=True)
