"""Static files' addresses carry a hash of their content (`/static/css/app.css?v=3f2a…`), so
browsers (and nginx, deploy/nginx.conf) may keep them a year: a new release changes the
address of what changed, and only of that. Every `url_for("static", …)` gets it; files read
once per process, read again when their size or time changes (`flask run` in development).
"""

from __future__ import annotations

import hashlib
import os

from flask import Flask, Response, current_app, request
from werkzeug.security import safe_join

#: A year: what a versioned address may be kept for.
YEAR = 365 * 24 * 3600

_versions: dict[str, tuple[int, int, str]] = {}


def version(folder: str, filename: str) -> str | None:
    """The first 12 hex digits of the file's SHA-256, or None if there is no such file."""
    path = safe_join(folder, filename)
    if path is None:
        return None
    try:
        stat = os.stat(path)
    except OSError:
        return None
    known = _versions.get(path)
    if known is not None and known[:2] == (stat.st_mtime_ns, stat.st_size):
        return known[2]
    with open(path, "rb") as f:
        digest = hashlib.file_digest(f, "sha256").hexdigest()[:12]
    _versions[path] = (stat.st_mtime_ns, stat.st_size, digest)
    return digest


def _add_version(endpoint: str, values: dict) -> None:
    if endpoint == "static" and "filename" in values and "v" not in values:
        digest = version(current_app.static_folder or "", values["filename"])
        if digest is not None:
            values["v"] = digest


def _keep_versioned(response: Response) -> Response:
    """A versioned address's content never changes: a year, and no revalidation."""
    if request.endpoint == "static" and request.args.get("v") and response.status_code == 200:
        response.cache_control.public = True
        response.cache_control.max_age = YEAR
        response.cache_control.immutable = True
        response.cache_control.no_cache = None
    return response


def init_app(app: Flask) -> None:
    app.url_defaults(_add_version)
    app.after_request(_keep_versioned)
