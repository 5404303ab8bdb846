"""The emails a registration causes, queued in the outbox in the attendee's language.

Each function only queues: the message is committed with the change that caused it and sent
later by the mail worker (`flask mail work`).
"""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from meetup.events.calendar import calendar_file
from meetup.extensions import db
from meetup.links import absolute_url
from meetup.mail.compose import Attachment, InlineImage
from meetup.mail.models import OutboxMessage
from meetup.mail.services import compose_email
from meetup.registrations.models import Registration, RegistrationStatus
from meetup.registrations.qr import qr_png

TICKET_CID = "ticket-qr"


def ticket_url(registration: Registration) -> str:
    return absolute_url("registrations.ticket", code=registration.ticket_code)


def _queue(
    registration: Registration, kind: str, subject: str, template: str, add: bool = True, **context
) -> OutboxMessage:
    """Build the message; add it to the session unless `add` is false (the caller adds it)."""
    event = registration.event
    context = {
        "registration": registration,
        "event": event,
        "ticket_url": ticket_url(registration),
        **context,
    }
    attachments, images = [], []
    with_ticket = context.pop("with_ticket", False)
    if with_ticket:
        images.append(InlineImage(TICKET_CID, "image/png", qr_png(ticket_url(registration))))
        context["ticket_cid"] = TICKET_CID
    if with_ticket or context.pop("with_calendar", False):
        attachments.append(
            Attachment(f"{event.slug}.ics", "text/calendar; method=PUBLISH", calendar_file(event))
        )
    message = compose_email(
        recipient=registration.email,
        recipient_name=registration.full_name,
        subject=subject,
        text=render_template(f"email/{template}.txt", **context),
        html=render_template(f"email/{template}.html", **context),
        attachments=attachments,
        inline_images=images,
        kind=kind,
        registration_id=registration.id,
        language=registration.language,
    )
    if add:
        db.session.add(message)
    return message


def _title(registration: Registration) -> str:
    """The evening's name for a subject line: on one line, whatever was typed."""
    event = registration.event
    return " ".join((event.theme or event.title).split())


def queue_signup(registration: Registration, token: str, add: bool = True) -> OutboxMessage:
    """Confirmation (with the QR ticket and the calendar file) or waitlist notice."""
    with force_locale(registration.language):
        manage_url = absolute_url("registrations.manage", token=token)
        if registration.status is RegistrationStatus.CONFIRMED:
            return _queue(
                registration,
                "confirmation",
                _("You're in: %(title)s", title=_title(registration)),
                "confirmation",
                add=add,
                manage_url=manage_url,
                with_ticket=True,
            )
        return _queue(
            registration,
            "waitlisted",
            _("On the waitlist: %(title)s", title=_title(registration)),
            "waitlisted",
            add=add,
            manage_url=manage_url,
        )


def queue_link_again(registration: Registration, token: str) -> None:
    with force_locale(registration.language):
        _queue(
            registration,
            "link",
            _("Your personal link: %(title)s", title=_title(registration)),
            "link",
            manage_url=absolute_url("registrations.manage", token=token),
        )


def queue_promoted(registration: Registration, token: str) -> None:
    with force_locale(registration.language):
        _queue(
            registration,
            "promoted",
            _("A seat is yours: %(title)s", title=_title(registration)),
            "promoted",
            manage_url=absolute_url("registrations.manage", token=token),
            with_ticket=True,
        )


def queue_cancelled(registration: Registration, *, by_organiser: bool) -> None:
    with force_locale(registration.language):
        _queue(
            registration,
            "cancelled",
            _("Registration cancelled: %(title)s", title=_title(registration)),
            "cancelled",
            by_organiser=by_organiser,
        )


def queue_event_changed(registration: Registration) -> None:
    """The time or place changed: the new details, and for those with a seat the new
    calendar file (same UID, higher SEQUENCE: calendars update the entry)."""
    confirmed = registration.status is RegistrationStatus.CONFIRMED
    with force_locale(registration.language):
        _queue(
            registration,
            "event_changed",
            _("Change for %(title)s", title=_title(registration)),
            "event_changed",
            with_calendar=confirmed,
        )


def queue_event_cancelled(registration: Registration) -> None:
    with force_locale(registration.language):
        _queue(
            registration,
            "event_cancelled",
            _("Cancelled: %(title)s", title=_title(registration)),
            "event_cancelled",
            with_calendar=True,
        )
