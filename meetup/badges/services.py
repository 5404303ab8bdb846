"""Which badges to print and what goes on them: registrations in, `pdf.Badge` out."""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Sequence

from flask_babel import gettext as _
from flask_babel import pgettext
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from meetup.auth.models import Role
from meetup.badges.layouts import Layout
from meetup.badges.pdf import Badge, Ticket, Words, render_badges, render_ticket
from meetup.events.models import Event
from meetup.extensions import db
from meetup.i18n import format_date_in_zone, format_time_in_zone
from meetup.registrations.models import Registration, RegistrationStatus, Visibility
from meetup.registrations.tickets import ticket_matrix
from meetup.timeutil import utcnow


class Which(enum.StrEnum):
    ALL = "all"
    NEW = "new"
    SELECTED = "selected"


class Order(enum.StrEnum):
    NAME = "name"
    NEIGHBOURHOOD = "neighbourhood"


# -- what a badge says ----------------------------------------------------------------------

_HOUSE_NUMBER = re.compile(
    r"^\s*\d+[\s,]*(?:(?:bis|ter|quater|[a-z])\b[\s,]*)?|[\s,]+\d+\s*[a-z]?\s*$", re.IGNORECASE
)


def street_name(street: str) -> str:
    """The street without its number: "12 bis, rue de la Paix" -> "rue de la Paix"."""
    return " ".join(_HOUSE_NUMBER.sub("", street).split())


def neighbourhood(registration: Registration) -> str:
    """The office's street, only for people who chose to share their card."""
    if registration.visibility is Visibility.NOBODY:
        return ""
    return street_name(registration.street)


def _plain(text: str) -> str:
    """For comparing names: no accents, no case, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def roles_for(event: Event, registrations: Sequence[Registration]) -> dict[int, str]:
    """speaker (named as one of the evening's speakers), organiser (on the series' team),
    regular (checked in at an earlier evening of the series) or first_time."""
    speakers = {_plain(speaker.name) for speaker in event.speakers}
    team = {
        user.email.lower()
        for user in event.series.team
        if user.role in (Role.ORGANISER, Role.ADMIN)
    }
    came_before = set(
        db.session.scalars(
            select(func.lower(Registration.email))
            .join(Event, Event.id == Registration.event_id)
            .where(
                Event.series_id == event.series_id,
                Event.starts_at < event.starts_at,
                Registration.checked_in_at.is_not(None),
            )
            .distinct()
        )
    )
    roles = {}
    for registration in registrations:
        email = registration.email.lower()
        if _plain(registration.full_name) in speakers:
            roles[registration.id] = "speaker"
        elif email in team:
            roles[registration.id] = "organiser"
        elif email in came_before:
            roles[registration.id] = "regular"
        else:
            roles[registration.id] = "first_time"
    return roles


def event_line(event: Event) -> str:
    title = " ".join((event.theme or event.title).split())
    return f"{title} · {format_date_in_zone(event.starts_at, event.zone, 'long')}"


def words() -> Words:
    """The words printed on badges, in the current language."""
    return Words(
        ask_me_about=_("Ask me about"),
        office=_("Office:"),
        roles={
            "speaker": pgettext("badge role", "Speaker"),
            "organiser": pgettext("badge role", "Organiser"),
            "first_time": pgettext("badge role", "First time"),
            "regular": pgettext("badge role", "Regular"),
        },
    )


def badge_for(registration: Registration, role: str, line: str) -> Badge:
    return Badge(
        first_name=registration.first_name,
        last_name=registration.last_name,
        company=registration.company,
        ask_me_about=registration.help_with,
        role=role,
        neighbourhood=neighbourhood(registration),
        event_line=line,
        qr=ticket_matrix(registration),
    )


# -- which badges ---------------------------------------------------------------------------


def printable(event: Event) -> list[Registration]:
    """Everyone with a seat, by last name: the choices of the selection list."""
    return list(
        db.session.scalars(
            select(Registration)
            .where(
                Registration.event_id == event.id,
                Registration.status == RegistrationStatus.CONFIRMED,
            )
            .order_by(func.lower(Registration.last_name), func.lower(Registration.first_name))
        )
    )


def select_registrations(
    event: Event, which: Which, order: Order, chosen: Sequence[int] = ()
) -> list[Registration]:
    query = (
        select(Registration)
        .where(
            Registration.event_id == event.id,
            Registration.status == RegistrationStatus.CONFIRMED,
        )
        .options(selectinload(Registration.ticket_qr))
    )
    if which is Which.NEW:
        query = query.where(Registration.badge_printed_at.is_(None))
    elif which is Which.SELECTED:
        query = query.where(Registration.id.in_(list(chosen)))
    rows = list(db.session.scalars(query))
    if order is Order.NEIGHBOURHOOD:
        # Neighbours side by side on the sheet (and in the box at the door); people who keep
        # their street to themselves come last, by name.
        rows.sort(
            key=lambda r: (
                not neighbourhood(r),
                r.postcode if neighbourhood(r) else "",
                _plain(neighbourhood(r)),
                _plain(r.last_name),
                _plain(r.first_name),
            )
        )
    else:
        rows.sort(key=lambda r: (_plain(r.last_name), _plain(r.first_name)))
    return rows


def badges_pdf(
    event: Event,
    registrations: Sequence[Registration],
    layout: Layout,
    *,
    mark_printed: bool,
) -> bytes:
    """The PDF; QR matrices encoded now are kept, and the badges counted as printed if asked.
    Commits."""
    roles = roles_for(event, registrations)
    line = event_line(event)
    badges = [badge_for(r, roles[r.id], line) for r in registrations]
    pdf = render_badges(badges, layout, words(), title=_("Badges") + " — " + line)
    if mark_printed:
        now = utcnow()
        for registration in registrations:
            registration.badge_printed_at = now
    db.session.commit()
    return pdf


def ticket_pdf(registration: Registration) -> bytes:
    event = registration.event
    when = "{date}, {start}–{end}".format(
        date=format_date_in_zone(event.starts_at, event.zone, "full"),
        start=format_time_in_zone(event.starts_at, event.zone),
        end=format_time_in_zone(event.ends_at, event.zone),
    )
    where = ", ".join(part for part in (event.venue_name, event.venue_address) if part)
    return render_ticket(
        Ticket(
            event_title=" ".join((event.theme or event.title).split()),
            when=when,
            where=where,
            name=registration.full_name,
            qr=ticket_matrix(registration),
            hint=_("Show this code at the door, on paper or on your phone."),
        )
    )
