"""What the club achieved: the series dashboard (charts) and the impact report (PDF)."""

from flask import Blueprint

bp = Blueprint("impact", __name__, url_prefix="/admin")

from meetup.impact import views  # noqa: E402, F401
