"""The directory's share of the worker: geocode what is due, open directories that are due."""

from __future__ import annotations

from flask import current_app

from meetup.directory import geocoding, services


def geocode_once(lookup: geocoding.Lookup) -> geocoding.GeocodeReport:
    """One round with the app's settings (the mail worker's job, and `geo work`)."""
    return geocoding.geocode_due(lookup, **geocoding.round_settings(current_app.config))


def geocode_round() -> str | None:
    lookup = geocoding.configured_lookup()
    if lookup is None:
        return None
    report = geocode_once(lookup)
    return report.summary() if report.done or report.failed_calls else None


def open_due_directories() -> str | None:
    opened = services.open_due_directories()
    return f"opened {opened} evening directories" if opened else None
