"""Which badges to print and what goes on them (registrations in, `pdf.Badge` out), and
the PDFs of badge sheets and tickets; printing a sheet records what each badge said."""

from __future__ import annotations

import enum
import hashlib
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from flask_babel import gettext as _
from flask_babel import pgettext
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import selectinload

from meetup.auth.models import TeamRole
from meetup.badges.layouts import Layout
from meetup.events.models import Event
from meetup.extensions import db
from meetup.i18n import format_date_in_zone, format_event_when
from meetup.registrations.models import Registration, RegistrationStatus
from meetup.registrations.tickets import keep_pdf_paths, qr_text, ticket_matrix
from meetup.textfold import folded
from meetup.timeutil import utcnow

if TYPE_CHECKING:
    from meetup.badges.pdf import Badge, Logo, Words

# meetup.badges.pdf and .text (reportlab and its PIL, 6 MB) are imported where a PDF is made
# or a font is asked, not when a web worker starts (issue 23, point 7).


class Which(enum.StrEnum):
    ALL = "all"
    NEW = "new"
    SELECTED = "selected"


class Order(enum.StrEnum):
    NAME = "name"
    NEIGHBOURHOOD = "neighbourhood"


# -- what a badge says ----------------------------------------------------------------------

#: Words that name a French street (or a district); the part of an address holding one is
#: the street, and a number at its end belongs to its name ("rue du 8 Mai 1945").
_STREET_WORD = re.compile(
    r"\b(?:rue|avenue|av|boulevard|bd|place|pl|chemin|all[ée]e|impasse|quai|cours|route|"
    r"square|passage|faubourg|rond-point|esplanade|promenade|parvis|sentier|voie|mont[ée]e|"
    r"c[ôo]te|rampe|traverse|cit[ée]|hameau|lieu-dit|za|zi|zac|parc|r[ée]sidence|quartier)\b",
    re.IGNORECASE,
)
#: "12", "12-14", "12 à 14", "12 bis", "12b", "221B" at the start of the street part.
_LEADING_NUMBER = re.compile(
    r"^\d+(?:\s*(?:-|–|à)\s*\d+)?\s*(?:bis|ter|quater|[a-z])?\b[\s,]*", re.IGNORECASE
)
#: "Hauptstraße 12", "Baker Street 221b": the number after the name.
_TRAILING_NUMBER = re.compile(r"[\s,]+\d+(?:\s*(?:-|–)\s*\d+)?\s*[a-z]?$", re.IGNORECASE)


def street_name(street: str) -> str:
    """The street without its number or anything else of the address, for a badge:
    "12 bis, rue de la Paix" and "Chez Dupont, Bât. A, 12-14 rue de la Paix" give
    "rue de la Paix"."""
    parts = [part.strip() for part in street.split(",") if part.strip()]
    if not parts:
        return ""
    named = [part for part in parts if _STREET_WORD.search(part)]
    numbered = [part for part in parts if re.match(r"\d", part) and not part.isdigit()]
    chosen = (named or numbered or parts)[-1 if not named else 0]
    if _LEADING_NUMBER.match(chosen):
        chosen = _LEADING_NUMBER.sub("", chosen)
    elif not _STREET_WORD.search(chosen):
        chosen = _TRAILING_NUMBER.sub("", chosen)
    return " ".join(chosen.split())


def neighbourhood(registration: Registration) -> str:
    """The office's street, only for people who asked for it on their badge."""
    if not registration.street_on_badge:
        return ""
    return street_name(registration.street)


def roles_for(event: Event, registrations: Sequence[Registration]) -> dict[int, str]:
    """speaker (named as one of the evening's speakers), organiser (on the series' team),
    regular (checked in at an earlier evening of the series) or first_time."""
    speakers = {folded(speaker.name) for speaker in event.speakers}
    team = {
        member.user.email.lower()
        for member in event.series.memberships
        if member.role is TeamRole.ORGANISER
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
        if folded(registration.full_name) in speakers:
            roles[registration.id] = "speaker"
        elif email in team:
            roles[registration.id] = "organiser"
        elif email in came_before:
            roles[registration.id] = "regular"
        else:
            roles[registration.id] = "first_time"
    return roles


def event_line(event: Event) -> str:
    title = event.one_line_title
    return f"{title} · {format_date_in_zone(event.starts_at, event.zone, 'long')}"


def words() -> Words:
    """The words printed on badges, in the current language."""
    from meetup.badges.pdf import Words

    return Words(
        ask_me_about=_("Ask me about"),
        office=_("Office:"),
        table=pgettext("badge", "Table"),
        roles={
            "speaker": pgettext("badge role", "Speaker"),
            "organiser": pgettext("badge role", "Organiser"),
            "first_time": pgettext("badge role", "First time"),
            "regular": pgettext("badge role", "Regular"),
        },
    )


def badge_for(registration: Registration, role: str, line: str) -> Badge:
    from meetup.badges.pdf import Badge

    return Badge(
        first_name=registration.first_name,
        last_name=registration.last_name,
        company=registration.company,
        ask_me_about=registration.help_with,
        role=role,
        neighbourhood=neighbourhood(registration),
        event_line=line,
        qr=ticket_matrix(registration),
        table=registration.table_number,
    )


def _event_part(event: Event) -> tuple[str, str]:
    # as event_line prints it: the title and the local date
    return event.one_line_title, event.starts_at.astimezone(event.zone).date().isoformat()


def fingerprint(
    registration: Registration, role: str, event_part: tuple[str, str] | None = None
) -> str:
    """What the badge says, whatever the language it is printed in: when this changes (the
    card, the role, the evening's title or date, the QR code's address, the table), the
    printed badge is out of date. `event_part`: _event_part(its event), for many at once."""
    content = (
        registration.first_name,
        registration.last_name,
        registration.company,
        registration.help_with,
        role,
        neighbourhood(registration),
        *(event_part or _event_part(registration.event)),
        qr_text(registration.ticket_code),
        # Only once seated: the badges printed before tables existed keep their fingerprint.
        *((f"table {registration.table_number}",) if registration.table_number else ()),
    )
    return hashlib.sha256("\x1f".join(content).encode()).hexdigest()


def out_of_date(
    event: Event, registrations: Sequence[Registration], roles: dict[int, str] | None = None
) -> set[int]:
    """Ids of those whose badge was never printed, or changed since it was."""
    roles = roles if roles is not None else roles_for(event, registrations)
    part = _event_part(event)
    return {r.id for r in registrations if r.badge_fingerprint != fingerprint(r, roles[r.id], part)}


def cannot_print(registrations: Sequence[Registration]) -> list[tuple[Registration, str]]:
    """People whose badge would lose letters no shipped font has, with those letters, so the
    organiser can write those badges by hand (or ask for a Latin spelling)."""
    from meetup.badges import text

    found = []
    for registration in registrations:
        content = " ".join(
            (
                registration.first_name,
                registration.last_name,
                registration.company,
                registration.help_with,
            )
        )
        if missing := text.missing_letters(content):
            found.append((registration, missing))
    return found


# -- which badges ---------------------------------------------------------------------------


def _by_name(registration: Registration) -> tuple[str, str]:
    return folded(registration.last_name), folded(registration.first_name)


def printable(event: Event) -> list[Registration]:
    """Everyone with a seat, by last name (accents aside): the choices of the selection list."""
    rows = db.session.scalars(
        select(Registration)
        .where(
            Registration.event_id == event.id,
            Registration.status == RegistrationStatus.CONFIRMED,
        )
        .options(selectinload(Registration.ticket_qr))
    )
    return sorted(rows, key=_by_name)


def select_registrations(
    event: Event,
    which: Which,
    order: Order,
    chosen: Sequence[int] = (),
    *,
    people: Sequence[Registration] | None = None,
    stale: set[int] | None = None,
) -> list[Registration]:
    """From `people` (printable(event) unless given) and, for NEW, `stale` (out_of_date)."""
    rows = list(people) if people is not None else printable(event)
    if which is Which.NEW:
        stale = stale if stale is not None else out_of_date(event, rows)
        rows = [r for r in rows if r.id in stale]
    elif which is Which.SELECTED:
        wanted = set(chosen)
        rows = [r for r in rows if r.id in wanted]
    if order is Order.NEIGHBOURHOOD:
        # Neighbours side by side on the sheet (and in the box at the door); people who keep
        # their street to themselves come last, by name.
        rows.sort(
            key=lambda r: (
                not neighbourhood(r),
                r.postcode if neighbourhood(r) else "",
                folded(neighbourhood(r)),
                folded(r.last_name),
                folded(r.first_name),
            )
        )
    return rows


def series_logo(event: Event) -> Logo | None:
    """The series' logo for its badges, if it has one."""
    from meetup.badges.pdf import Logo

    image = event.series.logo
    return Logo(image.data, image.width, image.height) if image is not None else None


def badges_pdf(
    event: Event,
    registrations: Sequence[Registration],
    layout: Layout,
    *,
    mark_printed: bool,
    roles: dict[int, str] | None = None,
) -> bytes:
    """The PDF; QR matrices encoded now are kept, and the badges counted as printed if asked.
    `roles` (roles_for) when the caller has them. Commits."""
    from meetup.badges.pdf import render_badges

    roles = roles if roles is not None else roles_for(event, registrations)
    line = event_line(event)
    badges = [badge_for(r, roles[r.id], line) for r in registrations]
    pdf = render_badges(
        badges, layout, words(), title=_("Badges") + " — " + line, logo=series_logo(event)
    )
    # Matrices kept before their PDF path was (0041_qr_path): keep the one just worked out.
    keep_pdf_paths((r, b.qr) for r, b in zip(registrations, badges, strict=True) if b.qr)
    if mark_printed:
        now, part = utcnow(), _event_part(event)
        marks = [
            {
                "registration_id": r.id,
                "printed_at": now,
                "fingerprint": fingerprint(r, roles[r.id], part),
            }
            for r in registrations
        ]
        # One statement for all of them (executemany), not a flush of a thousand objects;
        # the commit expires them, so what they say next is read back.
        db.session.connection().execute(_MARK_PRINTED, marks)
    db.session.commit()
    return pdf


_MARK_PRINTED = (
    update(Registration.__table__)
    .where(Registration.__table__.c.id == bindparam("registration_id"))
    .values(
        badge_printed_at=bindparam("printed_at"),
        badge_fingerprint=bindparam("fingerprint"),
        # as every change of a row does (meetup.registrations.models, `revision`)
        revision=Registration.__table__.c.revision + 1,
    )
)


def ticket_pdf(registration: Registration) -> bytes:
    """A one-page ticket. Commits: keeps the QR matrix if it was encoded just now."""
    from meetup.badges.pdf import Ticket, render_ticket

    event = registration.event
    where = ", ".join(part for part in (event.venue_name, event.venue_address) if part)
    pdf = render_ticket(
        Ticket(
            event_title=event.one_line_title,
            when=format_event_when(event),
            where=where,
            name=registration.full_name,
            qr=ticket_matrix(registration),
            hint=_("Show this code at the door, on paper or on your phone."),
        )
    )
    db.session.commit()
    return pdf
