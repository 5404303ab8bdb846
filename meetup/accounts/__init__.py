"""Accounts by email: a forgotten password, and invitations to a series' team."""

from datetime import timedelta

from flask import Blueprint

from meetup.jobs import register as register_job

bp = Blueprint("accounts", __name__)

from meetup.accounts import cleanup, reset, views  # noqa: E402, F401


@bp.record_once
def _register_jobs(state) -> None:
    register_job(state.app, "accounts_purge", cleanup.purge_job, every=timedelta(days=1))
    # "Forgot your password?": at every round of every worker (each request is taken once).
    register_job(state.app, "password_reset_requests", reset.run_reset_requests_job)
