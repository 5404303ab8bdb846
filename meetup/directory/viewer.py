"""Which attendee is looking: remembered in the session when they open one of their personal
links (the personal page, the directory link, an introduction), so that the directory and a
scanned badge know them without a password and without a token in every address.

The session keeps the registration's id and part of its personal link's hash: a new link
(sent again, or the registration erased) ends what older sessions could see.
"""

from __future__ import annotations

from flask import session

from meetup.extensions import db
from meetup.registrations.models import Registration

SESSION_KEY = "attendee"
_PROOF_LENGTH = 16


def remember(registration: Registration) -> None:
    session[SESSION_KEY] = [registration.id, registration.manage_token_hash[:_PROOF_LENGTH]]


def forget() -> None:
    session.pop(SESSION_KEY, None)


def current() -> Registration | None:
    """The registration whose link was opened in this browser, if it still holds."""
    remembered = session.get(SESSION_KEY)
    if not isinstance(remembered, list) or len(remembered) != 2:
        return None
    registration_id, proof = remembered
    if not isinstance(registration_id, int):
        return None
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.manage_token_hash[:_PROOF_LENGTH] != proof:
        forget()
        return None
    return registration
