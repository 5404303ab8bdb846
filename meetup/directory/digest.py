"""The neighbourhood digest: once a month, to each community member who asked for the series'
news, the people new to the community who work within the series' radius of them since their
last digest, and the next evening with its one-tap signup. Nobody gets one with neither.

When: from the series' `digest_day` of each month, 09:00 in its time zone, for a week (a
worker down on the day catches up; a series turned on later starts the month after). Who:
the members of the community directory (their card: latest registration, "community", came
once) who still ask for the series' news and were members before that moment (a newcomer
of the 20th waits for next month: the evening's directory email told them who came). Each person is claimed by one row (Digest,
unique per series, month and person), inserted in the transaction that queues their email:
any number of workers, on SQLite or PostgreSQL, send one each.

New: came to a first evening of the series (their first check-in) after the recipient's last
digest (a first digest: the month before its moment). Near and visible: exactly what the
community directory's page shows them (people.neighbours: the same settled pins, radius and
consents); distances as that page words them. Someone who chose not to be seen is not a
card, so never in it; the composer asks again when the email is written out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite

from meetup.directory import people
from meetup.directory.models import Digest, DigestStatus
from meetup.directory.queries import CommunityDirectory, Nearby
from meetup.events.models import Event, EventStatus, Series
from meetup.events.services import SignupState, signup_state
from meetup.extensions import db
from meetup.registrations.models import Registration, RegistrationStatus
from meetup.registrations.tokens import hash_token
from meetup.timeutil import utcnow
from meetup.writelock import end_reads, first_write

#: The digest goes from its day, at this hour in the series' time zone.
HOUR = 9
#: Days of the month a series may choose (every month has them).
DAYS = range(1, 29)
#: A digest whose moment passed less than this ago still goes (a worker down on the day);
#: a series turned on later in the month starts the month after.
CATCH_UP = timedelta(days=7)
#: A person's rows are kept this long (only the last one sent is read).
KEPT = timedelta(days=400)


# -- when -----------------------------------------------------------------------------------


def period_of(series: Series, now: datetime) -> str:
    """The month `now` is in, in the series' time zone: "2026-12"."""
    local = now.astimezone(series.zone)
    return f"{local.year:04d}-{local.month:02d}"


def moment(series: Series, period: str, day: int | None = None) -> datetime:
    """When the digest of `period` goes (UTC)."""
    year, month = (int(part) for part in period.split("-"))
    local = datetime(year, month, day or series.digest_day, HOUR, tzinfo=series.zone)
    return local.astimezone(UTC)


def _shift(period: str, months: int) -> str:
    year, month = (int(part) for part in period.split("-"))
    index = year * 12 + month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def due_moment(series: Series, now: datetime) -> datetime | None:
    """This month's moment, if the digest is on and the moment has come, less than CATCH_UP
    ago."""
    if not series.digest_enabled:
        return None
    at = moment(series, period_of(series, now))
    return at if at <= now < at + CATCH_UP else None


def next_moment(series: Series, now: datetime) -> datetime | None:
    """When the next digest goes (None: turned off): this month's moment unless it went or
    is too far past, else next month's; `now` when due (the worker's next round)."""
    if not series.digest_enabled:
        return None
    period = period_of(series, now)
    at = moment(series, period)
    if now >= at + CATCH_UP or _done_before(series.id, period):
        return moment(series, _shift(period, 1))
    return max(at, now)


def _done_before(series_id: int, period: str) -> bool:
    query = select(Digest.id).where(Digest.series_id == series_id, Digest.period == period)
    return db.session.scalar(query.limit(1)) is not None


# -- what each person gets ------------------------------------------------------------------


def person_key(email: str) -> str:
    """How digests know a person: their address, lowercased, hashed."""
    return hash_token(email.strip().lower())


def next_evening(series: Series, now: datetime) -> Event | None:
    """The series' next published evening not begun yet."""
    return db.session.scalar(
        select(Event)
        .where(
            Event.series_id == series.id,
            Event.status == EventStatus.PUBLISHED,
            Event.starts_at > now,
        )
        .order_by(Event.starts_at, Event.id)
        .limit(1)
    )


def joined(series_id: int, emails) -> dict[str, datetime]:
    """When each of these people (lowercased address) first came to one of the series'
    evenings: their first check-in (retention turns old ones into the evening's start)."""
    wanted = sorted({email.lower() for email in emails})
    if not wanted:
        return {}
    rows = db.session.execute(
        select(func.lower(Registration.email), func.min(Registration.checked_in_at))
        .join(Event, Event.id == Registration.event_id)
        .where(
            Event.series_id == series_id,
            Registration.status == RegistrationStatus.CONFIRMED,
            Registration.checked_in_at.is_not(None),
            Registration.erased_at.is_(None),
            func.lower(Registration.email).in_(wanted),
        )
        .group_by(func.lower(Registration.email))
    )
    return dict(rows.all())


def last_sent(series_id: int, person: str) -> datetime | None:
    return db.session.scalar(
        select(func.max(Digest.created_at)).where(
            Digest.series_id == series_id,
            Digest.person == person,
            Digest.status == DigestStatus.SENT,
        )
    )


def registration_for(event: Event, email: str) -> RegistrationStatus | None:
    """How this address is registered for `event`, if it is (cancelled included: that was a
    choice, as for the announcement; no button to undo it)."""
    return db.session.scalar(
        select(Registration.status).where(
            Registration.event_id == event.id,
            func.lower(Registration.email) == email.strip().lower(),
        )
    )


@dataclass
class Plan:
    """One person's digest."""

    card: Registration
    #: New neighbours, nearest first, as the community directory measures them.
    newcomers: list[Nearby]
    #: The next evening, and whether to offer its one-tap signup.
    event: Event | None
    signup: bool

    @property
    def worth_sending(self) -> bool:
        return bool(self.newcomers) or self.event is not None


def new_neighbours(
    directory: CommunityDirectory, card: Registration, since: datetime, now: datetime
) -> list[Nearby]:
    """The community's members near `card` who came first after `since`: only if `card`'s
    person may look at the community (the page's own rule), from their card's pin."""
    if directory.viewer_registration(card, now) is None:
        return []
    near = people.neighbours(directory, directory.card_of_viewer(card))
    first = joined(directory.series.id, [n.registration.email for n in near])
    return [n for n in near if since < first.get(n.registration.email.lower(), since) <= now]


def plan(
    directory: CommunityDirectory,
    card: Registration,
    event: Event | None,
    now: datetime,
    default_since: datetime,
) -> Plan:
    since = last_sent(directory.series.id, person_key(card.email)) or default_since
    offered = event is not None and registration_for(event, card.email) is None
    return Plan(
        card=card,
        newcomers=new_neighbours(directory, card, since, now),
        event=event,
        signup=offered and signup_state(event, now) == SignupState.OPEN,
    )


# -- sending --------------------------------------------------------------------------------


@dataclass
class Report:
    sent: int = 0
    nothing: int = 0

    def summary(self) -> str:
        return f"{self.sent} neighbourhood digests queued, {self.nothing} with nothing to tell"


def recipients(series: Series, period: str, at: datetime) -> list[int]:
    """Ids of the cards that get this month's digest and have not had it: members who ask
    for the news and were members before its moment."""
    directory = CommunityDirectory(series)
    done = set(
        db.session.scalars(
            select(Digest.person).where(Digest.series_id == series.id, Digest.period == period)
        )
    )
    cards = [
        card
        for card in directory.members()
        if card.news and card.erased_at is None and person_key(card.email) not in done
    ]
    first = joined(series.id, [card.email for card in cards])
    return [card.id for card in cards if first.get(card.email.lower(), at) < at]


def _claim(series_id: int, period: str, found: Plan, now: datetime) -> bool:
    """The person's row for the month, unless another worker has it. After reads: on
    SQLite their transaction ends first (first_write's rule)."""
    end_reads(expire=False)
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    values = {
        "series_id": series_id,
        "period": period,
        "person": person_key(found.card.email),
        "registration_id": found.card.id,
        "status": (DigestStatus.SENT if found.worth_sending else DigestStatus.NOTHING).value,
        "people": len(found.newcomers),
        "event_id": found.event.id if found.event is not None and found.worth_sending else None,
        "created_at": now,
    }
    statement = insert(Digest).values(**values).on_conflict_do_nothing().returning(Digest.id)
    return first_write(statement).scalar() is not None


def send_series(series_id: int, now: datetime | None = None) -> Report:
    """This month's digests of one series not sent yet, each claimed, queued and committed
    on its own. Commits."""
    from meetup.directory import digest_mail  # its composer needs this module

    now = now or utcnow()
    report = Report()
    series = db.session.get(Series, series_id)
    at = due_moment(series, now) if series is not None else None
    if at is None:
        db.session.rollback()
        return report
    period = period_of(series, now)
    default_since = moment(series, _shift(period, -1))
    for card_id in recipients(series, period, at):
        series = db.session.get(Series, series_id)
        card = db.session.get(Registration, card_id)
        if series is None or card is None or card.erased_at is not None:
            db.session.rollback()
            continue
        found = plan(
            CommunityDirectory(series), card, next_evening(series, now), now, default_since
        )
        if not _claim(series_id, period, found, now):
            db.session.rollback()  # another worker has them
            continue
        if found.worth_sending:
            digest_mail.queue_digest(found)
            report.sent += 1
        else:
            report.nothing += 1
        db.session.commit()
    return report


def forget_old(now: datetime) -> None:
    """Rows older than KEPT go (a last digest that old counts as none). Commits."""
    end_reads()
    first_write(delete(Digest).where(Digest.created_at < now - KEPT))
    db.session.commit()


def send_due(now: datetime | None = None) -> Report:
    """Every series' digests due now. Commits."""
    now = now or utcnow()
    ids = db.session.scalars(select(Series.id).where(Series.digest_enabled.is_(True))).all()
    db.session.commit()
    report = Report()
    for series_id in ids:
        one = send_series(series_id, now)
        report.sent += one.sent
        report.nothing += one.nothing
    forget_old(now)
    return report


def run_job() -> str | None:
    report = send_due()
    return report.summary() if report.sent or report.nothing else None


# -- what the organisers see ----------------------------------------------------------------


@dataclass(frozen=True)
class Status:
    #: When the last digest went, and how many people it reached (None: never).
    last_at: datetime | None
    reached: int
    #: When the next goes (None: turned off).
    next_at: datetime | None
    #: Who would hear now: members who ask for the series' news.
    audience: int


def status(series: Series, now: datetime | None = None) -> Status:
    now = now or utcnow()
    last = db.session.execute(
        select(Digest.period, func.max(Digest.created_at), func.count())
        .where(Digest.series_id == series.id, Digest.status == DigestStatus.SENT)
        .group_by(Digest.period)
        .order_by(Digest.period.desc())
        .limit(1)
    ).first()
    audience = sum(1 for card in CommunityDirectory(series).members() if card.news)
    return Status(
        last_at=last[1] if last else None,
        reached=last[2] if last else 0,
        next_at=next_moment(series, now),
        audience=audience,
    )


class InvalidSettings(ValueError):
    pass


def update_settings(series: Series, *, enabled: bool, day: int) -> None:
    """Turn the digest on or off and set its day (1–28). Commits."""
    if day not in DAYS:
        raise InvalidSettings(day)
    series.digest_enabled = enabled
    series.digest_day = day
    db.session.commit()
