"""Periodic jobs the worker (`flask mail work`) runs between mail rounds: features register
theirs when their blueprint is registered, so the mail package knows none of them."""

from __future__ import annotations

from collections.abc import Callable

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
