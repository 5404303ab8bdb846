"""The organisers write to a group of an evening's people: those with a seat, the waitlist,
everyone registered, and after the evening those who came or had a seat and did not.

One Campaign row holds the text; the outbox holds one draft per person (composed in their
language by the worker), spread out so that the organisers' messages together go out at
most MAIL_CAMPAIGN_PER_MINUTE a minute. Replies go to the series' contact address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import render_template
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from meetup.auth.models import User
from meetup.events.models import Event
from meetup.extensions import db
from meetup.links import absolute_url
from meetup.mail.models import SEGMENT_LABELS, Campaign, OutboxMessage
from meetup.mail.services import (
    Content,
    campaign_interval,
    campaign_start,
    composer,
    contact_line,
    queue_draft,
)
from meetup.registrations.models import Registration, RegistrationStatus
from meetup.timeutil import utcnow

KIND = "campaign"
_SEAT_OR_WAITLIST = (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED)
#: Who is in each segment (erased people are in none).
_SEGMENTS = {
    "confirmed": (Registration.status == RegistrationStatus.CONFIRMED,),
    "waitlisted": (Registration.status == RegistrationStatus.WAITLISTED,),
    "registered": (Registration.status.in_(_SEAT_OR_WAITLIST),),
    "came": (Registration.checked_in_at.is_not(None),),
    "no_show": (
        Registration.status == RegistrationStatus.CONFIRMED,
        Registration.checked_in_at.is_(None),
    ),
}
#: Segments that mean something only once the evening has begun.
AFTER_THE_EVENING = ("came", "no_show")


class NobodyToWrite(Exception):
    """The segment is empty (or not offered yet): nothing is sent."""


class AlreadySent(Exception):
    """The same form was sent before (a double click, a reload): not sent twice."""


def segments(event: Event, now: datetime | None = None) -> list[str]:
    """The segments offered for `event` now: who came only once it has begun."""
    now = now or utcnow()
    if event.starts_at <= now:
        return list(SEGMENT_LABELS)
    return [key for key in SEGMENT_LABELS if key not in AFTER_THE_EVENING]


def audience(event: Event, segment: str) -> list[Registration]:
    return list(
        db.session.scalars(
            select(Registration)
            .where(
                Registration.event_id == event.id,
                Registration.erased_at.is_(None),
                *_SEGMENTS[segment],
            )
            .order_by(Registration.id)
        )
    )


def counts(event: Event, now: datetime | None = None) -> dict[str, int]:
    """How many people each offered segment holds."""
    return {segment: len(audience(event, segment)) for segment in segments(event, now)}


def send(
    event: Event,
    *,
    segment: str,
    subject: str,
    body: str,
    nonce: str,
    sent_by: User | None,
    now: datetime | None = None,
) -> Campaign:
    """Queue the message to everyone in `segment`, one draft each, spread at the campaign
    rate after those already waiting. `nonce` (the form's) makes a second press send
    nothing: AlreadySent. Commits."""
    now = now or utcnow()
    if segment not in segments(event, now):
        raise NobodyToWrite(segment)
    people = audience(event, segment)
    if not people:
        raise NobodyToWrite(segment)
    campaign = Campaign(
        event_id=event.id,
        segment=segment,
        subject=subject,
        body=body,
        sent_by_id=sent_by.id if sent_by is not None else None,
        recipients=len(people),
        nonce=nonce,
        created_at=now,
    )
    db.session.add(campaign)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise AlreadySent(nonce) from None
    start, step = campaign_start(now), campaign_interval()
    for number, person in enumerate(people):
        queue_draft(
            recipient=person.email,
            subject=subject,
            kind=KIND,
            registration_id=person.id,
            campaign_id=campaign.id,
            due_at=start + number * step,
            values={"campaign_id": campaign.id},
        )
    db.session.commit()
    return campaign


def sent_before(nonce: str) -> Campaign | None:
    return db.session.scalar(select(Campaign).where(Campaign.nonce == nonce))


def paragraphs(body: str) -> list[list[str]]:
    """The organiser's text as paragraphs (split on blank lines) of lines."""
    blocks = [block.strip("\n") for block in body.replace("\r\n", "\n").split("\n\n")]
    return [block.split("\n") for block in blocks if block.strip()]


def render(event: Event, person, subject: str, body: str) -> tuple[str, str]:
    """The message's text and HTML for `person` (a registration, or a sample for the
    preview), in the current locale."""
    context = {
        "event": event,
        "registration": person,
        "subject": subject,
        "body": body.replace("\r\n", "\n").strip(),
        "paragraphs": paragraphs(body),
        "event_url": absolute_url("public.event_page", slug=event.slug),
        "link_again_url": absolute_url("registrations.link_again"),
        "reply_to_organisers": bool(event.series.contact_email),
    }
    text = render_template("email/campaign.txt", **context)
    html = render_template("email/campaign.html", **context)
    return text + contact_line(event.series.contact_email), html


@composer(KIND)
def compose_campaign(message: OutboxMessage, values: dict) -> Content:
    person = db.session.get(Registration, message.registration_id)
    campaign = db.session.get(Campaign, values["campaign_id"])
    if person is None or campaign is None:
        raise LookupError("the message's person or campaign is gone")
    event = person.event
    with force_locale(person.language):
        text, html = render(event, person, campaign.subject, campaign.body)
        return Content(
            recipient_name=person.full_name,
            subject=message.subject,
            text=text,
            html=html,
            language=person.language,
            reply_to=event.series.contact_email,
        )


@dataclass(frozen=True)
class Sample:
    """Who the organisers' preview is addressed to."""

    first_name: str
    language: str


def preview(event: Event, subject: str, body: str, language: str) -> tuple[str, str]:
    with force_locale(language):
        return render(event, Sample("Camille", language), subject, body)
