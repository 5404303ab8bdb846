"""Contact cards (vCard 3.0, vobject) from directory cards: consented fields only. Pure."""

from __future__ import annotations

from collections.abc import Iterable

import vobject

from meetup.directory.cards import Card


def vcard(card: Card, *, note: str = "") -> str:
    v = vobject.vCard()
    v.add("n").value = vobject.vcard.Name(family=card.last_name, given=card.first_name)
    v.add("fn").value = card.full_name
    if card.company:
        v.add("org").value = [card.company]
    if card.job_title:
        v.add("title").value = card.job_title
    if card.email:
        email = v.add("email")
        email.value = card.email
        email.type_param = "INTERNET"
    if card.phone:
        phone = v.add("tel")
        phone.value = card.phone
        phone.type_param = "WORK"
    if card.website:
        v.add("url").value = card.website
    if card.address:
        address = v.add("adr")
        address.value = vobject.vcard.Address(street=card.address)
        address.type_param = "WORK"
    if note:
        v.add("note").value = note
    return v.serialize()


def vcards(cards: Iterable[tuple[Card, str]]) -> str:
    """Several cards in one file (what phones import as a batch): (card, note) pairs."""
    return "".join(vcard(card, note=note) for card, note in cards)
