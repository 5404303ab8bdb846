"""Retention: what is kept, and for how long (per series), applied by `flask privacy purge`
and daily by the worker. Idempotent: what is gone is not counted twice.

- The details of people who chose "nobody", who cancelled, or who stayed on the waitlist are
  erased `retention_nobody_days` after the evening (the row stays, anonymous, for counts).
  Those who still ask for the series' news keep what the news needs (their email, first
  name for the greeting, language, and the news consent with its history): the rest of
  their card goes; it all goes when they unsubscribe (at the next purge) or are erased.
- Arrival times become counts `retention_checkin_days` after the evening: the evening keeps how
  many came and walked in; each arrival time becomes the evening's start, the door's name goes.
- The door's record of scan requests (for retries during the evening) goes after 2 days.
- Emails delivered or failed go after MAIL_KEEP_DAYS (default 30), with their files.
- Introductions never answered go after 90 days (the question is stale; nothing was shared).
- When an office last moved in neighbour lists goes after 30 days (positions.WINDOW): only
  the limit on such moves reads it.
- An announcement's one-tap signup links go once their evening is over (they sign up for
  nothing any more); the unsubscribe links stay with the registration.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, or_, select, update

from meetup.checkin.models import CheckinRequest
from meetup.directory.models import Introduction, IntroductionStatus
from meetup.events.models import Event, Series
from meetup.extensions import db
from meetup.mail.models import OutboxMessage, OutboxStatus
from meetup.privacy.erasure import PERSONAL_FIELDS, _mail_files, wipe
from meetup.registrations import positions
from meetup.registrations.models import (
    CONSENT_FLAGS,
    LinkPurpose,
    OneTapLink,
    Registration,
    RegistrationStatus,
    Source,
    TicketQR,
    Visibility,
)
from meetup.scrub import scrub
from meetup.timeutil import utcnow

SCAN_RECORDS_KEPT = timedelta(days=2)
UNANSWERED_INTRODUCTIONS_KEPT = timedelta(days=90)


@dataclass
class PurgeReport:
    people_erased: int = 0
    evenings_summarised: int = 0
    scan_records: int = 0
    emails: int = 0
    introductions: int = 0
    signup_links: int = 0
    kept_for_news: int = 0
    details: list[str] = field(default_factory=list)

    @property
    def anything(self) -> bool:
        return any(
            (
                self.people_erased,
                self.evenings_summarised,
                self.scan_records,
                self.emails,
                self.introductions,
                self.signup_links,
                self.kept_for_news,
            )
        )

    def summary(self) -> str:
        return (
            f"people erased {self.people_erased}, evenings reduced to counts "
            f"{self.evenings_summarised}, door scan records {self.scan_records}, emails "
            f"{self.emails}, unanswered introductions {self.introductions}, spent signup "
            f"links {self.signup_links}, cards kept for the news only {self.kept_for_news}"
        )


def _not_needed(series: Series, now: datetime):
    """Registrations whose details the series no longer keeps."""
    cutoff = now - timedelta(days=series.retention_nobody_days)
    return (
        select(Registration)
        .join(Event, Event.id == Registration.event_id)
        .where(
            Event.series_id == series.id,
            Event.ends_at < cutoff,
            Registration.erased_at.is_(None),
            or_(
                Registration.visibility == Visibility.NOBODY,
                Registration.status != RegistrationStatus.CONFIRMED,
            ),
        )
    )


#: What a card kept for the news only still holds (besides email, language, news).
KEPT_FOR_NEWS = ("first_name",)


def _keep_for_news_only(registrations: list[Registration], now: datetime) -> None:
    """The card goes, the news stays: see the module's docstring."""
    ids = [r.id for r in registrations]
    for registration in registrations:
        for name in PERSONAL_FIELDS:
            if name not in KEPT_FOR_NEWS:
                setattr(registration, name, "")
        for name in CONSENT_FLAGS:
            if name != "news":
                setattr(registration, name, False)
        registration.send_to_geocoder()  # no address left: no pin
    db.session.execute(delete(TicketQR).where(TicketQR.registration_id.in_(ids)))
    db.session.execute(delete(CheckinRequest).where(CheckinRequest.registration_id.in_(ids)))
    db.session.execute(
        delete(Introduction).where(
            or_(Introduction.requester_id.in_(ids), Introduction.recipient_id.in_(ids))
        )
    )


def _to_summarise(series: Series, now: datetime):
    cutoff = now - timedelta(days=series.retention_checkin_days)
    return select(Event).where(
        Event.series_id == series.id,
        Event.ends_at < cutoff,
        Event.checkins_summarised_at.is_(None),
    )


def _summarise(event: Event, now: datetime) -> None:
    came = (Registration.event_id == event.id) & Registration.checked_in_at.is_not(None)
    event.came_count = db.session.scalar(select(func.count()).where(came))
    event.walk_in_count = db.session.scalar(
        select(func.count()).where(came, Registration.source == Source.WALK_IN)
    )
    db.session.execute(
        update(Registration)
        .where(came)
        .values(
            checked_in_at=event.starts_at,
            checked_in_door="",
            revision=Registration.revision + 1,
        )
        .execution_options(synchronize_session=False)
    )
    # A walk-in's registration was made at the door: its times are arrival times too.
    db.session.execute(
        update(Registration)
        .where(came, Registration.source == Source.WALK_IN)
        .values(created_at=event.starts_at, status_changed_at=event.starts_at)
        .execution_options(synchronize_session=False)
    )
    event.checkins_summarised_at = now


def purge(now: datetime | None = None, *, dry_run: bool = False) -> PurgeReport:
    """Apply every series' retention. With dry_run, count only. Commits unless dry_run."""
    now = now or utcnow()
    report = PurgeReport()
    for series in db.session.scalars(select(Series).order_by(Series.id)):
        due = list(db.session.scalars(_not_needed(series, now)))
        people = [r for r in due if not r.news]
        for_news = [
            r
            for r in due
            if r.news
            and any(getattr(r, name) for name in PERSONAL_FIELDS if name not in KEPT_FOR_NEWS)
        ]
        events = list(db.session.scalars(_to_summarise(series, now)))
        report.people_erased += len(people)
        report.kept_for_news += len(for_news)
        report.evenings_summarised += len(events)
        if people or events:
            report.details.append(f"{series.slug}: {len(people)} people, {len(events)} evenings")
        if dry_run:
            continue
        if for_news:
            _keep_for_news_only(for_news, now)
            db.session.commit()
        if people:
            # What an erasure removes goes too (their emails, QR matrices, geocoder answers…).
            wipe(people, now)
        for event in events:
            _summarise(event, now)
    old_scans = CheckinRequest.created_at < now - SCAN_RECORDS_KEPT
    report.scan_records = db.session.scalar(select(func.count()).where(old_scans))
    keep_mail = timedelta(days=current_app.config["MAIL_KEEP_DAYS"])
    old_mail = OutboxMessage.status.in_((OutboxStatus.SENT, OutboxStatus.FAILED)) & (
        OutboxMessage.created_at < now - keep_mail
    )
    mail_ids = list(db.session.scalars(select(OutboxMessage.id).where(old_mail)))
    report.emails = len(mail_ids)
    stale = (Introduction.status == IntroductionStatus.PENDING) & (
        Introduction.created_at < now - UNANSWERED_INTRODUCTIONS_KEPT
    )
    report.introductions = db.session.scalar(select(func.count()).where(stale))
    spent = (OneTapLink.purpose == LinkPurpose.SIGNUP) & OneTapLink.event_id.in_(
        select(Event.id).where(Event.ends_at < now)
    )
    report.signup_links = db.session.scalar(select(func.count()).where(spent))
    if dry_run:
        db.session.rollback()
        return report
    files = _mail_files(mail_ids)
    db.session.execute(delete(CheckinRequest).where(old_scans))
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(mail_ids)))
    db.session.execute(delete(Introduction).where(stale))
    db.session.execute(delete(OneTapLink).where(spent))
    positions.forget_before(now - positions.WINDOW)
    db.session.commit()
    for path in files:
        path.unlink(missing_ok=True)
    scrub()
    return report


def purge_job() -> str | None:
    """For the worker (meetup.jobs, once a day across all workers)."""
    report = purge()
    return report.summary() if report.anything else None
