"""Who signed up for an event, with the card they may later share."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    event,
    false,
    func,
    inspect,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

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


class LocationStatus(enum.StrEnum):
    """Where the office's pin comes from, or why there is none yet."""

    #: No address typed.
    NONE = "none"
    #: Waiting for the geocoder (meetup.directory.geocoding), also while it is unreachable.
    PENDING = "pending"
    FOUND = "found"
    #: The geocoder does not know the address: the person or an organiser may place the pin.
    NOT_FOUND = "not_found"
    #: The geocoder kept failing for this address; `flask geo backfill --retry` tries again.
    FAILED = "failed"
    #: The attendee (or an organiser) put the pin themselves: the geocoder leaves it alone.
    PLACED = "placed"


#: The yes/no consents on a registration (besides `visibility`): only the person gives them,
#: never ticked in advance nor by an organiser; recorded by meetup.privacy.consents.
CONSENT_FLAGS = (
    "street_on_badge",
    "share_email",
    "share_phone",
    "share_address",
    "accept_introductions",
    "notify_new_neighbours",
    "news",
)


class Registration(db.Model):
    __tablename__ = "registrations"
    __table_args__ = (
        Index("uq_registrations_event_email", "event_id", func.lower("email"), unique=True),
        #: Seat counts (confirmed per event) and the evening's other counts (checked in,
        #: walk-ins: registrations.queries.counts_for) read the index, not every registration.
        Index("ix_registrations_counts", "event_id", "status", "checked_in_at", "source"),
        #: The same person's registrations across a series (the community directory).
        Index("ix_registrations_email_lower", func.lower("email")),
        #: Neighbour pages read a bounding box around one office.
        Index("ix_registrations_latitude_longitude", "latitude", "longitude"),
        #: The directory's cached lists check whether an evening's rows changed.
        Index("ix_registrations_event_id_revision", "event_id", "revision"),
        #: The geocoding worker reads what is due.
        Index("ix_registrations_location_status", "location_status"),
        #: Neighbour lists read a bounding box of the positions they use.
        Index("ix_registrations_near_latitude_near_longitude", "near_latitude", "near_longitude"),
        #: The worker settles the pins whose delay is over.
        Index("ix_registrations_near_due_at", "near_due_at"),
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
    location_status: Mapped[LocationStatus] = mapped_column(
        enum_column(LocationStatus, "registration_location_status"),
        default=LocationStatus.NONE,
        server_default=LocationStatus.NONE.value,
    )
    #: Where neighbour lists (one's own and everyone else's) place the office: the pin, once
    #: settled (meetup.registrations.positions). A first pin counts at once; a moved one
    #: only after a delay and a few times a month, so moving one's pin cannot locate others.
    near_latitude: Mapped[float | None] = mapped_column()
    near_longitude: Mapped[float | None] = mapped_column()
    #: The pin counts for neighbour lists from then (None: nothing waiting).
    near_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Geocoder calls that failed (unreachable, timeout) for the current address.
    geocode_attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    #: Not before then (backoff after a failure).
    geocode_after: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: "I can help with": shown on the badge as "ask me about".
    help_with: Mapped[str] = mapped_column(Text, default="", info={"max_length": 300})
    looking_for: Mapped[str] = mapped_column(Text, default="", info={"max_length": 300})
    #: Consent to print the office's street on the badge (seen by everyone in the room).
    street_on_badge: Mapped[bool] = mapped_column(default=False, server_default=false())
    visibility: Mapped[Visibility] = mapped_column(
        enum_column(Visibility, "registration_visibility"), default=Visibility.NOBODY
    )
    #: Field consents, for those `visibility` lets see the card (off unless ticked).
    share_email: Mapped[bool] = mapped_column(default=False, server_default=false())
    share_phone: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: The full address, and the pin where it is (otherwise shown rounded to about 200 m).
    share_address: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: Others who may see the card may ask for an introduction (the person accepts or declines
    #: each by mail; nothing is sent about them before they accept).
    accept_introductions: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: Tell me after an evening when someone new who works near me came.
    notify_new_neighbours: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: Tell me about the series' next evenings (announcements, the neighbourhood digest): the
    #: person's latest registration in the series says; unsubscribing turns it off on all.
    news: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: When the reminder before the evening was queued (claimed by one conditional UPDATE:
    #: one reminder per registration, whatever the number of workers).
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: SHA-256 of the token of the directory link emailed when the evening's directory opens.
    directory_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: Language of the attendee's emails and pages.
    language: Mapped[str] = mapped_column(String(8), default="fr")
    status: Mapped[RegistrationStatus] = mapped_column(
        enum_column(RegistrationStatus, "registration_status"),
        default=RegistrationStatus.CONFIRMED,
    )
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: When they said "I'm leaving" from their phone: tonight's list of who is in the room
    #: no longer shows them (None: still here, or never came). A new check-in clears it.
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The door that checked the person in (its name as the volunteers set it), "" if none.
    checked_in_door: Mapped[str] = mapped_column(String(40), default="", server_default="")
    #: When the badge was last printed for the sheets, and what it said then (a hash of its
    #: content, meetup.badges.services.fingerprint): a badge whose content changed since
    #: (card, role, evening, address of the QR code) is to print again.
    #: The table the person was seated at (1, 2, …; meetup.directory.seating), None if not.
    table_number: Mapped[int | None] = mapped_column()
    badge_printed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    badge_fingerprint: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: When the person's data was erased (at their request, an organiser's, or by the
    #: retention purge): the row stays, anonymous, for the evening's counts.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Grows with every change of the row, in the transaction that makes it (the ORM's flush
    #: below; Core UPDATEs add `revision=Registration.revision + 1`): the directory's cached
    #: lists compare the sum, which a change shows the moment it commits, whatever its clock.
    revision: Mapped[int] = mapped_column(default=0, server_default="0")

    event: Mapped[Event] = relationship()
    ticket_qr: Mapped[TicketQR | None] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )

    #: How the consents of a change being written were given, when the source does not say
    #: it (a person's own choice sent through the API: "api"); not stored, read by
    #: meetup.privacy.consents at the flush.
    consent_how = None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_located(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def is_near_located(self) -> bool:
        """Placed for neighbour lists (meetup.registrations.positions)."""
        return self.near_latitude is not None and self.near_longitude is not None

    @property
    def has_address(self) -> bool:
        return bool(self.street or self.postcode or self.city)

    def follow_address(self) -> None:
        """Keep the pin in step with the address (called before every flush): a new or
        changed address goes to the geocoder, unless the pin was set in the same change; no
        address, no pin."""
        state = inspect(self)
        is_new = state.transient or state.pending
        changed = is_new or any(
            state.attrs[name].history.has_changes() for name in ("street", "postcode", "city")
        )
        if not changed:
            return
        pin_set = self.is_located and (
            is_new
            or any(state.attrs[name].history.has_changes() for name in ("latitude", "longitude"))
        )
        if is_new and self.location_status not in (None, LocationStatus.NONE):
            return  # said explicitly (an import of placed pins, the demo)
        if not pin_set:
            self.send_to_geocoder()
            return
        # The caller says how (placed by hand); else the pin came with the address.
        if self.location_status in (None, LocationStatus.NONE, LocationStatus.PENDING):
            self.location_status = LocationStatus.FOUND
        self._location_changed()

    def send_to_geocoder(self) -> None:
        """No pin until the geocoder places the address (none without an address)."""
        self.latitude = self.longitude = None
        self.location_status = LocationStatus.PENDING if self.has_address else LocationStatus.NONE
        self._location_changed()

    def place_pin(self, latitude: float, longitude: float) -> None:
        """The attendee (or an organiser) puts the pin: the geocoder leaves it alone."""
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise ValueError("latitude or longitude out of range")
        self.latitude, self.longitude = latitude, longitude
        self.location_status = LocationStatus.PLACED
        self._location_changed()

    def _location_changed(self) -> None:
        self.geocode_attempts = 0
        self.geocode_after = None

    def __repr__(self) -> str:
        return f"<Registration {self.id} {self.status}>"


@event.listens_for(Session, "before_flush")
def _follow_addresses(session: Session, flush_context, instances) -> None:
    for instance in (*session.new, *session.dirty):
        if isinstance(instance, Registration):
            instance.follow_address()
            if instance in session.dirty and session.is_modified(instance):
                instance.revision = (instance.revision or 0) + 1


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
    #: QRMatrix.pdf_path of `modules` (the merged rectangles as PDF operators), written with
    #: them so that badge prints reuse it; NULL for rows kept before it existed (filled in
    #: when their badge is printed: meetup.badges.services.badges_pdf).
    pdf_path: Mapped[str | None] = mapped_column(Text)


class EarlierLink(db.Model):
    """A personal link replaced by a newer one. Only hashes are kept, so every email that
    brings the link brings a fresh token; the earlier ones keep opening the page, so an older
    email still works, and nobody can cut someone's link off by signing their address up
    again. The newest few are kept (MAX_EARLIER_LINKS); an erasure removes them all."""

    __tablename__ = "earlier_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    #: SHA-256 of the link's token, as Registration.manage_token_hash was.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)


#: Earlier links kept per registration, newest first.
MAX_EARLIER_LINKS = 10


class LinkPurpose(enum.StrEnum):
    #: Sign this person up for this evening in one tap (an announcement's button).
    SIGNUP = "signup"
    #: Stop the series' news (List-Unsubscribe, and the link at the foot of the email).
    UNSUBSCRIBE = "unsubscribe"


class OneTapLink(db.Model):
    """A link in a news email that does one thing for one person without a login: random
    (256 bits), only its hash kept, one per purpose and email. Bound to the person (the
    registration whose consent the email answers: their email and series) and, to sign up,
    to the evening, until its signups close. Erasing the registration removes them."""

    __tablename__ = "one_tap_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 of the token (the token itself is only ever emailed).
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[LinkPurpose] = mapped_column(enum_column(LinkPurpose, "one_tap_purpose"))
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    #: The evening a signup link is for (None to unsubscribe).
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    #: Works until then (None: no end of its own; unsubscribing must keep working, and a
    #: signup link follows its evening's signup window when tapped).
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    registration: Mapped[Registration] = relationship()
    event: Mapped[Event | None] = relationship()


class PositionChange(db.Model):
    """A moment a person's office moved in neighbour lists (their settled position): at most
    a few per month are let through (meetup.registrations.positions)."""

    __tablename__ = "position_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    registration: Mapped[Registration] = relationship()


class LinkRequest(db.Model):
    """A "send me my link again" waiting for the worker (registrations.services): made the
    same way whether the address is registered or not, so the answer's time tells nothing.
    Deleted when the worker takes it, within a round."""

    __tablename__ = "link_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The address typed (as Registration.email), kept only until the worker takes it.
    email: Mapped[str] = mapped_column(String(254))
    #: The evening whose page it was asked from (None: every evening not over yet).
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
