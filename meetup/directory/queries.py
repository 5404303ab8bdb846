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

from sqlalchemy import Select, and_, func, literal, or_, select
from sqlalchemy.orm import aliased

from meetup.directory import listing_cache, spatial
from meetup.directory.cards import ROUNDING_METRES, display_point
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
)
#: A listing row as kept in the cache: a plain named tuple (fast to read, no ORM state).
ListedRow = namedtuple("ListedRow", [column.key for column in LISTED_COLUMNS])
_BY_NAME = (
    func.lower(Registration.last_name),
    func.lower(Registration.first_name),
    Registration.id,
)


def load(ids: list[int]) -> list[Registration]:
    """The registrations with these ids, in this order."""
    found = {
        r.id: r for r in db.session.scalars(select(Registration).where(Registration.id.in_(ids)))
    }
    return [found[i] for i in ids if i in found]


@dataclass(frozen=True)
class Nearby:
    """Someone near: the distance is measured to the place others may see (their exact pin
    only if they agreed, else the centre of their ~200 m cell), so that moving one's own pin
    and reading distances never tells more than the map does."""

    registration: Registration
    metres: float
    #: Whether the distance is to their exact place.
    exact: bool = False

    @property
    def same_building(self) -> bool:
        return self.exact and self.metres < spatial.SAME_BUILDING_METRES


def _box(query: Select, latitude: float, longitude: float, radius_m: float) -> Select:
    """Rows whose pin is in the square around the point (indexed), widened by a rounding
    cell; the exact circle, to the place shown, after."""
    radius_m += ROUNDING_METRES
    d_lat = radius_m / _METRES_PER_DEGREE * 1.01
    d_lon = radius_m / (_METRES_PER_DEGREE * max(math.cos(math.radians(latitude)), 0.01)) * 1.01
    return query.where(
        Registration.latitude.between(latitude - d_lat, latitude + d_lat),
        Registration.longitude.between(longitude - d_lon, longitude + d_lon),
    )


def _nearest_first(
    candidates: list[Registration], latitude: float, longitude: float, radius_m: float
) -> list[Nearby]:
    found = []
    for candidate in candidates:
        shown_latitude, shown_longitude = display_point(candidate)
        metres = spatial.distance_metres(latitude, longitude, shown_latitude, shown_longitude)
        if metres <= radius_m:
            found.append(Nearby(candidate, metres, bool(candidate.share_address)))
    found.sort(key=lambda n: (n.metres, n.registration.last_name, n.registration.id))
    return found


class EventDirectory:
    """The evening's directory."""

    kind = "event"

    def __init__(self, event: Event) -> None:
        self.event = event
        self.series = event.series

    @property
    def slug(self) -> str:
        return self.event.slug

    def _listed(self) -> Select:
        return select(Registration).where(
            Registration.event_id == self.event.id,
            Registration.status == RegistrationStatus.CONFIRMED,
            Registration.checked_in_at.is_not(None),
            Registration.visibility.in_((Visibility.ATTENDEES, Visibility.COMMUNITY)),
            ~self._hidden_since(),
        )

    def _hidden_since(self):
        """The person said "nobody" on a later registration of the series: their latest
        choice wins, on earlier evenings' directories too."""
        later, later_event = aliased(Registration), aliased(Event)
        return (
            select(later.id)
            .join(later_event, later_event.id == later.event_id)
            .where(
                func.lower(later.email) == func.lower(Registration.email),
                later_event.series_id == self.series.id,
                later_event.starts_at > self.event.starts_at,
                later.status != RegistrationStatus.CANCELLED,
                later.visibility == Visibility.NOBODY,
            )
            .exists()
        )

    def members(self) -> list[Registration]:
        return list(db.session.scalars(self._listed().order_by(*_BY_NAME)))

    def listing(self) -> list:
        """Everyone listed, by name, as rows of LISTED_COLUMNS. One evening's people (its
        capacity at most): read each time, an indexed query."""
        query = select(*LISTED_COLUMNS).where(self._listed().whereclause).order_by(*_BY_NAME)
        return [ListedRow(*row) for row in db.session.execute(query)]

    def lists(self, registration: Registration) -> bool:
        if registration.event_id != self.event.id or not came(registration):
            return False
        query = select(Registration.id).where(
            self._listed().whereclause, Registration.id == registration.id
        )
        return db.session.scalar(query) is not None

    def viewer_registration(self, viewer: Registration | None, now: datetime):
        """The viewer's registration that opens this directory (they came, it is open)."""
        if viewer is None or not directory_is_open(self.event, now):
            return None
        for registration in registrations_of(viewer, {self.series.id}):
            if registration.event_id == self.event.id and came(registration):
                return registration
        return None

    def near(self, latitude: float, longitude: float, radius_m: float) -> list[Nearby]:
        query = _box(self._listed(), latitude, longitude, radius_m)
        return _nearest_first(list(db.session.scalars(query)), latitude, longitude, radius_m)


class CommunityDirectory:
    """The series' community: everyone who came to one of its evenings and chose it."""

    kind = "community"

    def __init__(self, series: Series) -> None:
        self.series = series

    @property
    def slug(self) -> str:
        return self.series.slug

    def _is_card(self):
        """The rule, in SQL: the row is a person's community card when no later registration
        of theirs (not cancelled) in the series follows it, it says "community", and they
        came to one evening at least. Both lookups go through the lower(email) index."""
        later, later_event = aliased(Registration), aliased(Event)
        once, once_event = aliased(Registration), aliased(Event)
        superseded = (
            select(later.id)
            .join(later_event, later_event.id == later.event_id)
            .where(
                func.lower(later.email) == func.lower(Registration.email),
                later_event.series_id == self.series.id,
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
                once_event.series_id == self.series.id,
                once.status == RegistrationStatus.CONFIRMED,
                once.checked_in_at.is_not(None),
            )
            .exists()
        )
        return and_(
            Event.series_id == self.series.id,
            Registration.status != RegistrationStatus.CANCELLED,
            Registration.visibility == Visibility.COMMUNITY,
            ~superseded,
            came_once,
        )

    def cards_of(self, emails) -> list[Registration]:
        """The community cards of these people (by email, case aside), for those listed."""
        if not emails:
            return []
        wanted = [func.lower(literal(email)) for email in emails]
        query = (
            select(Registration)
            .join(Event, Event.id == Registration.event_id)
            .where(self._is_card(), func.lower(Registration.email).in_(wanted))
        )
        return list(db.session.scalars(query))

    def members(self) -> list[Registration]:
        return load([row.id for row in self.listing()])

    def listing(self) -> list:
        """Everyone listed, by name, as rows of LISTED_COLUMNS (cached while unchanged)."""
        # Every change of a row adds to the sum of revisions in its own transaction: the
        # version moves when it commits (timestamps could commit out of order).
        version = db.session.execute(
            select(
                func.count(Registration.id),
                func.coalesce(func.sum(Registration.revision), 0),
                func.max(Registration.id),
                func.max(Event.updated_at),
            )
            .join(Event, Event.id == Registration.event_id)
            .where(Event.series_id == self.series.id)
        ).one()
        return listing_cache.cached(("community", self.series.id), tuple(version), self._compute)

    def _compute(self) -> list:
        query = (
            select(*LISTED_COLUMNS)
            .join(Event, Event.id == Registration.event_id)
            .where(self._is_card())
            .order_by(*_BY_NAME)
        )
        return [ListedRow(*row) for row in db.session.execute(query)]

    def card_of(self, registration: Registration) -> Registration | None:
        """The person's community card (their latest registration), if they are listed."""
        cards = self.cards_of([registration.email])
        return cards[0] if cards else None

    def lists(self, registration: Registration) -> bool:
        card = self.card_of(registration)
        return card is not None and card.id == registration.id

    def viewer_registration(self, viewer: Registration | None, now: datetime):
        """Anyone who came to one of the series' evenings looks at the community."""
        if viewer is None:
            return None
        registrations = [r for r in registrations_of(viewer, {self.series.id}) if came(r)]
        return max(registrations, key=lambda r: r.event.starts_at) if registrations else None

    def near(self, latitude: float, longitude: float, radius_m: float) -> list[Nearby]:
        """Community members whose card's pin is within the radius: the candidates come
        from an indexed box over the series' rows, then each person's latest card decides."""
        query = _box(
            select(func.lower(Registration.email))
            .join(Event, Event.id == Registration.event_id)
            .where(
                Event.series_id == self.series.id,
                Registration.visibility == Visibility.COMMUNITY,
            ),
            latitude,
            longitude,
            radius_m,
        )
        emails = set(db.session.scalars(query))
        if not emails:
            return []
        cards = [r for r in self.cards_of(emails) if r.latitude is not None]
        return _nearest_first(cards, latitude, longitude, radius_m)
