"""The rows the figures are made of: four queries for a whole series, whatever its size
(counts per evening in SQL; one row per person who came; the introductions' dates)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, select

from meetup.directory.models import Introduction, IntroductionStatus
from meetup.events.models import Event, EventStatus, Series
from meetup.extensions import db
from meetup.impact.figures import Attendance, Evening, EveningCounts, IntroductionRow
from meetup.registrations.models import Registration, RegistrationStatus, Source


def evenings(series: Series, now: datetime) -> list[Evening]:
    """The series' published evenings that have started (cancelled and drafts never count)."""
    rows = db.session.execute(
        select(Event)
        .where(
            Event.series_id == series.id,
            Event.status == EventStatus.PUBLISHED,
            Event.starts_at <= now,
        )
        .order_by(Event.starts_at, Event.id)
    ).scalars()
    return [Evening(e.id, e.starts_at, e.ends_at, e.one_line_title) for e in rows]


def _of_series(series: Series):
    return (
        select(Event.id)
        .where(Event.series_id == series.id, Event.status == EventStatus.PUBLISHED)
        .scalar_subquery()
    )


def counts(series: Series) -> list[EveningCounts]:
    came = Registration.checked_in_at.is_not(None)
    total = lambda condition: func.coalesce(func.sum(case((condition, 1), else_=0)), 0)  # noqa: E731
    rows = db.session.execute(
        select(
            Registration.event_id,
            total(came),
            total(came & (Registration.source == Source.WALK_IN)),
            total(~came & (Registration.status == RegistrationStatus.CONFIRMED)),
        )
        .where(Registration.event_id.in_(_of_series(series)))
        .group_by(Registration.event_id)
    )
    return [EveningCounts(*row) for row in rows]


def attendances(series: Series) -> list[Attendance]:
    """One row per person who came to one of the series' evenings."""
    rows = db.session.execute(
        select(
            Registration.event_id,
            case((Registration.erased_at.is_(None), func.lower(Registration.email))),
            Registration.sector,
            Registration.near_latitude,
            Registration.near_longitude,
            Registration.postcode,
            Registration.city,
        ).where(
            Registration.event_id.in_(_of_series(series)),
            Registration.checked_in_at.is_not(None),
        )
    )
    return [Attendance(*row) for row in rows]


def introductions(series: Series) -> list[IntroductionRow]:
    rows = db.session.execute(
        select(Introduction.created_at, Introduction.status)
        .join(Registration, Registration.id == Introduction.requester_id)
        .where(Registration.event_id.in_(_of_series(series)))
    )
    return [
        IntroductionRow(created_at, status == IntroductionStatus.ACCEPTED)
        for created_at, status in rows
    ]
