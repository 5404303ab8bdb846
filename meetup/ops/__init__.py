"""Operations: health check, metrics, security headers, request ids, logs, error reports,
alerts and error pages."""

from flask import Blueprint

bp = Blueprint("ops", __name__)

from meetup.ops import views  # noqa: E402, F401
