"""Absolute links for emails, the API and QR codes, built from BASE_URL (no request needed)."""

from __future__ import annotations

from flask import current_app


def absolute_url(endpoint: str, **values) -> str:
    path = current_app.url_map.bind("").build(endpoint, values)
    return current_app.config["BASE_URL"] + path
