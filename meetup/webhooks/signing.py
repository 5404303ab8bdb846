"""The signature every webhook carries: plain Python, no Flask.

Header: `Meetup-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the
endpoint's secret>`. The receiver recomputes it over the raw body it received, compares in
constant time, and refuses a `t` more than five minutes away from its clock (a replay).
Verification, in Python (the README has it too):

    import hashlib, hmac, time

    def verify(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
        parts = dict(item.split("=", 1) for item in header.split(","))
        signed = parts["t"].encode() + b"." + body
        expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, parts.get("v1", "")) and (
            abs(time.time() - int(parts["t"])) <= tolerance
        )
"""

from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "Meetup-Signature"
TOLERANCE = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    signed = str(timestamp).encode() + b"." + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, header: str, body: bytes, tolerance: int = TOLERANCE) -> bool:
    """What a receiver does (and the tests' receiver does)."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    expected = signature(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", "")) and (
        abs(time.time() - timestamp) <= tolerance
    )
