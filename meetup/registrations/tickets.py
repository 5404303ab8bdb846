"""What a ticket's QR code says, and its matrix, encoded once per registration."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from meetup.links import absolute_url
from meetup.registrations.models import Registration, TicketQR
from meetup.registrations.qr import QRMatrix, encode


def qr_text(code: str) -> str:
    """BASE_URL/B/<code>, scheme and host in capitals (both are case-blind): with a code in
    capitals and digits the whole URL fits QR's alphanumeric mode, 5.5 bits a character
    instead of 8, which keeps the symbol at version 3 (29 × 29 modules) for usual hosts."""
    parts = urlsplit(absolute_url("registrations.ticket_scan", code=code))
    return urlunsplit((parts.scheme.upper(), parts.netloc.upper(), parts.path, "", ""))


def ticket_matrix(registration: Registration) -> QRMatrix:
    """The registration's QR matrix: the stored one, or encoded now and stored with the
    registration (the caller commits)."""
    text = qr_text(registration.ticket_code)
    stored = registration.ticket_qr
    if stored is not None and stored.content == text:
        return QRMatrix.from_bytes(stored.modules)
    matrix = encode(text)
    if stored is None:
        registration.ticket_qr = TicketQR(content=text, modules=matrix.to_bytes())
    else:
        stored.content, stored.modules = text, matrix.to_bytes()
    return matrix
