"""Registrations: public signup, the attendee's personal page, the organisers' list."""

from flask import Blueprint

bp = Blueprint("registrations", __name__)
admin_bp = Blueprint("registrations_admin", __name__, url_prefix="/admin")

from meetup.registrations import admin_views, views  # noqa: E402, F401
