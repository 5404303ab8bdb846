"""The emails a registration causes, queued in the outbox in the attendee's language.

Each function only queues a draft: it is committed with the change that caused it, then
composed (`compose`: templates, QR code, calendar file) and sent by the mail worker
(`flask mail work`), so it shows the registration and the evening as they are then. A
message's kind names its templates (templates/email/<kind>.txt and .html) and its subject
below.
"""

from __future__ import annotations

from datetime import timedelta

from flask import render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from meetup.events.calendar import calendar_file
from meetup.extensions import db
from meetup.links import absolute_url
from meetup.mail.compose import Attachment, InlineImage
from meetup.mail.models import OutboxMessage
from meetup.mail.services import Content, composer, contact_line, queue_draft
from meetup.registrations.models import Registration, RegistrationStatus
from meetup.registrations.tickets import ticket_matrix_to_keep
from meetup.timeutil import utcnow

TICKET_CID = "ticket-qr"

SUBJECTS = {
    "confirmation": _l("You're in: %(title)s"),
    "waitlisted": _l("On the waitlist: %(title)s"),
    "link": _l("Your personal link: %(title)s"),
    "promoted": _l("A seat is yours: %(title)s"),
    "cancelled": _l("Registration cancelled: %(title)s"),
    "event_changed": _l("Change for %(title)s"),
    "event_cancelled": _l("Cancelled: %(title)s"),
    "event_reinstated": _l("On again: %(title)s"),
    "reminder": _l("Reminder: %(title)s"),
    "reminder_waitlisted": _l("Still on the waitlist: %(title)s"),
    "walk_in": _l("Welcome to %(title)s: complete your card"),
}


def ticket_url(registration: Registration) -> str:
    return absolute_url("registrations.ticket", code=registration.ticket_code)


def _manage_url(token: str) -> str:
    return absolute_url("registrations.manage", token=token)


def _queue(
    registration: Registration,
    kind: str,
    *,
    with_ticket: bool = False,
    with_calendar: bool = False,
    token: str | None = None,
    **values,
) -> OutboxMessage:
    """Queue a draft the mail worker composes (`compose`) in the attendee's language. The
    registration must have its id (flushed). `token`: the personal link's, for the messages
    that carry it (kept in the draft until the message is written out, then in the message
    itself, as any personal link sent by email)."""
    with force_locale(registration.language):
        subject = str(SUBJECTS[kind]) % {"title": registration.event.one_line_title}
    return queue_draft(
        recipient=registration.email,
        subject=subject,
        kind=kind,
        registration_id=registration.id,
        values=values | {"ticket": with_ticket, "calendar": with_calendar, "token": token},
    )


@composer(*SUBJECTS)
def compose(message: OutboxMessage, values: dict) -> Content:
    """A registration's message as it stands when the worker writes it out."""
    registration = db.session.get(Registration, message.registration_id)
    if registration is None:
        raise LookupError(f"registration {message.registration_id} is gone")
    event = registration.event
    attachments, images, keep = [], [], ()
    context = {
        key: value for key, value in values.items() if key not in {"ticket", "calendar", "token"}
    }
    if values["ticket"]:
        # Composing only reads: an encoded matrix is stored with the message (Content.keep).
        matrix, store = ticket_matrix_to_keep(registration)
        keep = (store,) if store is not None else ()
        png = matrix.png()
        images.append(InlineImage(TICKET_CID, "image/png", png))
        context["ticket_cid"] = TICKET_CID
    if values["ticket"] or values["calendar"]:
        attachments.append(
            Attachment(f"{event.slug}.ics", "text/calendar; method=PUBLISH", calendar_file(event))
        )
    if values["token"] is not None:
        context["manage_url"] = _manage_url(values["token"])
        context["give_seat_url"] = absolute_url("registrations.give_seat", token=values["token"])
    context |= {
        "registration": registration,
        "event": event,
        "ticket_url": ticket_url(registration),
        "reply_to_organisers": bool(event.series.contact_email),
        "link_again_url": absolute_url("registrations.link_again"),
    }
    with force_locale(registration.language):
        return Content(
            recipient_name=registration.full_name,
            subject=message.subject,
            text=render_template(f"email/{message.kind}.txt", **context)
            + contact_line(event.series.contact_email),
            html=render_template(f"email/{message.kind}.html", **context),
            attachments=tuple(attachments),
            inline_images=tuple(images),
            language=registration.language,
            reply_to=event.series.contact_email,
            keep=keep,
        )


def queue_signup(registration: Registration, token: str) -> OutboxMessage:
    """Confirmation (with the QR ticket and the calendar file) or waitlist notice."""
    if registration.status is RegistrationStatus.CONFIRMED:
        return _queue(registration, "confirmation", with_ticket=True, token=token)
    return _queue(registration, "waitlisted", token=token)


#: A signup again with an address already registered sends the link at most this often:
#: anyone can type anyone's address, and must not be able to flood their inbox.
LINK_AGAIN_INTERVAL = timedelta(minutes=15)


def link_sent_recently(registration: Registration) -> bool:
    """Whether a "link again" email went to this registration within LINK_AGAIN_INTERVAL."""
    since = utcnow() - LINK_AGAIN_INTERVAL
    recent = select(OutboxMessage.id).where(
        OutboxMessage.registration_id == registration.id,
        OutboxMessage.kind == "link",
        OutboxMessage.created_at >= since,
    )
    return db.session.scalar(recent.limit(1)) is not None


def queue_link_again(
    registration: Registration, token: str, *, revoked: bool = False, asked: bool = False
) -> None:
    """Someone signed this address up again (`revoked` False: earlier links still work), or
    asked for their link again (`asked`), or the organisers sent a new link that replaces the
    earlier ones (`revoked`)."""
    _queue(registration, "link", token=token, revoked=revoked, asked=asked)


def queue_walk_in(registration: Registration, token: str) -> None:
    """Someone let in at the door: they are in the room already, so no "your seat is
    booked" and no ticket to show; their personal link, to complete their card and choose
    who may see it, for the directory of who came."""
    _queue(registration, "walk_in", token=token)


def queue_promoted(registration: Registration, token: str) -> None:
    _queue(registration, "promoted", with_ticket=True, token=token)


def queue_cancelled(registration: Registration, *, by_organiser: bool) -> None:
    _queue(registration, "cancelled", by_organiser=by_organiser)


def queue_event_changed(registration: Registration) -> None:
    """The time or place changed; those with a seat get the new calendar file (same UID,
    higher SEQUENCE: calendars update the entry). No new personal link (an evening edited
    ten times would age out everyone's first one, see MAX_EARLIER_LINKS, and minting one
    per person holds the event's lock for seconds): the email says where the link is, and
    how to get it again (signing up again sends it)."""
    confirmed = registration.status is RegistrationStatus.CONFIRMED
    event_url = absolute_url("public.event_page", slug=registration.event.slug)
    _queue(registration, "event_changed", with_calendar=confirmed, event_url=event_url)


def queue_event_cancelled(registration: Registration) -> None:
    _queue(registration, "event_cancelled", with_calendar=True)


def queue_event_reinstated(registration: Registration) -> None:
    """The evening was cancelled by mistake, or is on after all: their registration stands
    (a seat, or their place on the waitlist), and the calendar file brings it back."""
    _queue(registration, "event_reinstated", with_calendar=True)


def queue_reminder(registration: Registration, token: str) -> None:
    """The day before (the series' setting): time, place, the ticket, and "give my seat"."""
    _queue(registration, "reminder", with_ticket=True, token=token)


def queue_reminder_waitlisted(registration: Registration, token: str, *, position: int) -> None:
    """The day before, to someone still waiting: their place on the waitlist."""
    _queue(registration, "reminder_waitlisted", token=token, position=position)
