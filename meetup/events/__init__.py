"""Series and events: the organisers' admin and the public pages."""

from flask import Blueprint

admin_bp = Blueprint("admin", __name__, url_prefix="/admin")
public_bp = Blueprint("public", __name__)

from meetup.events import admin_views, public_views  # noqa: E402, F401
