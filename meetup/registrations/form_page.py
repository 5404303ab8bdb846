"""The empty signup form's page, rendered once and served again: its 23 fields took most of
the form's time (2.7 of 4.5 ms) and are the same for every visitor of an evening.

A page is kept per worker for what it shows: the language, the address asked (the language
links carry it), whether the evening is full, and the evening's texts, date, place and time
zone; when any of them changes the key changes, so an edited evening is never served from an
old page. Each visitor gets their own CSRF token, put in place of a placeholder. Pages that
differ by visitor are never kept: a logged-in visitor's (the admin links and the log-out
form) and a page showing flashed messages.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

from flask import current_app, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from meetup.events.models import Event

#: Pages kept per worker (an evening's two languages, full or not, a few addresses each).
MAX_PAGES = 64

_lock = threading.Lock()


def _pages() -> OrderedDict[tuple, tuple[str, str]]:
    """This application's pages (each app its own: tests make many)."""
    return current_app.extensions.setdefault("signup_form_pages", OrderedDict())


def _key(event: Event, full: bool) -> tuple:
    return (
        str(get_locale()),
        request.full_path,
        full,
        event.id,
        event.slug,
        event.shown_title,
        event.shown_theme,
        event.starts_at,
        event.venue_name,
        event.series.timezone,
    )


def _cacheable() -> bool:
    return not current_user.is_authenticated and "_flashes" not in session


def empty_form_page(event: Event, full: bool, render: Callable[[], str]) -> str:
    """The page `render()` makes, with this visitor's CSRF token; rendered once per key."""
    token = generate_csrf()
    if not _cacheable():
        return render()
    key = _key(event, full)
    pages = _pages()
    with _lock:
        kept = pages.get(key)
        if kept is not None:
            pages.move_to_end(key)
    if kept is None:
        page = render()  # its token is this visitor's: `token` (one per session)
        if page.count(token) != 1:
            return page  # nowhere (or more than once) to put another visitor's token
        kept = page.split(token)
        with _lock:
            pages[key] = kept
            while len(pages) > MAX_PAGES:
                pages.popitem(last=False)
        return page
    before, after = kept
    return before + token + after


def forget() -> None:
    """Every kept page of this application (an evening's change needs none: its key
    changes)."""
    with _lock:
        _pages().clear()
