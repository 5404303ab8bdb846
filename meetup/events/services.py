"""Series and events: the writes and the rules. Views, the API and the CLI call these.

Each public write commits, so a view only calls it; `update_event` and `set_status` do not:
the registrations' `update_event_and_notify` and `set_status_and_notify` commit them together
with the emails that tell the people registered."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from meetup.auth.models import Role, User
from meetup.events import team as team_changes
from meetup.events.models import Event, EventSlugRedirect, EventStatus, Series, Speaker
from meetup.events.recurrence import same_weekday_next_month
from meetup.extensions import db
from meetup.models_base import column_length
from meetup.slugs import is_valid_slug, slugify
from meetup.timeutil import NonexistentLocalTime, is_valid_timezone, local_to_utc, utcnow

MAX_CAPACITY = 100_000


@dataclass
class InvalidData(ValueError):
    """Field errors, keyed by field name; the messages are shown to the user."""

    errors: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return "; ".join(f"{name}: {message}" for name, message in self.errors.items())


class SlugTaken(InvalidData):
    """The requested slug is already used (a conflict, HTTP 409 in the API)."""


def _insert_with_unique_slug(row, new_slug, *, retry: bool, attempts: int = 10) -> None:
    """Insert `row`; if another request took its slug in the meantime, pick a new one
    (generated slugs: as many tries as requests racing for it, within reason) or report
    the conflict (a slug the user asked for)."""
    db.session.flush()  # anything else pending goes in first, outside the savepoint
    for attempt in range(attempts):
        try:
            with db.session.begin_nested():
                db.session.add(row)
            return
        except IntegrityError:
            if not retry or attempt == attempts - 1 or not _slug_exists_for(row):
                raise SlugTaken({"slug": str(_l("This address is already used."))}) from None
            row.slug = new_slug()


def _slug_exists_for(row) -> bool:
    model = type(row)
    return db.session.scalar(select(model.id).where(model.slug == row.slug)) is not None


# -- series -------------------------------------------------------------------------------


def _series_slug_exists(slug: str) -> bool:
    return db.session.scalar(select(Series.id).where(Series.slug == slug)) is not None


def _event_slug_exists(slug: str) -> bool:
    """Taken by an evening, or an earlier address of one (which keeps leading there)."""
    if db.session.scalar(select(Event.id).where(Event.slug == slug)) is not None:
        return True
    moved = select(EventSlugRedirect.id).where(EventSlugRedirect.old_slug == slug)
    return db.session.scalar(moved) is not None


def _unique_slug(base: str, exists, fallback: str) -> str:
    base = base or fallback
    candidate, counter = base, 2
    while exists(candidate):
        candidate, counter = f"{base}-{counter}", counter + 1
    return candidate


def _contact_email_problem(address: str) -> str | None:
    """Why the address cannot be the Reply-To of the club's emails, or None: one mailbox
    on one line, plain letters before the @ (the outbox does not speak SMTPUTF8)."""
    if not address:
        return None
    local, at, _domain = address.rpartition("@")
    if len(address) > column_length(Series.contact_email) or not at or not local.isascii():
        return str(_l("This email address is not valid."))
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return str(_l("This email address is not valid."))
    return None


def _check_series(
    name: str, timezone: str, default_capacity: int, contact_email: str = ""
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if problem := _contact_email_problem(contact_email):
        errors["contact_email"] = problem
    if not name.strip():
        errors["name"] = str(_l("A name is required."))
    if not is_valid_timezone(timezone):
        errors["timezone"] = str(_l("Unknown time zone; use a name like Europe/Paris."))
    if not 0 <= default_capacity <= MAX_CAPACITY:
        errors["default_capacity"] = str(
            _l("Capacity must be between 0 and %(max)d.", max=MAX_CAPACITY)
        )
    return errors


def create_series(
    *,
    name: str,
    city: str = "",
    timezone: str = "Europe/Paris",
    description: str = "",
    slug: str | None = None,
    default_venue_name: str = "",
    default_venue_address: str = "",
    default_capacity: int = 40,
    contact_email: str = "",
    neighbour_radius_m: int = 300,
    directory_delay_hours: int | None = 12,
    reminder_hours: int = 24,
    retention_nobody_days: int = 30,
    retention_checkin_days: int = 365,
    logo_sha256: str | None = None,
    team: Iterable[User] = (),
    acting_user: User | None = None,
) -> Series:
    """A new series. An organiser who creates one is on its team. Commits."""
    contact_email = contact_email.strip()
    errors = _check_series(name, timezone, default_capacity, contact_email)
    if slug:
        if not is_valid_slug(slug):
            errors["slug"] = str(_l("Use lowercase letters, digits and hyphens only."))
        elif _series_slug_exists(slug):
            raise SlugTaken({"slug": str(_l("This address is already used by another series."))})
    if errors:
        raise InvalidData(errors)
    series = Series(
        name=name.strip(),
        city=city.strip(),
        timezone=timezone,
        description=description,
        slug=slug or _unique_slug(slugify(name), _series_slug_exists, "series"),
        default_venue_name=default_venue_name.strip(),
        default_venue_address=default_venue_address.strip(),
        default_capacity=default_capacity,
        contact_email=contact_email,
        neighbour_radius_m=neighbour_radius_m,
        directory_delay_hours=directory_delay_hours,
        reminder_hours=reminder_hours,
        retention_nobody_days=retention_nobody_days,
        retention_checkin_days=retention_checkin_days,
        logo_sha256=logo_sha256,
    )
    team_changes.choose(series, _team_with(team, acting_user))
    _insert_with_unique_slug(
        series, lambda: _unique_slug(slugify(name), _series_slug_exists, "series"), retry=not slug
    )
    db.session.commit()
    return series


def _team_with(team: Iterable[User], acting_user: User | None) -> list[User]:
    """The team, with the acting organiser kept on it (nobody locks themselves out; an
    administrator needs no team)."""
    members = list(dict.fromkeys(team))
    if (
        acting_user is not None
        and acting_user.role is not Role.ADMIN
        and acting_user not in members
    ):
        members.insert(0, acting_user)
    return members


def update_series(series: Series, acting_user: User | None = None, **changes) -> Series:
    """Change a series' settings; the slug never changes (links stay valid). Commits."""
    changes.pop("slug", None)
    merged = {
        "name": changes.get("name", series.name),
        "timezone": changes.get("timezone", series.timezone),
        "default_capacity": changes.get("default_capacity", series.default_capacity),
        "contact_email": (changes.get("contact_email", series.contact_email) or "").strip(),
    }
    errors = _check_series(**merged)
    if errors:
        raise InvalidData(errors)
    team = changes.pop("team", None)
    if team is not None:
        # Two organisers saving the team at once: one after the other, each from the team as
        # it is then (PostgreSQL's row lock; SQLite's writer lock is held already).
        db.session.refresh(series, with_for_update=True)
        db.session.refresh(series, ["memberships"])
    for key, value in changes.items():
        setattr(
            series, key, value.strip() if isinstance(value, str) and key != "description" else value
        )
    if team is not None:
        try:
            team_changes.choose(series, _team_with(team, acting_user))
        except team_changes.LastOrganiser:
            db.session.rollback()
            raise InvalidData(
                {"team": str(_l("A series keeps at least one organiser: tick one."))}
            ) from None
    series.__dict__.pop("zone", None)  # the cached ZoneInfo follows a time zone change
    db.session.commit()
    return series


# -- events -------------------------------------------------------------------------------


def event_slug_for(series: Series, starts_at: datetime) -> str:
    """ "cafe-des-entreprenants-de-vienne-2026-12-10": series and local date, unique."""
    local_date = starts_at.astimezone(series.zone).date().isoformat()
    return _unique_slug(f"{series.slug}-{local_date}", _event_slug_exists, "event")


def _check_event(values: dict) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not (values.get("title") or "").strip():
        errors["title"] = str(_l("A title is required."))
    starts_at, ends_at = values.get("starts_at"), values.get("ends_at")
    if starts_at is None:
        errors["starts_at"] = str(_l("A start date and time are required."))
    if ends_at is None:
        errors["ends_at"] = str(_l("An end time is required."))
    if starts_at and ends_at and ends_at <= starts_at:
        errors["ends_at"] = str(_l("The end must come after the start."))
    capacity = values.get("capacity")
    if capacity is None or not 0 <= capacity <= MAX_CAPACITY:
        errors["capacity"] = str(_l("Capacity must be between 0 and %(max)d.", max=MAX_CAPACITY))
    opens, closes = values.get("registration_opens_at"), values.get("registration_closes_at")
    if opens and closes and closes <= opens:
        errors["registration_closes_at"] = str(_l("Registration must close after it opens."))
    elif closes and ends_at and closes > ends_at:
        errors["registration_closes_at"] = str(_l("Registration must close before the event ends."))
    if opens and starts_at and opens >= starts_at:
        errors["registration_opens_at"] = str(_l("Registration must open before the event starts."))
    return errors


EVENT_FIELDS = (
    "title",
    "theme",
    "description",
    "title_en",
    "theme_en",
    "description_en",
    "starts_at",
    "ends_at",
    "venue_name",
    "venue_address",
    "capacity",
    "registration_opens_at",
    "registration_closes_at",
    "cover_sha256",
)


def create_event(
    series: Series,
    *,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    theme: str = "",
    description: str = "",
    venue_name: str | None = None,
    venue_address: str | None = None,
    capacity: int | None = None,
    registration_opens_at: datetime | None = None,
    registration_closes_at: datetime | None = None,
    status: EventStatus = EventStatus.DRAFT,
    title_en: str = "",
    theme_en: str = "",
    description_en: str = "",
    cover_sha256: str | None = None,
) -> Event:
    """A new event of the series (a draft unless `status` says otherwise). Commits."""
    values = {
        "title": title,
        "theme": theme,
        "description": description,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "venue_name": series.default_venue_name if venue_name is None else venue_name,
        "venue_address": series.default_venue_address if venue_address is None else venue_address,
        "capacity": series.default_capacity if capacity is None else capacity,
        "registration_opens_at": registration_opens_at,
        "registration_closes_at": registration_closes_at,
    }
    errors = _check_event(values)
    if errors:
        raise InvalidData(errors)
    for key in ("title", "theme", "venue_name", "venue_address"):
        values[key] = values[key].strip()
    values |= {
        "title_en": title_en.strip(),
        "theme_en": theme_en.strip(),
        "description_en": description_en,
        "cover_sha256": cover_sha256,
    }
    # series_id rather than series=: the row must join the session inside the savepoint.
    event = Event(
        series_id=series.id, slug=event_slug_for(series, starts_at), status=status, **values
    )
    _insert_with_unique_slug(event, lambda: event_slug_for(series, starts_at), retry=True)
    db.session.commit()
    return event


def update_event(event: Event, **changes) -> Event:
    """Change an event's details. When its local date changes, its slug follows the date
    and the old one is kept as a redirect (move_slug). Does not commit (see above)."""
    unknown = set(changes) - set(EVENT_FIELDS)
    if unknown:
        raise TypeError(f"not event fields: {sorted(unknown)}")
    merged = {name: changes.get(name, getattr(event, name)) for name in EVENT_FIELDS}
    errors = _check_event(merged)
    if errors:
        raise InvalidData(errors)
    for key, value in changes.items():
        setattr(
            event,
            key,
            value.strip()
            if isinstance(value, str) and not key.startswith("description")
            else value,
        )
    if changes:
        event.revision = (event.revision or 0) + 1
    if "starts_at" in changes:
        move_slug(event)
    return event


def move_slug(event: Event) -> None:
    """Give `event` the slug of its (new) local date, if it has not already: the old slug
    becomes a redirect; an earlier address of its own for that date is taken back."""
    local_date = event.starts_at.astimezone(event.series.zone).date().isoformat()
    wanted = f"{event.series.slug}-{local_date}"
    if event.slug == wanted or event.slug.startswith(wanted + "-"):
        return
    own = db.session.scalar(
        select(EventSlugRedirect).where(
            EventSlugRedirect.event_id == event.id,
            EventSlugRedirect.old_slug.startswith(wanted, autoescape=True),
        )
    )
    if own is not None and (own.old_slug == wanted or own.old_slug[len(wanted) :][:1] == "-"):
        new_slug = own.old_slug
        db.session.delete(own)
        db.session.flush()
    else:
        new_slug = event_slug_for(event.series, event.starts_at)
    if event.calendar_key is None:
        event.calendar_key = event.slug
    db.session.add(EventSlugRedirect(old_slug=event.slug, event_id=event.id))
    event.slug = new_slug


def set_status(event: Event, status: EventStatus) -> Event:
    """Draft, published or cancelled. Does not commit (see above)."""
    if event.status is not status:
        event.status = status
        event.status_changed_at = utcnow()
        event.revision = (event.revision or 0) + 1
    return event


def duplicate_as_next_month(event: Event) -> Event:
    """A draft copy on the same weekday of next month (2nd Thursday -> 2nd Thursday).

    Wall-clock times are kept in the series' time zone across daylight-saving changes;
    registration windows move with the event, the cover picture stays. Speakers are not
    copied: they change monthly.
    Commits.
    """
    zone = event.zone
    local_start = event.starts_at.astimezone(zone).replace(tzinfo=None)
    local_shift = same_weekday_next_month(local_start) - local_start
    duration = event.ends_at - event.starts_at

    def moved(value: datetime | None) -> datetime | None:
        """The same wall-clock time, as many days later as the event moved."""
        if value is None:
            return None
        local = value.astimezone(zone).replace(tzinfo=None) + local_shift
        try:
            return local_to_utc(local, zone)
        except NonexistentLocalTime:  # fell in the hour skipped in spring: an hour later
            return local_to_utc(local + timedelta(hours=1), zone)

    new_start = moved(event.starts_at)

    return create_event(
        event.series,
        title=event.title,
        theme=event.theme,
        description=event.description,
        title_en=event.title_en,
        theme_en=event.theme_en,
        description_en=event.description_en,
        starts_at=new_start,
        ends_at=new_start + duration,
        venue_name=event.venue_name,
        venue_address=event.venue_address,
        capacity=event.capacity,
        registration_opens_at=moved(event.registration_opens_at),
        registration_closes_at=moved(event.registration_closes_at),
        cover_sha256=event.cover_sha256,
    )


# -- speakers -----------------------------------------------------------------------------


def add_speaker(
    event: Event, *, name: str, title: str = "", company: str = "", bio: str = ""
) -> Speaker:
    """The event's next speaker. Commits."""
    if not name.strip():
        raise InvalidData({"name": str(_l("A name is required."))})
    position = max((speaker.position for speaker in event.speakers), default=-1) + 1
    speaker = Speaker(
        name=name.strip(), title=title.strip(), company=company.strip(), bio=bio, position=position
    )
    event.speakers.append(speaker)
    db.session.commit()
    return speaker


def update_speaker(
    speaker: Speaker, *, name: str, title: str = "", company: str = "", bio: str = ""
) -> Speaker:
    """Commits."""
    if not name.strip():
        raise InvalidData({"name": str(_l("A name is required."))})
    speaker.name, speaker.title, speaker.company, speaker.bio = (
        name.strip(),
        title.strip(),
        company.strip(),
        bio,
    )
    db.session.commit()
    return speaker


def remove_speaker(speaker: Speaker) -> None:
    """Commits."""
    # A statement, not session.delete: two organisers removing the speaker at once both
    # succeed (the ORM would find the row gone and complain).
    db.session.execute(delete(Speaker).where(Speaker.id == speaker.id))
    db.session.commit()


# -- registration window ------------------------------------------------------------------


class SignupState:
    OPEN = "open"
    NOT_YET = "not_yet"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    DRAFT = "draft"


def signup_state(event: Event, now: datetime | None = None) -> str:
    """Whether the public may sign up right now, and if not, why."""
    now = now or utcnow()
    if event.status is EventStatus.CANCELLED:
        return SignupState.CANCELLED
    if event.status is EventStatus.DRAFT:
        return SignupState.DRAFT
    if event.registration_opens_at and now < event.registration_opens_at:
        return SignupState.NOT_YET
    closes = event.registration_closes_at or event.starts_at
    if now >= closes:
        return SignupState.CLOSED
    return SignupState.OPEN
