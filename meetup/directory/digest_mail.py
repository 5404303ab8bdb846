"""The neighbourhood digest's email (meetup.directory.digest says who gets what): queued as a
draft with the person's one-tap links, written out by the worker in their language, with
List-Unsubscribe (RFC 8058) and a visible unsubscribe link like the other news emails.

The draft names the new neighbours (mentions: an erasure of any of them takes the email
away) with their distance already coarse; when it is written out, those no longer in the
community are left out, and nothing goes if nothing is left to tell."""

from __future__ import annotations

from dataclasses import dataclass

from flask import render_template
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _

from meetup.directory.cards import Card, card_for
from meetup.directory.digest import Plan, next_evening, registration_for
from meetup.directory.queries import CommunityDirectory, Nearby
from meetup.directory.wording import distance_note
from meetup.events.models import Event, EventStatus, Series
from meetup.events.services import SignupState, signup_state
from meetup.extensions import db
from meetup.links import absolute_url
from meetup.mail.models import OutboxMention, OutboxMessage
from meetup.mail.services import Content, Withdrawn, composer, contact_line, queue_draft
from meetup.registrations import news
from meetup.registrations import services as registration_services
from meetup.registrations.models import LinkPurpose, Registration, RegistrationStatus
from meetup.timeutil import utcnow

KIND = "digest"


@dataclass(frozen=True)
class Neighbour:
    """A new neighbour as the email shows them: their card (consented fields only) and the
    distance as the directory's pages word it (wording.distance_note: coarse)."""

    card: Card
    #: "Next door", or "≈ 150 m away".
    distance: str


def subject(series: Series, event: Event | None, count: int) -> str:
    if count:
        return ngettext(
            "Someone new works near you: %(series)s",
            "%(num)d people new to %(series)s work near you",
            count,
            series=series.name,
        )
    return str(news.SUBJECT) % {"title": event.one_line_title}


def queue_digest(found: Plan) -> OutboxMessage:
    """One person's digest, in the caller's transaction."""
    card, event = found.card, found.event
    series = card.event.series
    with force_locale(card.language):
        title = subject(series, event, len(found.newcomers))
    values = {
        "series_id": series.id,
        "people": [[n.registration.id, n.metres, n.exact] for n in found.newcomers],
        "event_id": event.id if event is not None else None,
        "signup": news.new_link(card, LinkPurpose.SIGNUP, event) if found.signup else None,
        "unsubscribe": news.new_link(card, LinkPurpose.UNSUBSCRIBE),
    }
    message = queue_draft(
        recipient=card.email, subject=title, kind=KIND, registration_id=card.id, values=values
    )
    message.mentions = [OutboxMention(registration_id=n.registration.id) for n in found.newcomers]
    return message


def render(
    series: Series,
    person,
    neighbours: list[Neighbour],
    event: Event | None,
    *,
    registered: RegistrationStatus | None,
    signup_url: str | None,
    unsubscribe_url: str,
) -> tuple[str, str]:
    """The digest's text and HTML for `person` (a registration, or the preview's sample),
    in the current locale."""
    context = {
        "series": series,
        "registration": person,
        "language": person.language,
        "neighbours": neighbours,
        #: Whether their office is placed for neighbour lists (else no "nobody new" line).
        "located": getattr(person, "is_near_located", True),
        "radius": series.neighbour_radius_m,
        "community_url": absolute_url("directory.community_page", slug=series.slug),
        "event": event,
        "event_url": absolute_url("public.event_page", slug=event.slug) if event else None,
        #: "confirmed", "waitlisted", "cancelled" or None (not registered).
        "registered": registered.value if registered is not None else None,
        "signup_url": signup_url,
        "unsubscribe_url": unsubscribe_url,
        "reply_to_organisers": bool(series.contact_email),
    }
    text = render_template("email/digest.txt", **context)
    html = render_template("email/digest.html", **context)
    return text + contact_line(series.contact_email), html


def _still_listed(series: Series, person: Registration, people: list) -> list[Neighbour]:
    """The draft's neighbours still in the community, in order, each shown by their card as
    it is now (they may have signed up again since: their new registration is their card);
    none if `person` no longer shares their own card with the community (its cards are for
    those who share theirs, as on its page)."""
    directory = CommunityDirectory(series)
    if directory.viewer_registration(person, utcnow()) is None:
        return []
    found = []
    for registration_id, metres, exact in people:
        registration = db.session.get(Registration, registration_id)
        card = directory.card_of(registration) if registration is not None else None
        if card is not None:
            nearby = Nearby(card, metres, exact and bool(card.share_address))
            found.append(Neighbour(card_for(card), distance_note(nearby)))
    return found


def _evening(event_id: int | None) -> Event | None:
    event = db.session.get(Event, event_id) if event_id is not None else None
    if event is None or event.status is not EventStatus.PUBLISHED or event.starts_at <= utcnow():
        return None
    return event


@composer(KIND)
def compose_digest(message: OutboxMessage, values: dict) -> Content:
    person = db.session.get(Registration, message.registration_id)
    series = db.session.get(Series, values["series_id"])
    if person is None or series is None or person.erased_at is not None:
        raise LookupError("the digest's person or series is gone")
    if not registration_services.gets_news(series.id, person.email):
        raise Withdrawn("the news consent was withdrawn")
    if not series.digest_enabled:
        raise Withdrawn("the series turned its digest off")
    event = _evening(values.get("event_id"))
    registered = registration_for(event, person.email) if event is not None else None
    signup_url = None
    open_now = event is not None and signup_state(event, utcnow()) == SignupState.OPEN
    if open_now and values.get("signup") and registered is None:
        signup_url = news.signup_url(event, values["signup"])
    unsubscribe = news.unsubscribe_url(values["unsubscribe"])
    with force_locale(person.language):
        neighbours = _still_listed(series, person, values.get("people", []))
        if not neighbours and event is None:
            raise Withdrawn("nothing left to tell")
        text, html = render(
            series,
            person,
            neighbours,
            event,
            registered=registered,
            signup_url=signup_url,
            unsubscribe_url=unsubscribe,
        )
        return Content(
            recipient_name=person.full_name,
            subject=subject(series, event, len(neighbours)),
            text=text,
            html=html,
            language=person.language,
            reply_to=series.contact_email,
            list_unsubscribe=unsubscribe,
        )


# -- the organisers' preview ----------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    first_name: str
    language: str


def _sample_card(first: str, last: str, company: str, job: str, help_with: str) -> Card:
    return Card(
        registration_id=0,
        first_name=first,
        last_name=last,
        company=company,
        job_title=job,
        sector="",
        website="",
        help_with=help_with,
        looking_for="",
        street_name="",
        city="",
        email=None,
        phone=None,
        address=None,
        latitude=None,
        longitude=None,
        accepts_introductions=False,
    )


def preview(series: Series, language: str, now=None) -> tuple[str, str]:
    """The digest as a member would get it, in `language`: invented neighbours, the real
    next evening, links that open nothing."""
    event = next_evening(series, now or utcnow())
    with force_locale(language):
        neighbours = [
            Neighbour(
                _sample_card(
                    "Julien",
                    "Mercier",
                    "Imprimerie Mercier",
                    _("Printer"),
                    _("flyers, business cards"),
                ),
                distance_note(Nearby(None, 160.0, False)),
            ),
            Neighbour(
                _sample_card("Inès", "Garnier", "Garnier Conseil", _("Accountant"), ""),
                distance_note(Nearby(None, 20.0, True)),
            ),
        ]
        return render(
            series,
            Sample("Camille", language),
            neighbours,
            event,
            registered=None,
            signup_url=news.signup_url(event, "preview") if event is not None else None,
            unsubscribe_url=news.unsubscribe_url("preview"),
        )
