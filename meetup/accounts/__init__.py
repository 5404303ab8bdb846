"""Accounts by email: a forgotten password, and invitations to a series' team."""

from datetime import timedelta

from flask import Blueprint

from meetup.jobs import register as register_job

bp = Blueprint("accounts", __name__)

from meetup.accounts import cleanup, views  # noqa: E402, F401


@bp.record_once
def _register_jobs(state) -> None:
    register_job(state.app, "accounts_purge", cleanup.purge_job, every=timedelta(days=1))
