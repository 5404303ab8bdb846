"""Who signed up for an event, with the card they may later share."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, false, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetup.events.models import Event
from meetup.extensions import db
from meetup.models_base import enum_column
from meetup.timeutil import UTCDateTime, utcnow


class RegistrationStatus(enum.StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


class Source(enum.StrEnum):
    """How the registration was made."""

    PUBLIC = "public"
    ORGANISER = "organiser"
    API = "api"
    IMPORT = "import"
    WALK_IN = "walk_in"


class Visibility(enum.StrEnum):
    """Who may see the attendee's card after the evening."""

    NOBODY = "nobody"
    ATTENDEES = "attendees"
    COMMUNITY = "community"


class Registration(db.Model):
    __tablename__ = "registrations"
    __table_args__ = (
        Index("uq_registrations_event_email", "event_id", func.lower("email"), unique=True),
        #: Seat counts (confirmed per event) read the index, not every registration.
        Index("ix_registrations_event_id_status", "event_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    #: SHA-256 of the personal link's token (the token itself is only ever emailed).
    manage_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The ticket's QR code: random, 128 bits, URL-safe; never an id or personal data.
    ticket_code: Mapped[str] = mapped_column(String(32), unique=True)
    source: Mapped[Source] = mapped_column(
        enum_column(Source, "registration_source"), default=Source.PUBLIC
    )
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80))
    email: Mapped[str] = mapped_column(String(254))
    company: Mapped[str] = mapped_column(String(160), default="")
    job_title: Mapped[str] = mapped_column(String(160), default="")
    #: A key of meetup.registrations.sectors.SECTORS.
    sector: Mapped[str] = mapped_column(String(40), default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    street: Mapped[str] = mapped_column(String(200), default="")
    postcode: Mapped[str] = mapped_column(String(16), default="")
    city: Mapped[str] = mapped_column(String(120), default="")
    #: Office location (WGS84), once geocoded or placed by the attendee.
    latitude: Mapped[float | None] = mapped_column()
    longitude: Mapped[float | None] = mapped_column()
    #: "I can help with": shown on the badge as "ask me about".
    help_with: Mapped[str] = mapped_column(Text, default="")
    looking_for: Mapped[str] = mapped_column(Text, default="")
    #: Consent to print the office's street on the badge (seen by everyone in the room).
    street_on_badge: Mapped[bool] = mapped_column(default=False, server_default=false())
    visibility: Mapped[Visibility] = mapped_column(
        enum_column(Visibility, "registration_visibility"), default=Visibility.NOBODY
    )
    #: Language of the attendee's emails and pages.
    language: Mapped[str] = mapped_column(String(8), default="fr")
    status: Mapped[RegistrationStatus] = mapped_column(
        enum_column(RegistrationStatus, "registration_status"),
        default=RegistrationStatus.CONFIRMED,
    )
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The door that checked the person in (its name as the volunteers set it), "" if none.
    checked_in_door: Mapped[str] = mapped_column(String(40), default="", server_default="")
    #: When the badge was last printed for the sheets, and what it said then (a hash of its
    #: content, meetup.badges.services.fingerprint): a badge whose content changed since
    #: (card, role, evening, address of the QR code) is to print again.
    badge_printed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    badge_fingerprint: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    event: Mapped[Event] = relationship()
    ticket_qr: Mapped[TicketQR | None] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def __repr__(self) -> str:
        return f"<Registration {self.id} {self.status}>"


class TicketQR(db.Model):
    """A ticket's QR code, encoded once (several milliseconds) and drawn many times (emails,
    the personal page, badge sheets). Re-encoded when what it says changes (BASE_URL)."""

    __tablename__ = "ticket_qr_codes"

    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), primary_key=True
    )
    #: The text encoded: BASE_URL/B/<ticket code>.
    content: Mapped[str] = mapped_column(String(400))
    #: meetup.registrations.qr.QRMatrix.to_bytes()
    modules: Mapped[bytes] = mapped_column(LargeBinary)
