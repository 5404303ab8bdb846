"""The door: screens for volunteers checking people in."""

from flask import Blueprint

bp = Blueprint("door", __name__, url_prefix="/door")

from meetup.checkin import views  # noqa: E402, F401
