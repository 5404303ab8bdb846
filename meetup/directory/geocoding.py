"""Offices on the map: addresses typed at signup are geocoded later, by the worker, never
inside a request.

The geocoder is chosen by the GEOCODER setting (README: `ban`, `nominatim` or `none`) and
reached through geopy. Each normalised address is looked up once (GeocodeCacheEntry); a
geocoder that cannot be reached leaves the address pending, tried again with a backoff.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import ColumnElement, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from meetup.directory import pacing
from meetup.directory.models import GeocodeAnswer, GeocodeCacheEntry, GeocodeLookup
from meetup.extensions import db
from meetup.registrations import positions
from meetup.registrations.models import LocationStatus, Registration
from meetup.textfold import folded
from meetup.timeutil import utcnow
from meetup.writelock import end_reads, first_write

#: Backoff after the n-th failed call about an address: 1, 2, 4 … minutes, at most 6 hours.
MAX_BACKOFF = timedelta(hours=6)
#: While the geocoder is down, an address waits at most this long between tries.
OUTAGE_BACKOFF = timedelta(minutes=30)


@dataclass(frozen=True)
class Point:
    latitude: float
    longitude: float


class GeocoderUnavailable(Exception):
    """The geocoder could not answer (unreachable, timeout, error page): try again later.
    `about_the_address`: it refused this address in particular (a query error, an answer it
    could not give), rather than being down."""

    def __init__(self, message: str, *, about_the_address: bool = False) -> None:
        super().__init__(message)
        self.about_the_address = about_the_address


#: Looks an address up: a Point, None when the geocoder does not know it, or raises
#: GeocoderUnavailable.
Lookup = Callable[[str], Point | None]


def normalised_address(street: str, postcode: str, city: str) -> str:
    """'12, Rue de l'Église ' + '38200' + 'VIENNE' -> '12 rue de l eglise 38200 vienne'."""
    text = folded(" ".join((street, postcode, city)))
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def address_key(provider: str, street: str, postcode: str, city: str) -> str:
    text = f"{provider}|{normalised_address(street, postcode, city)}"
    return hashlib.sha256(text.encode()).hexdigest()


def query_text(registration: Registration) -> str:
    return ", ".join(
        part
        for part in (registration.street, f"{registration.postcode} {registration.city}".strip())
        if part
    )


# -- the geocoders --------------------------------------------------------------------------


def _domain_and_scheme(url: str, default_domain: str) -> tuple[str, str]:
    if not url:
        return default_domain, "https"
    parts = urlsplit(url if "://" in url else "https://" + url)
    return parts.netloc + parts.path.rstrip("/"), parts.scheme or "https"


def make_lookup(config) -> Lookup | None:
    """The configured geocoder as a Lookup, or None when GEOCODER is 'none'."""
    provider = config["GEOCODER"]
    timeout = config["GEOCODER_TIMEOUT"]
    if provider == "none":
        return None
    # geopy (and the requests it brings) is imported here, when a lookup is made, not in every
    # web worker: 11 MB that only geocoding needs.
    from geopy.geocoders import BANFrance, Nominatim

    if provider == "ban":
        domain, scheme = _domain_and_scheme(config["GEOCODER_URL"], "api-adresse.data.gouv.fr")
        geocoder = BANFrance(domain=domain, scheme=scheme, timeout=timeout)
        min_score = config["GEOCODER_MIN_SCORE"]

        def ban(query: str) -> Point | None:
            location = _call(geocoder.geocode, query, exactly_one=True)
            if location is None:
                return None
            properties = location.raw.get("properties") or {}
            # A town's centre is not an office; a low score is another street (Addok always
            # answers something for a known town).
            if properties.get("type") == "municipality":
                return None
            if properties.get("score", 1.0) < min_score:
                return None
            return Point(location.latitude, location.longitude)

        return ban
    if provider == "nominatim":
        domain, scheme = _domain_and_scheme(config["GEOCODER_URL"], "nominatim.openstreetmap.org")
        geocoder = Nominatim(
            domain=domain,
            scheme=scheme,
            timeout=timeout,
            user_agent=config["GEOCODER_USER_AGENT"],
        )
        # Its usage policy (one request a second) is kept across workers: min_interval.

        def nominatim(query: str) -> Point | None:
            location = _call(geocoder.geocode, query, exactly_one=True)
            if location is None:
                return None
            # A town, a postcode area or a region is not an office.
            if (location.raw.get("addresstype") or location.raw.get("type")) in AREAS:
                return None
            return Point(location.latitude, location.longitude)

        return nominatim
    raise ValueError(f"GEOCODER must be ban, nominatim or none, not {provider!r}")


#: Nominatim answers that name an area rather than a building or a street.
AREAS = frozenset(
    {
        "city",
        "town",
        "village",
        "hamlet",
        "municipality",
        "county",
        "state",
        "region",
        "country",
        "postcode",
        "administrative",
        "suburb",
    }
)


def _call(function, *args, **kwargs):
    from geopy.exc import GeocoderParseError, GeocoderQueryError, GeocoderServiceError, GeopyError

    try:
        return function(*args, **kwargs)
    except (GeocoderQueryError, GeocoderParseError) as error:
        raise GeocoderUnavailable(type(error).__name__, about_the_address=True) from error
    except (GeocoderServiceError, GeopyError, OSError) as error:
        raise GeocoderUnavailable(type(error).__name__) from error


def configured_lookup() -> Lookup | None:
    return make_lookup(current_app.config)


def round_settings(config) -> dict:
    """geocode_due's settings from the app's (the worker's rounds, `geo backfill`)."""
    return {
        "provider": config["GEOCODER"],
        "max_attempts": config["GEOCODE_MAX_ATTEMPTS"],
        "interval": min_interval(config),
        # Longer than a call can take, turns waited for included.
        "lookup_hold": timedelta(seconds=2 * config["GEOCODER_TIMEOUT"] + 60),
    }


def min_interval(config) -> float:
    """Seconds between two calls to the geocoder, from every worker together: its usage
    policy (Nominatim's public servers: one a second, with a tenth of margin for the
    network; BAN's: 50 a second), nothing for a geocoder of the club's own (GEOCODER_URL),
    unless GEOCODER_MIN_INTERVAL says otherwise."""
    if config.get("GEOCODER_MIN_INTERVAL") is not None:
        return float(config["GEOCODER_MIN_INTERVAL"])
    if config["GEOCODER_URL"]:
        return 0.0
    return {"nominatim": 1.1, "ban": 0.02}.get(config["GEOCODER"], 0.0)


def provider_name() -> str:
    return current_app.config["GEOCODER"]


# -- the worker's step ----------------------------------------------------------------------


@dataclass
class GeocodeReport:
    found: int = 0
    not_found: int = 0
    #: Calls that failed; their addresses stay pending (or, after too many, failed).
    failed_calls: int = 0
    gave_up: int = 0
    from_cache: int = 0
    #: The round stopped because the geocoder could not be reached.
    outage: bool = False
    errors: list[str] = field(default_factory=list)

    @property
    def done(self) -> int:
        return self.found + self.not_found + self.gave_up

    def summary(self) -> str:
        text = (
            f"found {self.found} ({self.from_cache} from the cache), not found "
            f"{self.not_found}, failed calls {self.failed_calls}, given up {self.gave_up}"
        )
        if self.errors:
            text += f" ({self.errors[-1]})"
        return text


#: How long a worker holds the addresses it took for a round (then another may take them).
ROUND_HOLD = timedelta(minutes=5)
#: How long an address waits when another worker is asking about it right now.
ASKED_ELSEWHERE_WAIT = timedelta(seconds=15)


def _due(now: datetime, ignore_backoff: bool) -> ColumnElement[bool]:
    due = or_(Registration.geocode_after.is_(None), Registration.geocode_after <= now)
    if ignore_backoff:  # a backoff after failed calls, not a worker's hold (no attempt made)
        due = or_(due, Registration.geocode_attempts > 0)
    return (Registration.location_status == LocationStatus.PENDING) & due


def claim_due(now: datetime, limit: int, *, ignore_backoff: bool = False) -> list[Registration]:
    """Take up to `limit` pending addresses that are due, for this worker's round: one
    statement moves their geocode_after to now + ROUND_HOLD, so that no other worker takes
    them meanwhile (and a worker that dies frees them by itself). Commits."""
    chosen = select(Registration.id).where(_due(now, ignore_backoff))
    chosen = chosen.order_by(Registration.id).limit(limit)
    if db.session.get_bind().dialect.name == "postgresql":
        # As the mail claim: skip rows another worker is taking, chosen once (MATERIALIZED).
        chosen = select(
            chosen.with_for_update(skip_locked=True).cte("due").prefix_with("MATERIALIZED")
        )
    end_reads()
    ids = (
        first_write(
            update(Registration)
            .where(Registration.id.in_(chosen), _due(now, ignore_backoff))
            .values(geocode_after=now + ROUND_HOLD)
            .returning(Registration.id)
            .execution_options(synchronize_session=False)
        )
        .scalars()
        .all()
    )
    db.session.commit()
    if not ids:
        return []
    query = select(Registration).where(Registration.id.in_(ids)).order_by(Registration.id)
    return list(db.session.scalars(query.execution_options(populate_existing=True)))


def _claim_lookup(key: str, now: datetime, hold: timedelta) -> bool:
    """This worker asks the geocoder about the address `key`, unless another is doing so
    right now (its claim not yet run out). Commits."""
    insert = (
        postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    )
    statement = insert(GeocodeLookup).values(key=key, held_until=now + hold)
    statement = statement.on_conflict_do_update(
        index_elements=[GeocodeLookup.key],
        set_={"held_until": statement.excluded.held_until},
        where=GeocodeLookup.held_until < now,
    ).returning(GeocodeLookup.key)  # a row only when inserted or taken over (not rowcount:
    # psycopg reports none for an upsert)
    end_reads()
    claimed = first_write(statement).first() is not None
    db.session.commit()
    return claimed


def _release_lookup(key: str) -> None:
    """The first write of its transaction: the address is free for others to ask about."""
    first_write(delete(GeocodeLookup).where(GeocodeLookup.key == key))


def pending_count() -> int:
    return db.session.scalar(
        select(db.func.count())
        .select_from(Registration)
        .where(Registration.location_status == LocationStatus.PENDING)
    )


@dataclass(frozen=True)
class _Task:
    registration_id: int
    street: str
    postcode: str
    city: str
    attempts: int
    key: str
    query: str


def _tasks(registrations: list[Registration], provider: str) -> list[_Task]:
    return [
        _Task(
            r.id,
            r.street,
            r.postcode,
            r.city,
            r.geocode_attempts,
            address_key(provider, r.street, r.postcode, r.city),
            query_text(r),
        )
        for r in registrations
    ]


def _settle(task: _Task, values: dict, *, first: bool = False) -> bool:
    """Write the outcome only if the address is still the one looked up and still pending
    (the person may have edited it, placed their pin or been erased meanwhile). `first`:
    the first write of its transaction (meetup.writelock)."""
    statement = (
        update(Registration)
        .where(
            Registration.id == task.registration_id,
            Registration.location_status == LocationStatus.PENDING,
            Registration.street == task.street,
            Registration.postcode == task.postcode,
            Registration.city == task.city,
        )
        .values(**values, revision=Registration.revision + 1)
        .execution_options(synchronize_session=False)
    )
    result = first_write(statement) if first else db.session.execute(statement)
    return result.rowcount == 1


def _follow_pin(task: _Task, now: datetime) -> None:
    """The pin just written (a Core UPDATE, which the ORM's flush does not see) goes to the
    neighbour lists by their rule (meetup.registrations.positions)."""
    registration = db.session.get(Registration, task.registration_id, populate_existing=True)
    if registration is not None:
        positions.follow(db.session, registration, now)
        db.session.flush()


def _remember(key: str, point: Point | None, now: datetime) -> None:
    entry = GeocodeCacheEntry(
        key=key,
        answer=GeocodeAnswer.FOUND if point else GeocodeAnswer.NOT_FOUND,
        latitude=point.latitude if point else None,
        longitude=point.longitude if point else None,
        created_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(entry)
    except IntegrityError:  # another worker answered the same address meanwhile
        pass


def _outcome(point: Point | None) -> dict:
    if point is None:
        return {
            "location_status": LocationStatus.NOT_FOUND,
            "latitude": None,
            "longitude": None,
            "geocode_after": None,
        }
    return {
        "location_status": LocationStatus.FOUND,
        "latitude": point.latitude,
        "longitude": point.longitude,
        "geocode_after": None,
    }


def geocode_due(
    lookup: Lookup,
    *,
    provider: str,
    limit: int = 20,
    now: datetime | None = None,
    max_attempts: int = 8,
    ignore_backoff: bool = False,
    interval: float = 0.0,
    lookup_hold: timedelta = timedelta(minutes=2),
) -> GeocodeReport:
    """One round: the pending addresses that are due, taken for this worker (claim_due),
    from the cache or the geocoder; each address is asked about by one worker at a time
    (the others wait for its answer), and calls are `interval` seconds apart across all
    workers (meetup.directory.pacing). No transaction is open while the geocoder is asked.
    Stops at the first unreachable answer (the rest wait for the next round). Commits."""
    now = now or utcnow()
    report = GeocodeReport()
    tasks = _tasks(claim_due(now, limit, ignore_backoff=ignore_backoff), provider)
    cached = _cached({t.key for t in tasks})
    db.session.commit()  # nothing held while the geocoder thinks
    for n, task in enumerate(tasks):
        entry = cached.get(task.key)
        claimed = False
        if entry is None:
            if not _claim_lookup(task.key, now, lookup_hold):
                # Another worker is asking about this very address: its answer will be in
                # the cache by the next round.
                _settle(task, {"geocode_after": now + ASKED_ELSEWHERE_WAIT}, first=True)
                db.session.commit()
                continue
            claimed = True
            # Answered between this round's read of the cache and the claim?
            entry = _cached({task.key}).get(task.key)
            end_reads(expire=False)
        if entry is not None:
            if claimed:
                _release_lookup(task.key)
            point = (
                Point(entry.latitude, entry.longitude)
                if entry.answer is GeocodeAnswer.FOUND
                else None
            )
            report.from_cache += 1
            if _settle(task, _outcome(point), first=not claimed):
                _follow_pin(task, now)
        else:
            try:
                pacing.wait_for_turn(provider, interval)
                point = lookup(task.query)
            except GeocoderUnavailable as error:
                report.failed_calls += 1
                report.errors.append(str(error))
                _release_lookup(task.key)
                _give_up_or_wait(task, now, max_attempts, report, error.about_the_address)
                db.session.commit()
                if error.about_the_address:
                    continue  # this address only: the others go on
                report.outage = True
                # The geocoder is down: nobody hammers it; the rest of the round is free to
                # be taken again, with no attempt counted against it.
                _hand_back(tasks[n + 1 :])
                break
            _release_lookup(task.key)
            if _settle(task, _outcome(point)):
                _follow_pin(task, now)
                # Kept only for an address someone still has (not one erased meanwhile).
                _remember(task.key, point, now)
                cached[task.key] = GeocodeCacheEntry(
                    key=task.key,
                    answer=GeocodeAnswer.FOUND if point else GeocodeAnswer.NOT_FOUND,
                    latitude=point.latitude if point else None,
                    longitude=point.longitude if point else None,
                )
        db.session.commit()
        if point is None:
            report.not_found += 1
        else:
            report.found += 1
    return report


def _cached(keys: set[str]) -> dict[str, GeocodeCacheEntry]:
    if not keys:
        return {}
    query = select(GeocodeCacheEntry).where(GeocodeCacheEntry.key.in_(keys))
    return {
        entry.key: entry
        for entry in db.session.scalars(query.execution_options(populate_existing=True))
    }


def _hand_back(tasks: list[_Task]) -> None:
    """Addresses taken for a round that ended early: due again at once."""
    if not tasks:
        return
    end_reads()
    first_write(
        update(Registration)
        .where(
            Registration.id.in_([t.registration_id for t in tasks]),
            Registration.location_status == LocationStatus.PENDING,
        )
        .values(geocode_after=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _give_up_or_wait(
    task: _Task, now: datetime, max_attempts: int, report: GeocodeReport, about_the_address: bool
):
    """An address the geocoder refuses is given up after max_attempts; while the geocoder
    is down, addresses only wait (at most OUTAGE_BACKOFF), to resolve once it is back."""
    attempts = task.attempts + 1
    if not about_the_address:
        wait = min(timedelta(minutes=2 ** (attempts - 1)), OUTAGE_BACKOFF)
        _settle(task, {"geocode_attempts": attempts, "geocode_after": now + wait})
        return
    if attempts >= max_attempts:
        report.gave_up += 1
        _settle(
            task,
            {
                "location_status": LocationStatus.FAILED,
                "geocode_attempts": attempts,
                "geocode_after": None,
            },
        )
    else:
        wait = min(timedelta(minutes=2 ** (attempts - 1)), MAX_BACKOFF)
        _settle(task, {"geocode_attempts": attempts, "geocode_after": now + wait})


def forget_answer(registration: Registration) -> None:
    """Forget what the geocoder said about this registration's address."""
    key = address_key(
        provider_name(), registration.street, registration.postcode, registration.city
    )
    db.session.execute(db.delete(GeocodeCacheEntry).where(GeocodeCacheEntry.key == key))


def requeue(statuses: tuple[LocationStatus, ...]) -> int:
    """Send addresses in these states back to the geocoder (`geo backfill --retry`), the
    cache's negative answers for them forgotten. Commits."""
    rows = list(
        db.session.scalars(select(Registration).where(Registration.location_status.in_(statuses)))
    )
    provider = provider_name()
    keys = {address_key(provider, r.street, r.postcode, r.city) for r in rows}
    if keys:
        db.session.execute(
            db.delete(GeocodeCacheEntry).where(
                GeocodeCacheEntry.key.in_(keys),
                GeocodeCacheEntry.answer == GeocodeAnswer.NOT_FOUND,
            )
        )
    for registration in rows:
        registration.location_status = LocationStatus.PENDING
        registration.geocode_attempts = 0
        registration.geocode_after = None
    db.session.commit()
    return len(rows)


def backfill(lookup: Lookup, *, batch: int = 50, **settings) -> Iterator[GeocodeReport]:
    """Everything pending, batch after batch, backoff ignored (an organiser asked for it
    now); yields each batch's report. Stops when a batch makes no progress. `settings`:
    geocode_due's (round_settings)."""
    while True:
        report = geocode_due(lookup, limit=batch, ignore_backoff=True, **settings)
        yield report
        if report.done == 0:
            return
