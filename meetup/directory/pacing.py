"""Calls to a geocoder paced across every worker of every host.

Nominatim's usage policy allows one request a second from a site, all its processes
together; a per-process limiter (geopy's RateLimiter) let two workers make two. Here each
call first takes the next free moment from one row per provider (geocoder_pace), under a
lock, then waits for it: the moments handed out are at least `interval` apart, whoever asks.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from meetup.directory.models import GeocoderPace
from meetup.extensions import db
from meetup.timeutil import utcnow
from meetup.writelock import end_reads, first_write

_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def take_turn(provider: str, interval: float, now: Callable[[], datetime] = utcnow) -> datetime:
    """The moment this worker may call `provider`, at least `interval` seconds after the
    moment handed to the previous caller. Commits."""
    end_reads()
    insert = (
        postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    )
    first_write(
        insert(GeocoderPace).values(provider=provider, next_call_at=_EPOCH).on_conflict_do_nothing()
    )
    # The row's lock (PostgreSQL; SQLite's writer lock is held already) until the commit.
    db.session.execute(
        update(GeocoderPace)
        .where(GeocoderPace.provider == provider)
        .values(next_call_at=GeocoderPace.next_call_at)
    )
    booked = db.session.scalar(
        select(GeocoderPace.next_call_at).where(GeocoderPace.provider == provider)
    )
    turn = max(booked, now())
    db.session.execute(
        update(GeocoderPace)
        .where(GeocoderPace.provider == provider)
        .values(next_call_at=turn + timedelta(seconds=interval))
    )
    db.session.commit()
    return turn


def wait_for_turn(
    provider: str,
    interval: float,
    *,
    now: Callable[[], datetime] = utcnow,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Take a turn and sleep until it comes (no transaction open meanwhile)."""
    if interval <= 0:
        return
    turn = take_turn(provider, interval, now)
    delay = (turn - now()).total_seconds()
    if delay > 0:
        sleep(delay)
