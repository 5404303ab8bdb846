"""Secrets of a registration: the personal link's token and the ticket code."""

from __future__ import annotations

import hashlib
import secrets


def new_manage_token() -> tuple[str, str]:
    """(token for the email, hash to store): 256 random bits."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_ticket_code() -> str:
    """128 random bits in 22 URL-safe characters: short enough for a low-version QR code."""
    return secrets.token_urlsafe(16)
