"""The organiser JSON API, version 1. Its names are a contract: see openapi.py."""

from flask import Blueprint

from meetup.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # bearer tokens, not cookies: no cross-site request can carry them

from meetup.api import checkins, errors, registrations, views  # noqa: E402, F401
