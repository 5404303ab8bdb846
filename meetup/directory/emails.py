"""The directory's emails, queued in the outbox in the recipient's language (sent by the mail
worker): the directory is open, a new neighbour came, someone asks for an introduction, an
introduction was accepted. Templates: templates/email/<kind>.txt and .html."""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _

from meetup.directory.cards import Card
from meetup.links import absolute_url
from meetup.mail.services import contact_line, queue_email
from meetup.registrations.models import Registration


def _queue(
    recipient: Registration,
    kind: str,
    subject,
    mentions: tuple[int, ...] = (),
    reply_to: str | tuple[str, str] | None = None,
    **context,
) -> None:
    """`reply_to`: where a reply goes; the club's contact address unless said."""
    event = recipient.event
    to_organisers = reply_to is None and bool(event.series.contact_email)
    context |= {"registration": recipient, "event": event, "reply_to_organisers": to_organisers}
    with force_locale(recipient.language):
        queue_email(
            recipient=recipient.email,
            recipient_name=recipient.full_name,
            subject=subject() if callable(subject) else subject,
            text=render_template(f"email/{kind}.txt", **context)
            + (contact_line(event.series.contact_email) if to_organisers else ""),
            html=render_template(f"email/{kind}.html", **context),
            kind=kind,
            registration_id=recipient.id,
            language=recipient.language,
            mentions=mentions,
            reply_to=event.series.contact_email if reply_to is None else reply_to,
        )


def directory_url(token: str, **values) -> str:
    return absolute_url("directory.open_link", token=token, **values)


def queue_directory_open(recipient: Registration, token: str, neighbours: int, radius: int):
    def subject() -> str:
        if neighbours:
            return ngettext(
                "%(num)d person who came tonight works within %(radius)d m of you",
                "%(num)d people who came tonight work within %(radius)d m of you",
                neighbours,
                radius=radius,
            )
        return _("Who came to “%(title)s”", title=recipient.event.one_line_title)

    _queue(
        recipient,
        "directory_open",
        subject,
        directory_url=directory_url(token),
        neighbours=neighbours,
        radius=radius,
    )


def queue_new_neighbours(recipient: Registration, token: str, newcomers: list[tuple[Card, int]]):
    """`newcomers`: (card, metres) of people new to the series who work near the recipient."""

    def subject() -> str:
        return ngettext(
            "Someone new who works near you came to %(title)s",
            "%(num)d people new to the club who work near you came to %(title)s",
            len(newcomers),
            title=recipient.event.series.name,
        )

    _queue(
        recipient,
        "new_neighbours",
        subject,
        mentions=tuple(card.registration_id for card, _metres in newcomers),
        directory_url=directory_url(token, to="community"),
        newcomers=newcomers,
    )


def queue_introduction_request(
    recipient: Registration, requester: Card, token: str, message: str = ""
) -> None:
    _queue(
        recipient,
        "introduction_request",
        lambda: _("%(name)s would like to meet you", name=requester.full_name),
        mentions=(requester.registration_id,),
        requester=requester,
        message=message,
        answer_url=absolute_url("directory.introduction", token=token),
    )


def queue_introduction_made(recipient: Registration, other: Registration) -> None:
    """Both sides get the other's contact: name, company, email, and phone if they share it."""
    _queue(
        recipient,
        "introduction_made",
        lambda: _("Introduction: %(name)s", name=other.full_name),
        mentions=(other.id,),
        # Both accepted to be introduced: a reply goes to the other person.
        reply_to=(other.full_name, other.email),
        other=other,
    )
