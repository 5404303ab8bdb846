"""What the directory's cards say in words: the distance to a neighbour, the answer to
"Introduce us". Shared by the directory's pages and a scanned badge's page."""

from __future__ import annotations

from flask_babel import gettext as _

from meetup.directory.cards import shown_metres
from meetup.directory.queries import Nearby


def distance_note(nearby: Nearby | None) -> str:
    if nearby is None:
        return ""
    if nearby.next_door:
        return _("Next door")
    return _("≈ %(metres)d m away", metres=shown_metres(nearby.metres, nearby.exact))


def asked_text(asked: bool, recipient_first_name: str) -> str:
    if asked:
        return _(
            "Asked. %(name)s gets an email; if they accept, you both receive each other's contact.",
            name=recipient_first_name,
        )
    return _("This introduction cannot be asked for.")
