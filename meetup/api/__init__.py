"""The organiser JSON API, version 1. Its names are a contract: see openapi.py. Also the
series' "website and tools" page in the admin (signup keys and their limit)."""

from flask import Blueprint

from meetup.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # bearer tokens, not cookies: no cross-site request can carry them

#: The organisers' pages about the API (CSRF-protected forms, unlike `bp`).
admin_bp = Blueprint("api_admin", __name__, url_prefix="/admin")

from meetup.api import (  # noqa: E402, F401
    admin_views,
    checkins,
    cors,
    embed,
    errors,
    public,
    registrations,
    views,
)
