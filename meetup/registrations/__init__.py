"""Registrations: public signup, the attendee's personal page, the organisers' list, and
the monthly loop (announcements, one-tap signup, news, reminders)."""

from datetime import timedelta

from flask import Blueprint

from meetup.jobs import register as register_job

bp = Blueprint("registrations", __name__)
admin_bp = Blueprint("registrations_admin", __name__, url_prefix="/admin")

from meetup.registrations import (  # noqa: E402, F401
    admin_views,
    campaigns,
    news,
    positions,
    reminders,
    services,
    views,
)


@bp.record_once
def _register_jobs(state) -> None:
    # Every five minutes, once across every worker; each reminder is claimed once anyway.
    register_job(state.app, "reminders", reminders.run_job, every=timedelta(minutes=5))
    # Moved pins whose delay is over join the neighbour lists (positions.py).
    register_job(state.app, "positions", _settle_positions, every=timedelta(minutes=5))
    # "Send me my link again": at every round of every worker (each request is taken once).
    register_job(state.app, "link_requests", services.run_link_requests_job)


def _settle_positions() -> str | None:
    settled = positions.settle_due()
    return f"{settled} moved offices now in neighbour lists" if settled else None
