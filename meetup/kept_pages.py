"""Public pages rendered once and served again, per worker: the evening's page and its empty
signup form, which every visitor of an announcement opens and which are the same for all of
them but the CSRF token.

A page is kept under a key made of everything it shows: the language, the address asked
(the language links carry it), the host, and what the view passes in, which is the rows it
shows (`rows`: every column of each, so that a change to any of them, or to a row added or
removed, makes a new key and an edited evening is never served from an old page) and what
it computes (seats taken, whether signups are open); what is kept is the key's SHA-256.
Each visitor gets their own CSRF token, put in place of the one the page was rendered with.
Pages that differ by visitor are never kept nor served: a logged-in visitor's (the admin
links and the log-out form) and a page showing flashed messages; nor any page while
templates reload as they are edited (debug).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable

from flask import current_app, g, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import inspect

from meetup import counters

#: Pages kept per worker and application: a few evenings, two languages, a few addresses
#: each (a newsletter's ?utm_… makes another), the count of seats changing. Kept as UTF-8
#: (half the memory of French text in a Python str): 64 pages of an evening with the longest
#: description and three speakers' biographies hold 2.1 MB.
MAX_PAGES = 64

_lock = threading.Lock()
#: Each mapped class's column attributes, in a fixed order.
_columns: dict[type, tuple[str, ...]] = {}


def rows(*objects) -> tuple:
    """What a key holds of these ORM objects (None for one missing): every column's value,
    read from what is loaded; a column not loaded (deferred, expired) is loaded now, so
    that no change can hide from the key."""
    values = []
    for obj in objects:
        if obj is None:
            values.append(None)
            continue
        state = inspect(obj)
        keys = _columns.get(state.class_)
        if keys is None:
            keys = _columns[state.class_] = tuple(a.key for a in state.mapper.column_attrs)
        loaded = state.dict
        if any(key not in loaded for key in keys):
            loaded = {key: getattr(obj, key) for key in keys}
        values.append((state.class_.__name__, *(loaded[key] for key in keys)))
    return tuple(values)


def _pages() -> OrderedDict[bytes, tuple[bytes, ...]]:
    """This application's pages (each app its own: tests make many)."""
    return current_app.extensions.setdefault("kept_pages", OrderedDict())


def _for_anyone() -> bool:
    """Whether this request may get, and leave, a page kept for everyone: an anonymous
    visitor with no message to show, and templates that do not change under a running
    worker (with debug or TEMPLATES_AUTO_RELOAD, a template being edited shows at once)."""
    if current_app.debug or current_app.config.get("TEMPLATES_AUTO_RELOAD"):
        return False
    return not current_user.is_authenticated and "_flashes" not in session


def _digest(name: str, key: tuple) -> bytes:
    """The key's SHA-256: a page's key holds whole descriptions and biographies (up to
    100 KB an evening, measured by review), which 128 keys would keep in every worker."""
    whole = (name, str(get_locale()), request.host_url, request.full_path, *key)
    return hashlib.sha256(repr(whole).encode()).digest()


def kept_page(name: str, key: tuple, render: Callable[[], str]) -> str | bytes:
    """The page `render()` makes for `key` (see the module), with this visitor's CSRF token
    if it has a form; rendered once per key and worker. A view returns it as it is (a kept
    page comes as UTF-8 bytes, which Flask sends as they are)."""
    if not _for_anyone():
        counters.kept_page(name, "personal")
        return render()
    digest = _digest(name, key)
    pages = _pages()
    with _lock:
        kept = pages.get(digest)
        if kept is not None:
            pages.move_to_end(digest)
    if kept is not None:
        counters.kept_page(name, "kept")
        return kept[0] if len(kept) == 1 else generate_csrf().encode().join(kept)
    page = render()
    # The token the page was rendered with, if it has a form (flask_wtf keeps it in `g`).
    token = g.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
    if token is None or token not in page:
        kept = (page.encode(),)
    elif page.count(token) == 1:
        kept = tuple(part.encode() for part in page.split(token))
    else:  # more than once (copied into a link?): nowhere certain to put another's token
        counters.kept_page(name, "unkept")
        return page
    counters.kept_page(name, "rendered")
    with _lock:
        pages[digest] = kept
        while len(pages) > MAX_PAGES:
            pages.popitem(last=False)
    return page


def forget() -> None:
    """Every kept page of this application (a change needs none: its key changes)."""
    with _lock:
        _pages().clear()
