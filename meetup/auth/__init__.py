"""Staff login, roles, API tokens and the user administration."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from meetup.auth import views  # noqa: E402, F401
