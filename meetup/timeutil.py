"""Time helpers: timezone-aware UTC everywhere, local time only for display and input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


def rfc3339(value: datetime, zone: ZoneInfo | None = None) -> str:
    """An aware datetime as RFC 3339, in `zone` when given: "2026-12-10T19:00:00+01:00".
    The offset must be whole minutes, which RFC 3339 requires: zones before standard time
    were set by the sun ("LMT", Paris +00:09:21 until 1911); such a time is given in UTC."""
    local = value.astimezone(zone) if zone is not None else value
    offset = local.utcoffset()
    if offset is None or offset % timedelta(minutes=1):
        local = value.astimezone(UTC)
    return local.isoformat()


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite has no time zone type: values are stored as naive UTC and tagged UTC on the way out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


@cache
def selectable_timezones() -> tuple[str, ...]:
    """IANA "Area/City" names (and UTC), sorted: what a series may use."""
    names = {
        name
        for name in available_timezones()
        if "/" in name and not name.startswith(("Etc/", "SystemV/", "US/", "posix/", "right/"))
    }
    return tuple(sorted(names | {"UTC"}))


def is_valid_timezone(name: str) -> bool:
    if name not in selectable_timezones():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


class NonexistentLocalTime(ValueError):
    """The wall-clock time falls in a daylight-saving gap."""


def local_to_utc(naive: datetime, zone: ZoneInfo) -> datetime:
    """Interpret a naive wall-clock time in `zone`; refuse times skipped by DST changes."""
    aware = naive.replace(tzinfo=zone)
    round_trip = aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    if round_trip != naive:
        raise NonexistentLocalTime(naive.isoformat())
    return aware.astimezone(UTC)
