"""Badges: printable sheets for an evening, calibration pages, one-page tickets."""

from flask import Blueprint

bp = Blueprint("badges", __name__, url_prefix="/admin")

from meetup.badges import views  # noqa: E402, F401
