"""What the directory keeps besides the registrations: the geocoder's answers, introductions."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetup.extensions import db
from meetup.models_base import enum_column
from meetup.registrations.models import Registration
from meetup.timeutil import UTCDateTime, utcnow


class GeocodeAnswer(enum.StrEnum):
    FOUND = "found"
    NOT_FOUND = "not_found"


class GeocodeCacheEntry(db.Model):
    """One geocoder answer per normalised address: the same office typed by ten people is
    looked up once. The address itself is not stored, only its hash (meetup.directory.
    geocoding.address_key), so the cache holds no readable address."""

    __tablename__ = "geocode_cache"

    #: SHA-256 of the provider's name and the normalised address.
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    answer: Mapped[GeocodeAnswer] = mapped_column(enum_column(GeocodeAnswer, "geocode_answer"))
    latitude: Mapped[float | None] = mapped_column()
    longitude: Mapped[float | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class GeocodeLookup(db.Model):
    """An address some worker is asking the geocoder about right now: the others wait for
    its answer (then in the cache) instead of asking again. Keyed like the cache."""

    __tablename__ = "geocode_lookups"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: The claim ends then (a worker that died mid-call frees the address by itself).
    held_until: Mapped[datetime] = mapped_column(UTCDateTime())


class GeocoderPace(db.Model):
    """The next moment any worker may call a geocoder with a usage policy (Nominatim: one
    request a second from everyone together): each call takes the next free moment."""

    __tablename__ = "geocoder_pace"

    provider: Mapped[str] = mapped_column(String(20), primary_key=True)
    next_call_at: Mapped[datetime] = mapped_column(UTCDateTime())


class IntroductionStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class Introduction(db.Model):
    """ "Introduce us": one attendee asks to meet another, who accepts or declines from the
    email. Only on acceptance do both receive each other's contact."""

    __tablename__ = "introductions"
    __table_args__ = (
        UniqueConstraint("requester_id", "recipient_id", name="uq_introductions_pair"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    requester_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    recipient_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    #: SHA-256 of the token in the recipient's email (the answer page's address).
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: A word from the person asking, shown in the request ("" for none); theirs, so
    #: exported and erased with them (the row goes with either person).
    message: Mapped[str] = mapped_column(
        Text, default="", server_default="", info={"max_length": 300}
    )
    status: Mapped[IntroductionStatus] = mapped_column(
        enum_column(IntroductionStatus, "introduction_status"), default=IntroductionStatus.PENDING
    )
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    requester: Mapped[Registration] = relationship(foreign_keys=[requester_id])
    recipient: Mapped[Registration] = relationship(foreign_keys=[recipient_id])


class Encounter(db.Model):
    """A badge an attendee scanned with their phone during an evening: their private list of
    people met (shown on their personal page while the card may be seen). Erased with
    either person's data."""

    __tablename__ = "encounters"
    __table_args__ = (UniqueConstraint("scanner_id", "met_id", name="uq_encounters_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The registration whose personal link was opened on the phone that scanned.
    scanner_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    #: The scanned badge's registration.
    met_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    met_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    scanner: Mapped[Registration] = relationship(foreign_keys=[scanner_id])
    met: Mapped[Registration] = relationship(foreign_keys=[met_id])


class DigestStatus(enum.StrEnum):
    #: Queued in the outbox (new neighbours, or the next evening, or both).
    SENT = "sent"
    #: Looked at, nothing to tell: no email (the month is done for them all the same).
    NOTHING = "nothing"


class Digest(db.Model):
    """One person's neighbourhood digest of one month (meetup.directory.digest). The row is
    the claim: unique per series, month and person, inserted in the transaction that queues
    the email, so however many workers run, each person gets one a month. Their last one
    sent says since when people are new to them. Erased with the person."""

    __tablename__ = "digests"
    __table_args__ = (
        UniqueConstraint("series_id", "period", "person", name="uq_digests_series_period_person"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"), index=True)
    #: The month, in the series' time zone: "2026-12".
    period: Mapped[str] = mapped_column(String(7))
    #: SHA-256 of the person's address, lowercased (their registrations in the series share
    #: it): not readable, and the same whichever of their cards was used.
    person: Mapped[str] = mapped_column(String(64), index=True)
    #: The card it went to (their latest registration then).
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[DigestStatus] = mapped_column(enum_column(DigestStatus, "digest_status"))
    #: How many new neighbours it listed.
    people: Mapped[int] = mapped_column(default=0)
    #: The evening it offered (None: none ahead, or they were registered already).
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
