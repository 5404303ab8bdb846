"""The community directories' lists, kept between requests while nothing changed.

A big community's list (each person's latest card, sorted by name) takes tens of
milliseconds to compute and is read by every page view; whether any of its rows changed
takes one indexed query (the count, the sum of `revision` and the last id of the rows
involved; every change adds to a row's revision in its own transaction). A change of consent,
a check-in, an erasure: the next request after its commit sees a new version and recomputes,
so a change shows at once. Each process keeps its own (LRU, a few dozen lists).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

MAX_LISTS = 64

_lists: OrderedDict[Hashable, tuple[Hashable, list]] = OrderedDict()
_lock = threading.Lock()
#: Lists computed since the process started (bench/neighbour_page.py tells first views apart).
computed = 0


def cached(key: Hashable, version: Hashable, compute: Callable[[], list]) -> list:
    global computed
    with _lock:
        entry = _lists.get(key)
        if entry is not None and entry[0] == version:
            _lists.move_to_end(key)
            return entry[1]
    rows = compute()
    with _lock:
        computed += 1
        _lists[key] = (version, rows)
        _lists.move_to_end(key)
        while len(_lists) > MAX_LISTS:
            _lists.popitem(last=False)
    return rows


def clear() -> None:
    with _lock:
        _lists.clear()
