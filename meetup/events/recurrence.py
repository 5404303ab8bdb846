"""Monthly recurrence: "the 2nd Thursday of the month" and its next occurrence."""

from __future__ import annotations

import calendar
from datetime import date, datetime


def week_of_month(day: date) -> int:
    """1 for the first such weekday of the month, 2 for the second, ... up to 5."""
    return (day.day - 1) // 7 + 1


def nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th `weekday` (0 = Monday) of the month; the last one if there are fewer than n."""
    first_weekday, days_in_month = calendar.monthrange(year, month)
    first = 1 + (weekday - first_weekday) % 7
    day = first + 7 * (n - 1)
    while day > days_in_month:
        day -= 7
    return date(year, month, day)


def same_weekday_next_month(local: datetime) -> datetime:
    """The same weekday of the month, one month later, at the same wall-clock time.

    The 2nd Thursday gives the 2nd Thursday; a 5th Thursday, which most months lack, gives
    the last Thursday of the next month.
    """
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    day = nth_weekday(year, month, local.weekday(), week_of_month(local.date()))
    return local.replace(year=day.year, month=day.month, day=day.day)
