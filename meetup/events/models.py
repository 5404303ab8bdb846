"""Series (a club's monthly evenings), their events and speakers."""

from __future__ import annotations

import enum
from datetime import datetime
from functools import cached_property
from zoneinfo import ZoneInfo

from flask_babel import get_locale
from sqlalchemy import CheckConstraint, ForeignKey, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetup.auth.models import TeamMember, TeamRole, User, series_team
from meetup.extensions import db
from meetup.images.models import StoredImage
from meetup.models_base import enum_column
from meetup.timeutil import UTCDateTime, utcnow


#: The series' team: organisers, and door volunteers who may only run its check-in.
class Series(db.Model):
    __tablename__ = "series"
    __table_args__ = (
        CheckConstraint("default_capacity >= 0", name="default_capacity_not_negative"),
        CheckConstraint("neighbour_radius_m BETWEEN 50 AND 5000", name="neighbour_radius_in_range"),
        CheckConstraint(
            "directory_delay_hours IS NULL OR directory_delay_hours BETWEEN 0 AND 720",
            name="directory_delay_in_range",
        ),
        CheckConstraint(
            "retention_nobody_days BETWEEN 1 AND 3650", name="retention_nobody_in_range"
        ),
        CheckConstraint(
            "retention_checkin_days BETWEEN 30 AND 3650", name="retention_checkin_in_range"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Public, stable identifier used in URLs; never changes once created.
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    city: Mapped[str] = mapped_column(String(120), default="")
    #: IANA time zone name; event times are shown and typed in it.
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Paris")
    #: Markdown, rendered through nh3.
    description: Mapped[str] = mapped_column(Text, default="", info={"max_length": 10_000})
    default_venue_name: Mapped[str] = mapped_column(String(160), default="")
    default_venue_address: Mapped[str] = mapped_column(String(300), default="")
    default_capacity: Mapped[int] = mapped_column(default=40)
    #: Where attendees' replies to the club's emails go (Reply-To), shown on its pages; ""
    #: when nobody reads replies.
    contact_email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    #: Offices within this distance are "neighbours" in the directory.
    neighbour_radius_m: Mapped[int] = mapped_column(default=300, server_default="300")
    #: The evening's directory opens by itself this many hours after its end (None: only
    #: when an organiser opens it). No default here: a None given must stay None (the ORM
    #: would otherwise fill in a default); create_series says 12.
    directory_delay_hours: Mapped[int | None] = mapped_column()
    #: Retention (meetup.privacy.retention): the details of people who chose "nobody", who
    #: cancelled or stayed on the waitlist go this many days after the evening…
    retention_nobody_days: Mapped[int] = mapped_column(default=30, server_default="30")
    #: …and arrival times become the evening's counts after this many days.
    retention_checkin_days: Mapped[int] = mapped_column(default=365, server_default="365")
    #: Reminders go this many hours before each evening (0: none), to those registered by
    #: then, for an evening published at least that far ahead (meetup.registrations.reminders).
    reminder_hours: Mapped[int] = mapped_column(default=24, server_default="24")
    #: The monthly neighbourhood digest (meetup.directory.digest) to community members who
    #: asked for the series' news: off until an organiser has seen it and turns it on.
    digest_enabled: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: It goes from this day of each month (1–28), 09:00 in the series' time zone.
    digest_day: Mapped[int] = mapped_column(default=1, server_default="1")
    #: Signups an hour through each of the series' signup keys (its widget, its website's
    #: form), all visitors together; each visitor's address has its own limit besides.
    api_signups_per_hour: Mapped[int] = mapped_column(default=200, server_default="200")
    #: Web origins (scheme://host[:port]), one a line, whose pages may call the series'
    #: signup and public evening data from the browser (meetup.api.cors).
    allowed_origins: Mapped[str] = mapped_column(
        Text, default="", server_default="", info={"max_length": 4_000}
    )
    #: The club's logo (meetup.images): on its pages, its emails and its badges. No foreign
    #: key: adding one to a table on SQLite means copying the table, and dropping the old
    #: copy would cascade to its team (images.store.purge never deletes a picture in use).
    logo_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    logo: Mapped[StoredImage | None] = relationship(
        primaryjoin="foreign(Series.logo_sha256) == StoredImage.sha256", viewonly=True
    )
    #: Who is on the team, with their role here; change the team through these.
    memberships: Mapped[list[TeamMember]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )
    #: The team's people, by address (read only: see memberships).
    team: Mapped[list[User]] = relationship(
        secondary=series_team, order_by=User.email, viewonly=True
    )
    events: Mapped[list[Event]] = relationship(
        back_populates="series", order_by="Event.starts_at", cascade="all, delete-orphan"
    )

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def role_of(self, user: User) -> TeamRole | None:
        """The user's role on this series' team, None off it."""
        return next((m.role for m in self.memberships if m.user_id == user.id), None)

    def __repr__(self) -> str:
        return f"<Series {self.slug}>"


def _current_language() -> str:
    """The language of the request or of the email being written (flask_babel's locale);
    French outside them (the CLI)."""
    try:
        locale = get_locale()
    except RuntimeError:
        return "fr"
    return locale.language if locale is not None else "fr"


class EventStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class Event(db.Model):
    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint("capacity >= 0", name="capacity_not_negative"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id"), index=True)
    #: Public identifier (URLs, API): the series and the local date. When the date changes
    #: it follows (the old one answers 301, see EventSlugRedirect).
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    #: The slug the calendar files' UID was made from, kept once the slug moves (None: the
    #: slug itself), so that calendars update their entry instead of adding one.
    calendar_key: Mapped[str | None] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(200))
    theme: Mapped[str] = mapped_column(String(200), default="")
    #: Markdown, rendered through nh3.
    description: Mapped[str] = mapped_column(Text, default="", info={"max_length": 20_000})
    #: The same in English ("" when not written): title, theme and description above are the
    #: French ones. Each visitor and each email gets their language, else the other (shown).
    title_en: Mapped[str] = mapped_column(String(200), default="", server_default="")
    theme_en: Mapped[str] = mapped_column(String(200), default="", server_default="")
    description_en: Mapped[str] = mapped_column(
        Text, default="", server_default="", info={"max_length": 20_000}
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    venue_name: Mapped[str] = mapped_column(String(160), default="")
    venue_address: Mapped[str] = mapped_column(String(300), default="")
    #: Confirmed seats; the rest go to the waitlist.
    capacity: Mapped[int] = mapped_column(default=40)
    #: Signups are accepted from then (None: as soon as published).
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: ... until then (None: until the event starts).
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[EventStatus] = mapped_column(
        enum_column(EventStatus, "event_status"), default=EventStatus.DRAFT
    )
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Grows with every change of the event; the calendar files' SEQUENCE.
    revision: Mapped[int] = mapped_column(default=0, server_default="0")
    #: The attendee directory is open since then (None: closed).
    directory_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: When the "directory is open" emails were queued (once per evening, even if reopened).
    directory_announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: How many tables (or corners) the room has, as the organiser last seated people.
    table_count: Mapped[int | None] = mapped_column()
    #: When the evening was last announced to those who asked for news of the series
    #: (meetup.registrations.news): once, unless an organiser sends it again on purpose.
    announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Once arrival times are reduced to counts (retention): how many came, how many walked
    #: in, and when that was done.
    came_count: Mapped[int | None] = mapped_column()
    walk_in_count: Mapped[int | None] = mapped_column()
    checkins_summarised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The evening's picture (meetup.images): on its page, its emails and link previews (no
    #: foreign key, as Series.logo_sha256).
    cover_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    series: Mapped[Series] = relationship(back_populates="events")
    cover: Mapped[StoredImage | None] = relationship(
        primaryjoin="foreign(Event.cover_sha256) == StoredImage.sha256", viewonly=True
    )
    speakers: Mapped[list[Speaker]] = relationship(
        back_populates="event",
        order_by="Speaker.position, Speaker.id",
        cascade="all, delete-orphan",
    )

    @property
    def zone(self) -> ZoneInfo:
        return self.series.zone

    def shown(self, name: str, language: str | None = None) -> str:
        """The evening's `name` (title, theme, description) in `language` (the current
        locale's by default), else in the other language: a visitor or an email in English
        reads the English text when there is one. A theme left empty in both is ""."""
        language = language or _current_language()
        french, english = getattr(self, name), getattr(self, f"{name}_en")
        return (english or french) if language == "en" else (french or english)

    @property
    def shown_title(self) -> str:
        return self.shown("title")

    @property
    def shown_theme(self) -> str:
        return self.shown("theme")

    @property
    def shown_description(self) -> str:
        return self.shown("description")

    @property
    def one_line_title(self) -> str:
        """The evening's name (its theme, else its title) on one line, whatever was typed,
        in the current language: for subject lines, badges and tickets."""
        return " ".join((self.shown_theme or self.shown_title).split())

    def __repr__(self) -> str:
        return f"<Event {self.slug}>"


class Speaker(db.Model):
    """An "intervenant": who gives the evening's short talk."""

    __tablename__ = "speakers"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(120))
    #: Job title, e.g. "Consultante en stratégie numérique".
    title: Mapped[str] = mapped_column(String(160), default="")
    company: Mapped[str] = mapped_column(String(160), default="")
    bio: Mapped[str] = mapped_column(Text, default="", info={"max_length": 2_000})

    event: Mapped[Event] = relationship(back_populates="speakers")


class EventSlugRedirect(db.Model):
    """An evening's earlier address: its date changed, the slug followed, and links already
    sent (emails, calendars, shares) lead to the new one with a 301."""

    __tablename__ = "event_slug_redirects"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Never given to another evening (services._event_slug_exists looks here too).
    old_slug: Mapped[str] = mapped_column(String(120), unique=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
