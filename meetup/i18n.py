"""Language choice and locale-aware formatting of event times."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel import dates as babel_dates
from flask import current_app, has_request_context, request
from flask_babel import get_locale

#: Cookie remembering an explicit language choice (a preference, not personal data).
LANGUAGE_COOKIE = "lang"


def select_locale() -> str:
    """An explicit choice (cookie) first, then the browser's Accept-Language, then the default."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI, workers: the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if request.path.startswith("/api/"):
        # Machine clients read the API's answers in one language, the documented one; what
        # the API writes to people (a signup's emails) follows requested_language().
        return "en"
    if (
        request.path.startswith("/embed/") or request.path.endswith("/calendar.ics")
    ) and request.args.get("lang") in languages:
        # The signup embedded in a club's page speaks the page's language (widget.js); a
        # subscribed calendar feed keeps the language it was subscribed in (calendar apps
        # send no cookie, and often no Accept-Language).
        return request.args["lang"]
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in languages:
        return chosen
    return requested_language()


def requested_language() -> str:
    """The request's Accept-Language among the app's languages, else the default."""
    return (
        request.accept_languages.best_match(current_app.config["LANGUAGES"])
        or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def format_in_zone(value: datetime | None, zone: ZoneInfo | str, fmt: str = "medium") -> str:
    """Format a UTC datetime as wall-clock time in `zone`, in the current language.

    `fmt` is a Babel format name ("short", "medium", "long", "full": the date's length; the
    time is always hours and minutes, "2 déc. 2026, 19:04", as people say it, never seconds
    nor a zone's name; "short" writes the month's name too: "12/1/26" is the 1st of December
    in English as Babel writes it, and the 12th of January to a British reader) or a pattern.
    """
    if value is None:
        return ""
    if isinstance(zone, str):
        zone = ZoneInfo(zone)
    locale = get_locale()
    if fmt in ("short", "medium", "long", "full"):
        date = locale.date_formats["medium" if fmt == "short" else fmt].pattern
        fmt = str(locale.datetime_formats[fmt]).format(locale.time_formats["short"].pattern, date)
    return babel_dates.format_datetime(value, fmt, tzinfo=zone, locale=locale)


def format_date_in_zone(value: datetime | None, zone: ZoneInfo | str, fmt: str = "full") -> str:
    if value is None:
        return ""
    if isinstance(zone, str):
        zone = ZoneInfo(zone)
    return babel_dates.format_date(value.astimezone(zone).date(), fmt, locale=get_locale())


def format_time_in_zone(value: datetime | None, zone: ZoneInfo | str, fmt: str = "short") -> str:
    if value is None:
        return ""
    if isinstance(zone, str):
        zone = ZoneInfo(zone)
    return babel_dates.format_time(value, fmt, tzinfo=zone, locale=get_locale())


def capfirst(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def format_event_when(event) -> str:
    """ "Jeudi 10 décembre 2026, 19:00–21:30", in the evening's time zone: emails, tickets."""
    return "{date}, {start}–{end}".format(
        date=capfirst(format_date_in_zone(event.starts_at, event.zone, "full")),
        start=format_time_in_zone(event.starts_at, event.zone),
        end=format_time_in_zone(event.ends_at, event.zone),
    )
