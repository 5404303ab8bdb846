"""Which attendee is looking: remembered in the session when they open one of their personal
links (the personal page, the directory link, an introduction), so that the directory and a
scanned badge know them without a password and without a token in every address.

The session keeps the registration's id and part of the hash of the link that was opened (a
personal link, or the registration's own for the directory and introduction links). It holds
while that link does: an email bringing a newer link does not end it, the organisers taking
the links back (resend) or an erasure does.
"""

from __future__ import annotations

from flask import session
from sqlalchemy import select

from meetup.extensions import db
from meetup.registrations.models import EarlierLink, Registration

SESSION_KEY = "attendee"
_PROOF_LENGTH = 16


def remember(registration: Registration, link_hash: str | None = None) -> None:
    """`link_hash`: the hash of the personal link opened, if that is how they came."""
    proof = (link_hash or registration.manage_token_hash)[:_PROOF_LENGTH]
    session[SESSION_KEY] = [registration.id, proof]


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
    if registration is None or not _still_valid(registration, proof):
        forget()
        return None
    return registration


def _still_valid(registration: Registration, proof) -> bool:
    if not isinstance(proof, str) or len(proof) != _PROOF_LENGTH:
        return False
    if registration.manage_token_hash.startswith(proof):
        return True
    earlier = select(EarlierLink.id).where(
        EarlierLink.registration_id == registration.id,
        EarlierLink.token_hash.startswith(proof, autoescape=True),
    )
    return db.session.scalar(earlier) is not None
