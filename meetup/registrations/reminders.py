"""The reminder before an evening: the time, the place, the ticket and "I can't come: give my
seat" for those with a seat; "you are number N on the waitlist" for those waiting.

A periodic job of the worker (registered in meetup.registrations). It reminds, for each
published evening whose reminder time (the series' `reminder_hours` before it) has come,
those registered before that time; never for an evening over or cancelled, nor for one
published less than `reminder_hours` ahead (its confirmations are fresh enough). Each
registration is claimed by one conditional UPDATE of `reminded_at` under the evening's seat
lock, in the transaction that queues its email: two workers never remind anyone twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update

from meetup.events.models import Event, EventStatus, Series
from meetup.extensions import db
from meetup.registrations import emails, services
from meetup.registrations.models import Registration, RegistrationStatus
from meetup.timeutil import utcnow

#: The series' setting is at most a week.
LONGEST = timedelta(hours=168)


def due_events(now: datetime) -> list[int]:
    """Ids of the published evenings to come whose reminder time has come."""
    rows = db.session.execute(
        select(Event.id, Event.starts_at, Event.status_changed_at, Series.reminder_hours)
        .join(Series, Series.id == Event.series_id)
        .where(
            Event.status == EventStatus.PUBLISHED,
            Event.starts_at > now,
            Event.starts_at <= now + LONGEST,
            Series.reminder_hours > 0,
        )
        .order_by(Event.starts_at)
    ).all()
    due = []
    for event_id, starts_at, published_at, hours in rows:
        moment = starts_at - timedelta(hours=hours)
        if moment <= now and published_at <= moment:
            due.append(event_id)
    return due


def remind_event(event_id: int, now: datetime) -> int:
    """Queue the reminders of one evening not sent yet. Returns how many. Commits."""
    (locked,) = services.lock_seats([event_id])
    event = db.session.get(Event, event_id)
    if locked.status is not EventStatus.PUBLISHED or event.starts_at <= now:
        db.session.rollback()
        return 0
    moment = event.starts_at - timedelta(hours=event.series.reminder_hours)
    claimed = db.session.scalars(
        update(Registration)
        .where(
            Registration.event_id == event_id,
            Registration.status.in_([RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED]),
            Registration.erased_at.is_(None),
            Registration.reminded_at.is_(None),
            Registration.created_at <= moment,
        )
        .values(reminded_at=now, revision=Registration.revision + 1)
        .returning(Registration.id)
        .execution_options(synchronize_session=False)
    ).all()
    if not claimed:
        db.session.commit()
        return 0
    waiting = list(
        db.session.scalars(
            select(Registration.id)
            .where(
                Registration.event_id == event_id,
                Registration.status == RegistrationStatus.WAITLISTED,
            )
            .order_by(Registration.status_changed_at, Registration.id)
        )
    )
    for registration_id in sorted(claimed):
        registration = db.session.get(Registration, registration_id)
        token = services.new_personal_link(registration)
        if registration.status is RegistrationStatus.CONFIRMED:
            emails.queue_reminder(registration, token)
        else:
            emails.queue_reminder_waitlisted(
                registration, token, position=waiting.index(registration_id) + 1
            )
    db.session.commit()
    return len(claimed)


def send_due_reminders(now: datetime | None = None) -> int:
    """Every reminder due now, evening by evening. Returns how many were queued. Commits."""
    now = now or utcnow()
    ids = due_events(now)
    db.session.commit()  # the reads' transaction ends before the first lock
    return sum(remind_event(event_id, now) for event_id in ids)


def run_job() -> str | None:
    sent = send_due_reminders()
    return f"queued {sent} reminders" if sent else None
