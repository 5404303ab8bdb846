"""What a ticket's QR code says, and its matrix, encoded once per registration."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache
from urllib.parse import urlsplit, urlunsplit

from flask import current_app
from sqlalchemy import Executable, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite

from meetup.events.models import EventStatus
from meetup.extensions import db
from meetup.links import absolute_url
from meetup.registrations.models import Registration, RegistrationStatus, TicketQR
from meetup.registrations.qr import QRMatrix, encode

#: What a ticket code can look like (older ones: URL-safe base 64; now: base 32 capitals).
_CODE = re.compile(r"[A-Za-z0-9_-]{8,40}")


def ticket_image(registration: Registration) -> str:
    """The ticket's QR code as a data: URL for a page (a PNG). Commits: keeps the matrix if
    it was encoded just now."""
    png = ticket_matrix(registration).png(box_size=6)
    db.session.commit()
    return "data:image/png;base64," + base64.b64encode(png).decode()


def shows_ticket(registration: Registration, now: datetime) -> bool:
    """Whether a page shows the ticket's QR code: for an evening neither cancelled nor over,
    a registration not cancelled (the personal page asks a seat too). On the ticket's own
    page (/b/<code>) the code is the page's own address: nothing more is learnt from it."""
    event = registration.event
    return (
        event.status is not EventStatus.CANCELLED
        and event.ends_at > now
        and registration.status is not RegistrationStatus.CANCELLED
    )


def looks_like_code(code: str) -> bool:
    return bool(_CODE.fullmatch(code))


def by_code(code: str) -> Registration | None:
    """The registration whose ticket code this is; codes are capitals, but one typed in
    small letters is found too. Anything that cannot be a code finds nothing (and never
    reaches the database: PostgreSQL refuses NUL characters, for one)."""
    if not looks_like_code(code):
        return None
    return db.session.scalar(_BY_CODE, code_values(code))


#: The condition "this registration's ticket code", in one query for both spellings, with
#: the values of `code_values(code)`; a condition for statements built once (SQLAlchemy then
#: reuses their compiled form without rebuilding a cache key).
CODE_MATCHES = Registration.ticket_code.in_(bindparam("codes", expanding=True))
_BY_CODE = select(Registration).where(CODE_MATCHES)


def code_values(code: str) -> dict:
    return {"codes": sorted({code, code.upper()})}


def qr_text(code: str) -> str:
    """BASE_URL/B/<code>, scheme and host in capitals (both are case-blind): with a code in
    capitals and digits the whole URL fits QR's alphanumeric mode, 5.5 bits a character
    instead of 8, which keeps the symbol at version 3 (29 × 29 modules) for usual hosts."""
    return _scan_prefix(current_app.config["BASE_URL"], current_app.url_map) + code


_PLACEHOLDER = "C0DE"


@lru_cache(maxsize=16)
def _scan_prefix(base_url: str, url_map) -> str:
    """What comes before the code (built once: a thousand badges ask it twice each)."""
    parts = urlsplit(absolute_url("registrations.ticket_scan", code=_PLACEHOLDER))
    text = urlunsplit((parts.scheme.upper(), parts.netloc.upper(), parts.path, "", ""))
    if not text.endswith("/" + _PLACEHOLDER):
        raise RuntimeError(f"the ticket's address does not end with its code: {text}")
    return text.removesuffix(_PLACEHOLDER)


def ticket_matrix(registration: Registration, *, store: bool = True) -> QRMatrix:
    """The registration's QR matrix: the stored one, or encoded now and stored with the
    registration (the caller commits) unless `store` is false (a caller that only reads).
    Two requests storing the same one at once (the attendee opens their page while an
    organiser prints) both succeed."""
    text = qr_text(registration.ticket_code)
    stored = registration.ticket_qr
    if stored is not None and stored.content == text:
        return QRMatrix.from_bytes(stored.modules, stored.pdf_path)
    matrix = encode(text)
    if not store:
        return matrix
    if stored is not None:
        stored.content, stored.modules = text, matrix.to_bytes()
        stored.pdf_path = matrix.pdf_path
        return matrix
    if registration.id is None:  # a registration being made: nobody else can store it
        registration.ticket_qr = TicketQR(
            content=text, modules=matrix.to_bytes(), pdf_path=matrix.pdf_path
        )
        return matrix
    statement = _insert(registration.id, text, matrix)
    # a row another request stored meanwhile stays (the same one)
    db.session.execute(statement.on_conflict_do_nothing(index_elements=["registration_id"]))
    db.session.expire(registration, ["ticket_qr"])
    return matrix


def ticket_matrix_to_keep(registration: Registration) -> tuple[QRMatrix, Executable | None]:
    """The registration's QR matrix, and the statement that stores it when it was encoded
    just now (None when stored already), for a caller that only reads now and writes later:
    the mail worker composing a confirmation, whose write comes after its reads are rolled
    back (meetup.mail.services._write_out). So a ticket's code is encoded once, when its
    email is written, not again when its badge is first printed."""
    text = qr_text(registration.ticket_code)
    stored = registration.ticket_qr
    if stored is not None and stored.content == text:
        return QRMatrix.from_bytes(stored.modules, stored.pdf_path), None
    matrix = encode(text)
    statement = _insert(registration.id, text, matrix)
    excluded = statement.excluded
    return matrix, statement.on_conflict_do_update(
        index_elements=["registration_id"],
        set_={
            "content": excluded.content,
            "modules": excluded.modules,
            "pdf_path": excluded.pdf_path,
        },
    )


def keep_pdf_paths(drawn: Iterable[tuple[Registration, QRMatrix]]) -> None:
    """Store the PDF path of matrices kept without one (before migration 0041_qr_path), for
    registrations whose matrix was read from storage and drawn (`pdf_path` worked out): once,
    then later prints reuse it. One statement for all (the caller commits); a row re-encoded
    meanwhile (other modules) is left alone."""
    rows = [
        {"id": registration.id, "old_modules": stored.modules, "path": matrix.pdf_path}
        for registration, matrix in drawn
        # ticket_qr as loaded (not loaded again): expired when a matrix was just stored
        if (stored := registration.__dict__.get("ticket_qr")) is not None
        and stored.pdf_path is None
        and stored.modules == matrix.to_bytes()
    ]
    if rows:
        db.session.connection().execute(_KEEP_PATH, rows)


_KEEP_PATH = (
    update(TicketQR.__table__)
    .where(
        TicketQR.__table__.c.registration_id == bindparam("id"),
        TicketQR.__table__.c.modules == bindparam("old_modules"),
        TicketQR.__table__.c.pdf_path.is_(None),
    )
    .values(pdf_path=bindparam("path"))
)


def _insert(registration_id: int, text: str, matrix: QRMatrix):
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(TicketQR).values(
        registration_id=registration_id,
        content=text,
        modules=matrix.to_bytes(),
        pdf_path=matrix.pdf_path,  # with the matrix, once: badge prints reuse it
    )
