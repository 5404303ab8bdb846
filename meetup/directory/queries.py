"""Who is in a directory, who may look at it, and who works near whom.

Two directories: an evening's (people who came and chose at least "people who came to this
evening") and a series' community (people who came to one of its evenings and whose latest
registration says "the community"; their latest registration is their card). The rules are
here and only here: the pages, the map, the vCards, the badge scans and the emails ask them.
"""

from __future__ import annotations

import math
from collections import namedtuple
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from flask_babel import gettext as _
from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.orm import aliased

from meetup.directory import distance, listing_cache
from meetup.events.models import Event, EventStatus, Series
from meetup.extensions import db
from meetup.registrations.models import Registration, RegistrationStatus, Visibility
from meetup.registrations.queries import registrations_of

_METRES_PER_DEGREE = 111_320.0


def came(registration: Registration) -> bool:
    return (
        registration.status is RegistrationStatus.CONFIRMED
        and registration.checked_in_at is not None
    )


def directory_is_open(event: Event, now: datetime) -> bool:
    return (
        event.status is EventStatus.PUBLISHED
        and event.directory_opened_at is not None
        and event.directory_opened_at <= now
    )


#: What lists, filters, pages and maps need of each person, read as plain rows (a big
#: community has thousands: loading them as objects would take most of a page's time).
LISTED_COLUMNS = (
    Registration.id,
    Registration.first_name,
    Registration.last_name,
    Registration.company,
    Registration.email,
    Registration.sector,
    Registration.help_with,
    Registration.latitude,
    Registration.longitude,
    Registration.share_address,
    Registration.accept_introductions,
)
#: A listing row as kept in the cache: a plain named tuple (fast to read, no ORM state).
ListedRow = namedtuple("ListedRow", [column.key for column in LISTED_COLUMNS])
_BY_NAME = (
    func.lower(Registration.last_name),
    func.lower(Registration.first_name),
    Registration.id,
)


#: The same person's other registrations, in the rules' subqueries. Made once: an alias of
#: a wide table costs milliseconds to build, and the same objects let SQLAlchemy reuse the
#: compiled statement.
_LATER, _LATER_EVENT = aliased(Registration, name="later"), aliased(Event, name="later_event")
_ONCE, _ONCE_EVENT = aliased(Registration, name="once"), aliased(Event, name="once_event")


def load(ids: list[int]) -> list[Registration]:
    """The registrations with these ids, in this order."""
    found = {
        r.id: r for r in db.session.scalars(select(Registration).where(Registration.id.in_(ids)))
    }
    return [found[i] for i in ids if i in found]


@dataclass(frozen=True)
class Nearby:
    """Someone near: the distance between the two offices as neighbour lists place them (the
    settled pins, meetup.registrations.positions), exact, so that the list is the truth;
    pages show it rounded (cards.shown_metres), finer only for those who share their place."""

    registration: Registration
    metres: float
    #: Whether they share their exact place (the distance may then be shown finer).
    exact: bool = False

    @property
    def next_door(self) -> bool:
        return self.exact and self.metres < distance.NEXT_DOOR_METRES


#: Rows whose pin is in a square (indexed): the square's bounds are parameters (_box).
_IN_BOX = and_(
    Registration.near_latitude.between(bindparam("lat_min"), bindparam("lat_max")),
    Registration.near_longitude.between(bindparam("lon_min"), bindparam("lon_max")),
)


def _box(latitude: float, longitude: float, radius_m: float) -> dict[str, float]:
    """The square around the point, a little wider than the circle (drawn after)."""
    d_lat = radius_m / _METRES_PER_DEGREE * 1.01
    d_lon = radius_m / (_METRES_PER_DEGREE * max(math.cos(math.radians(latitude)), 0.01)) * 1.01
    return {
        "lat_min": latitude - d_lat,
        "lat_max": latitude + d_lat,
        "lon_min": longitude - d_lon,
        "lon_max": longitude + d_lon,
    }


def _nearest_first(
    candidates: list[Registration], latitude: float, longitude: float, radius_m: float
) -> list[Nearby]:
    found = []
    for candidate in candidates:
        metres = distance.distance_metres(
            latitude, longitude, candidate.near_latitude, candidate.near_longitude
        )
        if metres <= radius_m:
            found.append(Nearby(candidate, metres, bool(candidate.share_address)))
    found.sort(key=lambda n: (n.metres, n.registration.last_name, n.registration.id))
    return found


class Directory(Protocol):
    """What the pages ask of a directory, an evening's or a series' community: one interface,
    so that no page asks which of the two it has."""

    #: "event" or "community": the first word of its pages' endpoints (directory.event_page).
    kind: str
    series: Series

    @property
    def slug(self) -> str: ...

    def members(self) -> list[Registration]: ...

    def listing(self) -> list: ...

    def lists(self, registration: Registration) -> bool: ...

    def viewer_registration(
        self, viewer: Registration | None, now: datetime
    ) -> Registration | None: ...

    def card_of_viewer(self, me: Registration) -> Registration: ...

    def came_without_sharing(self, viewer: Registration | None) -> bool: ...

    def origin_note(self) -> str: ...

    def near(self, latitude: float, longitude: float, radius_m: float) -> list[Nearby]: ...


class EventDirectory:
    """The evening's directory."""

    kind = "event"

    def __init__(self, event: Event) -> None:
        self.event = event
        self.series = event.series

    @property
    def slug(self) -> str:
        return self.event.slug

    @property
    def _params(self) -> dict:
        return {
            "event_id": self.event.id,
            "series_id": self.series.id,
            "starts_at": self.event.starts_at,
        }

    def members(self) -> list[Registration]:
        return list(db.session.scalars(_EVENT_MEMBERS, self._params))

    def here_now(self) -> list[Registration]:
        """Those listed who have not said they were leaving, by name."""
        return list(db.session.scalars(_EVENT_HERE_NOW, self._params))

    def listing(self) -> list:
        """Everyone listed, by name, as rows of LISTED_COLUMNS. One evening's people (its
        capacity at most): read each time, an indexed query."""
        return [ListedRow(*row) for row in db.session.execute(_EVENT_LISTING, self._params)]

    def lists(self, registration: Registration) -> bool:
        if registration.event_id != self.event.id or not came(registration):
            return False
        params = self._params | {"registration_id": registration.id}
        return db.session.scalar(_EVENT_LISTS, params) is not None

    def viewer_registration(self, viewer: Registration | None, now: datetime):
        """The viewer's registration that opens this directory (they came, it is open)."""
        if viewer is None or not directory_is_open(self.event, now):
            return None
        for registration in registrations_of(viewer, {self.series.id}):
            if registration.event_id == self.event.id and came(registration):
                return registration
        return None

    def card_of_viewer(self, me: Registration) -> Registration:
        """The card that stands for the viewer here (their pin, their introductions): the
        evening's registration."""
        return me

    def came_without_sharing(self, viewer: Registration | None) -> bool:
        """Only the community has cards kept out of it."""
        return False

    def origin_note(self) -> str:
        """Where a saved contact was met, for its vCard."""
        return _("Met at %(title)s", title=self.event.one_line_title)

    def near(self, latitude: float, longitude: float, radius_m: float) -> list[Nearby]:
        params = self._params | _box(latitude, longitude, radius_m)
        candidates = list(db.session.scalars(_EVENT_NEAR, params))
        return _nearest_first(candidates, latitude, longitude, radius_m)


class CommunityDirectory:
    """The series' community: everyone who came to one of its evenings and chose it."""

    kind = "community"

    def __init__(self, series: Series) -> None:
        self.series = series

    @property
    def slug(self) -> str:
        return self.series.slug

    def cards_of(self, emails) -> list[Registration]:
        """The community cards of these people (by email, case aside), for those listed."""
        if not emails:
            return []
        wanted = sorted({email.lower() for email in emails})
        return list(db.session.scalars(_CARDS_OF, {"series_id": self.series.id, "emails": wanted}))

    def members(self) -> list[Registration]:
        return load([row.id for row in self.listing()])

    def listing(self) -> list:
        """Everyone listed, by name, as rows of LISTED_COLUMNS (cached while unchanged)."""
        # Every change of a row adds to the sum of revisions in its own transaction: the
        # version moves when it commits (timestamps could commit out of order).
        version = db.session.execute(_COMMUNITY_VERSION, {"series_id": self.series.id}).one()
        return listing_cache.cached(("community", self.series.id), tuple(version), self._compute)

    def _compute(self) -> list:
        rows = db.session.execute(_COMMUNITY_LISTING, {"series_id": self.series.id})
        return [ListedRow(*row) for row in rows]

    def card_of(self, registration: Registration) -> Registration | None:
        """The person's community card (their latest registration), if they are listed."""
        cards = self.cards_of([registration.email])
        return cards[0] if cards else None

    def lists(self, registration: Registration) -> bool:
        card = self.card_of(registration)
        return card is not None and card.id == registration.id

    def viewer_registration(self, viewer: Registration | None, now: datetime):
        """Who looks at the community is in it: they came to one of the series' evenings and
        share their card with the community, as those listed chose ("everyone who came to
        one of its evenings and chose this too"). Their latest evening that they came to."""
        came_to = self._came_to(viewer)
        if came_to is None or self.card_of(viewer) is None:
            return None
        return came_to

    def card_of_viewer(self, me: Registration) -> Registration:
        """The card that stands for the viewer here: their community card (their latest
        registration), else the registration that let them in."""
        return self.card_of(me) or me

    def origin_note(self) -> str:
        return _("Member of %(name)s", name=self.series.name)

    def came_without_sharing(self, viewer: Registration | None) -> bool:
        """Came to one of the series' evenings, but does not share their card with the
        community: the page says how to join it."""
        return self._came_to(viewer) is not None and self.card_of(viewer) is None

    def _came_to(self, viewer: Registration | None) -> Registration | None:
        if viewer is None:
            return None
        registrations = [r for r in registrations_of(viewer, {self.series.id}) if came(r)]
        return max(registrations, key=lambda r: r.event.starts_at) if registrations else None

    def near(self, latitude: float, longitude: float, radius_m: float) -> list[Nearby]:
        """Community members whose card's settled pin is within the radius: the candidates come
        from an indexed box over the series' rows, then each person's latest card decides."""
        params = {"series_id": self.series.id} | _box(latitude, longitude, radius_m)
        emails = set(db.session.scalars(_COMMUNITY_NEAR_EMAILS, params))
        if not emails:
            return []
        cards = [r for r in self.cards_of(emails) if r.is_near_located]
        return _nearest_first(cards, latitude, longitude, radius_m)


def _is_card():
    """The community's rule, in SQL, for the series `:series_id`: the row is a person's card
    when no later registration of theirs (not cancelled) in the series follows it, it says
    "community", and they came to one evening at least. Both lookups go through the
    lower(email) index. Built once into the statements below (SQLAlchemy then reuses their
    compiled form; building them is most of the cost of a small query)."""
    series_id = bindparam("series_id")
    later, later_event, once, once_event = _LATER, _LATER_EVENT, _ONCE, _ONCE_EVENT
    superseded = (
        select(later.id)
        .join(later_event, later_event.id == later.event_id)
        .where(
            func.lower(later.email) == func.lower(Registration.email),
            later_event.series_id == series_id,
            later.status != RegistrationStatus.CANCELLED,
            or_(
                later_event.starts_at > Event.starts_at,
                and_(later_event.starts_at == Event.starts_at, later.id > Registration.id),
            ),
        )
        .exists()
    )
    came_once = (
        select(once.id)
        .join(once_event, once_event.id == once.event_id)
        .where(
            func.lower(once.email) == func.lower(Registration.email),
            once_event.series_id == series_id,
            once.status == RegistrationStatus.CONFIRMED,
            once.checked_in_at.is_not(None),
        )
        .exists()
    )
    return and_(
        Event.series_id == series_id,
        Registration.status != RegistrationStatus.CANCELLED,
        Registration.visibility == Visibility.COMMUNITY,
        ~superseded,
        came_once,
    )


_CARDS_OF = (
    select(Registration)
    .join(Event, Event.id == Registration.event_id)
    .where(
        _is_card(),
        func.lower(Registration.email).in_(bindparam("emails", expanding=True)),
    )
)
_COMMUNITY_LISTING = (
    select(*LISTED_COLUMNS)
    .join(Event, Event.id == Registration.event_id)
    .where(_is_card())
    .order_by(*_BY_NAME)
)
_COMMUNITY_NEAR_EMAILS = (
    select(func.lower(Registration.email))
    .join(Event, Event.id == Registration.event_id)
    .where(
        Event.series_id == bindparam("series_id"),
        Registration.visibility == Visibility.COMMUNITY,
        _IN_BOX,
    )
)


def _is_listed_tonight():
    """The evening's rule, in SQL, for `:event_id` (of `:series_id`, starting `:starts_at`):
    checked in, chose at least "people who came", and said "nobody" on no later
    registration of the series (their latest choice wins on earlier evenings too)."""
    later, later_event = _LATER, _LATER_EVENT
    hidden_since = (
        select(later.id)
        .join(later_event, later_event.id == later.event_id)
        .where(
            func.lower(later.email) == func.lower(Registration.email),
            later_event.series_id == bindparam("series_id"),
            later_event.starts_at > bindparam("starts_at"),
            later.status != RegistrationStatus.CANCELLED,
            later.visibility == Visibility.NOBODY,
        )
        .exists()
    )
    return and_(
        Registration.event_id == bindparam("event_id"),
        Registration.status == RegistrationStatus.CONFIRMED,
        Registration.checked_in_at.is_not(None),
        Registration.visibility.in_((Visibility.ATTENDEES, Visibility.COMMUNITY)),
        ~hidden_since,
    )


_EVENT_MEMBERS = select(Registration).where(_is_listed_tonight()).order_by(*_BY_NAME)
#: Listed and in the room now: not gone (meetup.directory.tonight).
_EVENT_HERE_NOW = (
    select(Registration)
    .where(_is_listed_tonight(), Registration.left_at.is_(None))
    .order_by(*_BY_NAME)
)
_EVENT_LISTING = select(*LISTED_COLUMNS).where(_is_listed_tonight()).order_by(*_BY_NAME)
_EVENT_LISTS = select(Registration.id).where(
    _is_listed_tonight(), Registration.id == bindparam("registration_id")
)
_EVENT_NEAR = select(Registration).where(_is_listed_tonight(), _IN_BOX)
_COMMUNITY_VERSION = (
    select(
        func.count(Registration.id),
        func.coalesce(func.sum(Registration.revision), 0),
        func.max(Registration.id),
        func.max(Event.updated_at),
    )
    .join(Event, Event.id == Registration.event_id)
    .where(Event.series_id == bindparam("series_id"))
)
