"""Accounts by email: a forgotten password, and invitations to a series' team."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)

from meetup.accounts import views  # noqa: E402, F401
