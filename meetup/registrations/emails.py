"""The emails a registration causes, queued in the outbox in the attendee's language.

Each function only queues: the message is committed with the change that caused it and sent
later by the mail worker (`flask mail work`). A message's kind names its templates
(templates/email/<kind>.txt and .html) and its subject below.
"""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from meetup.events.calendar import calendar_file
from meetup.extensions import db
from meetup.links import absolute_url
from meetup.mail.compose import Attachment, InlineImage
from meetup.mail.models import OutboxMessage
from meetup.mail.services import compose_email
from meetup.registrations.models import Registration, RegistrationStatus
from meetup.registrations.tickets import ticket_matrix

TICKET_CID = "ticket-qr"

SUBJECTS = {
    "confirmation": _l("You're in: %(title)s"),
    "waitlisted": _l("On the waitlist: %(title)s"),
    "link": _l("Your personal link: %(title)s"),
    "promoted": _l("A seat is yours: %(title)s"),
    "cancelled": _l("Registration cancelled: %(title)s"),
    "event_changed": _l("Change for %(title)s"),
    "event_cancelled": _l("Cancelled: %(title)s"),
}


def ticket_url(registration: Registration) -> str:
    return absolute_url("registrations.ticket", code=registration.ticket_code)


def _manage_url(token: str) -> str:
    return absolute_url("registrations.manage", token=token)


def _queue(
    registration: Registration,
    kind: str,
    *,
    add: bool = True,
    with_ticket: bool = False,
    with_calendar: bool = False,
    **context,
) -> OutboxMessage:
    """Build the message in the attendee's language; add it to the session unless `add` is
    false (the caller adds it later, see services.register)."""
    event = registration.event
    attachments, images = [], []
    if with_ticket:
        png = ticket_matrix(registration).png()
        images.append(InlineImage(TICKET_CID, "image/png", png))
        context["ticket_cid"] = TICKET_CID
    if with_ticket or with_calendar:
        attachments.append(
            Attachment(f"{event.slug}.ics", "text/calendar; method=PUBLISH", calendar_file(event))
        )
    context |= {
        "registration": registration,
        "event": event,
        "ticket_url": ticket_url(registration),
    }
    with force_locale(registration.language):
        message = compose_email(
            recipient=registration.email,
            recipient_name=registration.full_name,
            subject=str(SUBJECTS[kind]) % {"title": registration.event.one_line_title},
            text=render_template(f"email/{kind}.txt", **context),
            html=render_template(f"email/{kind}.html", **context),
            attachments=attachments,
            inline_images=images,
            kind=kind,
            registration_id=registration.id,
            language=registration.language,
        )
    if add:
        db.session.add(message)
    return message


def queue_signup(registration: Registration, token: str, add: bool = True) -> OutboxMessage:
    """Confirmation (with the QR ticket and the calendar file) or waitlist notice."""
    if registration.status is RegistrationStatus.CONFIRMED:
        return _queue(
            registration, "confirmation", add=add, with_ticket=True, manage_url=_manage_url(token)
        )
    return _queue(registration, "waitlisted", add=add, manage_url=_manage_url(token))


def queue_link_again(registration: Registration, token: str) -> None:
    _queue(registration, "link", manage_url=_manage_url(token))


def queue_promoted(registration: Registration, token: str) -> None:
    _queue(registration, "promoted", with_ticket=True, manage_url=_manage_url(token))


def queue_cancelled(registration: Registration, *, by_organiser: bool) -> None:
    _queue(registration, "cancelled", by_organiser=by_organiser)


def queue_event_changed(registration: Registration) -> None:
    """The time or place changed; those with a seat get the new calendar file (same UID,
    higher SEQUENCE: calendars update the entry)."""
    confirmed = registration.status is RegistrationStatus.CONFIRMED
    _queue(registration, "event_changed", with_calendar=confirmed)


def queue_event_cancelled(registration: Registration) -> None:
    _queue(registration, "event_cancelled", with_calendar=True)
