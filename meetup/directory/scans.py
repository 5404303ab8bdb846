"""Who sees whose card when a badge is scanned: the rules, in one place.

A badge's QR code opens its ticket page (/b/<code>). An attendee whose personal link was
opened on the phone scanning it sees the person's card when both came to that evening and
the evening's scans are allowed (at the evening, or while its directory is open), or when
both are in the series' community; the owner scanning their own badge sees the card others
would see. The pages are meetup.attendee's; these functions only decide.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from meetup.checkin.services import on_now
from meetup.directory.cards import Card, card_for
from meetup.directory.queries import (
    CommunityDirectory,
    EventDirectory,
    came,
    directory_is_open,
)
from meetup.events.models import Event, EventStatus
from meetup.registrations.models import Registration
from meetup.registrations.queries import registrations_of


@dataclass(frozen=True)
class ScanView:
    """What an attendee who scanned a badge may see and do: the person's card, and the
    scanning attendee's registration that asks for introductions."""

    card: Card
    target: Registration
    requester: Registration


def same_person(registration: Registration, looking: Registration | None) -> bool:
    return looking is not None and looking.email.lower() == registration.email.lower()


def scans_allowed(event: Event, now: datetime) -> bool:
    """At the evening (badges are scanned in the room), or while its directory is open; not
    once an organiser closed it, not for evenings that are not published."""
    if directory_is_open(event, now):
        return True
    return (
        event.status is EventStatus.PUBLISHED
        and event.directory_announced_at is None
        and event.directory_opened_at is None
        and on_now(event.starts_at, event.ends_at, now)
    )


def listed_tonight(registration: Registration, now: datetime) -> bool:
    """Scanning this badge shows its card to those who came to its evening (checked in,
    and a card shown to them), while scans of that evening are allowed."""
    return scans_allowed(registration.event, now) and EventDirectory(registration.event).lists(
        registration
    )


def own_card(registration: Registration, now: datetime) -> Card | None:
    """Someone scanning their own badge: the card that people who came see when they scan
    it now (by the rules of card_for_scan), or None when nobody sees one yet."""
    if listed_tonight(registration, now):
        return card_for(registration)
    shown = CommunityDirectory(registration.event.series).card_of(registration)
    return card_for(shown) if shown is not None else None


def card_for_scan(
    registration: Registration, looking: Registration | None, now: datetime
) -> ScanView | None:
    """A scanned badge, for the attendee scanning it (`looking`: viewer.current()): the card
    they may see, else None."""
    if looking is None or same_person(registration, looking):
        return None
    event = registration.event
    if listed_tonight(registration, now):
        mine = _came_to(looking, event)
        if mine is not None:
            return ScanView(card_for(registration), registration, mine)
    community = CommunityDirectory(event.series)
    card = community.card_of(registration)
    mine = community.viewer_registration(looking, now)
    if card is not None and mine is not None:
        return ScanView(card_for(card), card, community.card_of(mine) or mine)
    return None


def _came_to(looking: Registration, event: Event) -> Registration | None:
    """The looking person's registration for that evening, if they came to it."""
    for registration in registrations_of(looking, {event.series_id}):
        if registration.event_id == event.id and came(registration):
            return registration
    return None
