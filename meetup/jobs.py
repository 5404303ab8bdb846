"""Periodic jobs the worker (`flask mail work`) runs between mail rounds: features register
theirs when their blueprint is registered, so the mail package knows none of them."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import Flask, current_app

from meetup.extensions import db

_KEY = "meetup.jobs"


def register(app: Flask, name: str, job: Callable[[], str | None]) -> None:
    """`job()` runs in an app context and returns a line worth printing, or None."""
    app.extensions.setdefault(_KEY, {})[name] = job


def run_all() -> list[str]:
    """Each job once; one failing (the geocoder down, say) does not stop the others."""
    said = []
    for name, job in current_app.extensions.get(_KEY, {}).items():
        try:
            line = job()
        except Exception:
            db.session.rollback()
            current_app.logger.exception("worker job %s failed", name)
            continue
        finally:
            db.session.remove()
        if line:
            said.append(f"{name}: {line}")
    return said


@contextmanager
def until_signalled() -> Iterator[threading.Event]:
    """For a worker's loop: an event set by SIGTERM or Ctrl-C (the round in hand finishes);
    the previous handlers come back after."""
    stop = threading.Event()
    previous = {
        sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)
    }
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
