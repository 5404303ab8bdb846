"""Secrets of a registration: the personal link's token and the ticket code."""

from __future__ import annotations

import base64
import hashlib
import secrets


def new_manage_token() -> tuple[str, str]:
    """(token for the email, hash to store): 256 random bits."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_ticket_code() -> str:
    """128 random bits in 26 capitals and digits (base 32): QR codes store those in their
    compact alphanumeric mode, so the symbol stays small with large modules."""
    return base64.b32encode(secrets.token_bytes(16)).decode().rstrip("=")
