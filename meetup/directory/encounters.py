"""My encounters: the badges an attendee scanned with their phone, kept in a private list on
their personal page. Only cards they may still see are shown (the scanned person's current
choice: listed for the people who came to that evening, or in the community both are in);
erasing either person removes the encounter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from meetup.directory.cards import Card, card_for
from meetup.directory.models import Encounter
from meetup.directory.queries import CommunityDirectory, EventDirectory, came
from meetup.events.models import Event
from meetup.extensions import db
from meetup.registrations.models import Registration
from meetup.registrations.queries import registrations_of


def remember(scanner: Registration, met: Registration, now: datetime) -> None:
    """Keep the scanned badge in the scanner's list (once per person met). Commits."""
    if scanner.id == met.id:
        return
    exists = db.session.scalar(
        select(Encounter.id).where(Encounter.scanner_id == scanner.id, Encounter.met_id == met.id)
    )
    if exists is not None:
        return
    try:
        with db.session.begin_nested():
            db.session.add(Encounter(scanner_id=scanner.id, met_id=met.id, met_at=now))
    except IntegrityError:  # the same badge scanned twice at once
        pass
    db.session.commit()


@dataclass(frozen=True)
class Met:
    encounter: Encounter
    card: Card
    #: The registration an introduction is asked from (the scanner's, for that evening).
    requester: Registration
    target: Registration


def _visible(me: Registration, target: Registration) -> tuple[Card, Registration] | None:
    """The card `me` may see of `target` now, and the registration of `me` that asks."""
    event = target.event
    if EventDirectory(event).lists(target):
        for mine in registrations_of(me, {event.series_id}):
            if mine.event_id == event.id and came(mine):
                return card_for(target), mine
    community = CommunityDirectory(event.series)
    card = community.card_of(target)
    if card is not None and community.card_of(me) is not None:
        return card_for(card), community.card_of(me)
    return None


def of(me: Registration) -> list[Met]:
    """`me`'s encounters (any of their registrations in the series scanned), newest first,
    only those whose card they may see now."""
    scanners = select(Registration.id).join(Event, Event.id == Registration.event_id)
    scanners = scanners.where(
        Event.series_id == me.event.series_id,
        func.lower(Registration.email) == me.email.lower(),
    )
    found = db.session.scalars(
        select(Encounter)
        .where(Encounter.scanner_id.in_(scanners))
        .order_by(Encounter.met_at.desc(), Encounter.id.desc())
    )
    shown, seen = [], set()
    for encounter in found:
        if encounter.met_id in seen:
            continue
        seen.add(encounter.met_id)
        visible = _visible(me, encounter.met)
        if visible is not None:
            shown.append(Met(encounter, visible[0], visible[1], encounter.met))
    return shown


def one(me: Registration, met_id: int) -> Met | None:
    return next((m for m in of(me) if m.target.id == met_id), None)
