"""News of the next evenings: announcing an evening to those who asked for the series' news,
signing them up in one tap from that email, and unsubscribing in one click (RFC 8058).

Who hears: per series, every address whose registrations say "tell me about the next
evenings" (services.gets_news), minus those already registered for the evening. Each
announcement carries two links of the person's own (OneTapLink, random, hashed): one that
signs them up for that evening until its signups close, and one that stops the news.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime

from flask import render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update

from meetup.events.models import Event, EventStatus, Series
from meetup.events.services import SignupState, signup_state
from meetup.extensions import db
from meetup.links import absolute_url
from meetup.mail.models import OutboxMessage
from meetup.mail.services import Content, Withdrawn, composer, contact_line, queue_draft
from meetup.registrations import services
from meetup.registrations.models import LinkPurpose, OneTapLink, Registration
from meetup.registrations.tokens import hash_token, new_manage_token
from meetup.timeutil import utcnow

ANNOUNCEMENT = "announcement"
SUBJECT = _l("Next evening: %(title)s")


# -- who hears ------------------------------------------------------------------------------


def _latest_of_each_subscriber(series_id: int):
    """The id of each subscribed person's latest registration in the series (their card)."""
    in_series = Registration.event_id.in_(select(Event.id).where(Event.series_id == series_id))
    subscribed = (
        select(func.lower(Registration.email))
        .where(in_series, Registration.erased_at.is_(None), Registration.news.is_(True))
        .scalar_subquery()
    )
    return (
        select(func.max(Registration.id))
        .where(
            in_series,
            Registration.erased_at.is_(None),
            func.lower(Registration.email).in_(subscribed),
        )
        .group_by(func.lower(Registration.email))
    )


def audience(event: Event) -> list[Registration]:
    """Those an announcement of `event` goes to: each address that asked for the series'
    news, by its latest registration (its card and language), less those registered for the
    evening already (cancelled ones too: they chose)."""
    registered = select(func.lower(Registration.email)).where(Registration.event_id == event.id)
    return list(
        db.session.scalars(
            select(Registration)
            .where(
                Registration.id.in_(_latest_of_each_subscriber(event.series_id)),
                func.lower(Registration.email).not_in(registered),
            )
            .order_by(Registration.id)
        )
    )


def audience_size(event: Event) -> int:
    return len(audience(event))


def can_announce(event: Event, now: datetime | None = None) -> bool:
    """An evening is announced while it takes signups: each email's button signs the
    person up at once, so it must work when they tap it (not before signups open)."""
    return event.status is EventStatus.PUBLISHED and signup_state(event, now) == SignupState.OPEN


def announce_from(event: Event, now: datetime | None = None) -> datetime | None:
    """When a published evening whose signups are not open yet may be announced."""
    if event.status is EventStatus.PUBLISHED and signup_state(event, now) == SignupState.NOT_YET:
        return event.registration_opens_at
    return None


# -- announcing -----------------------------------------------------------------------------


class AlreadyAnnounced(Exception):
    """Sent before; sending again must be asked for on purpose."""


class CannotAnnounce(Exception):
    """Not published, or its signups are not open (closed, or not yet)."""


def announce(event: Event, *, again: bool = False, now: datetime | None = None) -> int:
    """Queue the announcement of `event` to its audience, once per evening unless `again`.
    The evening's row is claimed first (one conditional UPDATE of announced_at), so two
    organisers pressing at once send it once. Returns how many were queued. Commits."""
    now = now or utcnow()
    if not can_announce(event, now):
        raise CannotAnnounce(event.slug)
    before = event.announced_at
    claim = update(Event).where(Event.id == event.id).values(announced_at=now)
    if not again:
        claim = claim.where(Event.announced_at.is_(None))
    elif before is not None:
        claim = claim.where(or_(Event.announced_at.is_(None), Event.announced_at == before))
    if db.session.execute(claim.execution_options(synchronize_session=False)).rowcount != 1:
        db.session.rollback()
        raise AlreadyAnnounced(event.slug)
    people = audience(event)
    for person in people:
        queue_announcement(event, person)
    db.session.commit()
    return len(people)


def new_link(person: Registration, purpose: LinkPurpose, event: Event | None = None) -> str:
    """A one-tap link of `person` for `purpose` (its hash kept; the token returned): the
    announcements and the neighbourhood digest (meetup.directory.digest)."""
    token, token_hash = new_manage_token()
    # No stored end: a signup link works while the evening's signups are open, as they are
    # when it is tapped (the evening may be moved after the announcement).
    db.session.add(
        OneTapLink(
            token_hash=token_hash,
            purpose=purpose,
            registration_id=person.id,
            event_id=event.id if event is not None else None,
        )
    )
    return token


def queue_announcement(event: Event, person: Registration) -> OutboxMessage:
    """One person's announcement: a draft with their one-tap links (in the draft until it is
    written out, then in the message, as any personal link)."""
    with force_locale(person.language):
        subject = str(SUBJECT) % {"title": event.one_line_title}
    return queue_draft(
        recipient=person.email,
        subject=subject,
        kind=ANNOUNCEMENT,
        registration_id=person.id,
        values={
            "event_id": event.id,
            "signup": new_link(person, LinkPurpose.SIGNUP, event),
            "unsubscribe": new_link(person, LinkPurpose.UNSUBSCRIBE),
        },
    )


def signup_url(event: Event, token: str) -> str:
    return absolute_url("registrations.one_tap", slug=event.slug, token=token)


def unsubscribe_url(token: str) -> str:
    return absolute_url("registrations.unsubscribe", token=token)


def render_announcement(event: Event, person, signup: str, unsubscribe: str) -> tuple[str, str]:
    """The announcement's text and HTML for `person` (a registration, or a sample for the
    organisers' preview), in the current locale."""
    context = {
        "event": event,
        "registration": person,
        "signup_url": signup,
        "unsubscribe_url": unsubscribe,
        "event_url": absolute_url("public.event_page", slug=event.slug),
        "reply_to_organisers": bool(event.series.contact_email),
    }
    text = render_template("email/announcement.txt", **context)
    return text + contact_line(event.series.contact_email), render_template(
        "email/announcement.html", **context
    )


@composer(ANNOUNCEMENT)
def compose_announcement(message: OutboxMessage, values: dict) -> Content:
    person = db.session.get(Registration, message.registration_id)
    event = db.session.get(Event, values["event_id"])
    if person is None or event is None:
        raise LookupError("the announcement's person or evening is gone")
    if not services.gets_news(event.series_id, person.email):
        # Unsubscribed (link, personal page) after "send", before the worker got here.
        raise Withdrawn("the news consent was withdrawn")
    unsubscribe = unsubscribe_url(values["unsubscribe"])
    with force_locale(person.language):
        text, html = render_announcement(
            event, person, signup_url(event, values["signup"]), unsubscribe
        )
        return Content(
            recipient_name=person.full_name,
            subject=message.subject,
            text=text,
            html=html,
            language=person.language,
            reply_to=event.series.contact_email,
            list_unsubscribe=unsubscribe,
        )


@dataclass(frozen=True)
class Sample:
    """Who the organisers' preview is addressed to."""

    first_name: str
    language: str


def preview(event: Event, language: str) -> tuple[str, str]:
    """The announcement as a person would get it, in `language` (links that open nothing)."""
    with force_locale(language):
        return render_announcement(
            event,
            Sample(first_name="Camille", language=language),
            signup_url(event, "preview"),
            unsubscribe_url("preview"),
        )


# -- one tap --------------------------------------------------------------------------------


class LinkRefused(Exception):
    """A one-tap link that does nothing: `reason` is "unknown" (forged, mistyped, of another
    evening, erased) or "closed" (signups over, the evening cancelled)."""

    def __init__(self, reason: str, event: Event | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.event = event


def _link(token: str, purpose: LinkPurpose) -> OneTapLink | None:
    if not token or len(token) > 100:
        return None
    link = db.session.scalar(
        select(OneTapLink).where(
            OneTapLink.token_hash == hash_token(token), OneTapLink.purpose == purpose
        )
    )
    if link is None or link.registration.erased_at is not None:
        return None
    return link


def _latest_card(series_id: int, email: str) -> Registration | None:
    return db.session.scalar(
        select(Registration)
        .where(services.same_person_in_series(series_id, email))
        .order_by(Registration.id.desc())
        .limit(1)
    )


def check_signup_link(event: Event, token: str, now: datetime | None = None) -> Registration:
    """The person a one-tap link of `event` signs up (their latest card), or LinkRefused."""
    link = _link(token, LinkPurpose.SIGNUP)
    if link is None or link.event_id != event.id:
        raise LinkRefused("unknown")
    if signup_state(event, now or utcnow()) != SignupState.OPEN:
        raise LinkRefused("closed", event)
    card = _latest_card(event.series_id, link.registration.email)
    if card is None:
        raise LinkRefused("unknown")
    return card


def sign_up_in_one_tap(
    event: Event, token: str, now: datetime | None = None
) -> services.SignupResult:
    """Sign the link's person up for `event` from their latest card and visibility, as any
    signup (a seat, else the waitlist; the usual confirmation email). Tapped again, or by
    someone already registered, it changes nothing and sends nothing. Commits."""
    card = check_signup_link(event, token, now)
    names = {f.name for f in fields(services.Profile)}
    profile = services.Profile(**{name: getattr(card, name) for name in names})
    # The news consent as it stands for the series (they may have unsubscribed since the
    # email came): a tap is not a new "yes". The records say the card's answers were carried.
    profile.news = services.gets_news(event.series_id, card.email)
    try:
        return services.register(event, profile, resend_link=False, consent_how="one_tap")
    except services.SignupsClosed:
        raise LinkRefused("closed", event) from None


def unsubscribe(token: str) -> Series:
    """Stop the series' news for the link's person (every registration of theirs in the
    series, each change recorded as a consent). A second click changes nothing. Raises
    LinkRefused("unknown"). Commits."""
    link = _link(token, LinkPurpose.UNSUBSCRIBE)
    if link is None:
        db.session.rollback()
        raise LinkRefused("unknown")
    series = link.registration.event.series
    services.set_news(link.registration, False)
    db.session.commit()
    return series


def unsubscribe_target(token: str) -> Series:
    """The series a link would unsubscribe from (the page before the click), or LinkRefused."""
    link = _link(token, LinkPurpose.UNSUBSCRIBE)
    if link is None:
        raise LinkRefused("unknown")
    return link.registration.event.series
