"""The attendee directory: geocoded offices, neighbours, map, contact cards, introductions."""

from datetime import timedelta

from flask import Blueprint

from meetup.jobs import register as register_job

bp = Blueprint("directory", __name__)
#: The organisers' side: opening an evening's directory, fixing addresses.
admin_bp = Blueprint("directory_admin", __name__, url_prefix="/admin")

from meetup.directory import admin_views, digest, digest_mail, models, views  # noqa: E402, F401
from meetup.directory import jobs as directory_jobs  # noqa: E402


@bp.record_once
def _register_jobs(state) -> None:
    # Geocoding at every round of every worker: each address is claimed by one.
    register_job(state.app, "geocoding", directory_jobs.geocode_round)
    register_job(
        state.app, "directories", directory_jobs.open_due_directories, every=timedelta(minutes=1)
    )
    # The monthly neighbourhood digest: looked at every quarter of an hour, once across
    # every worker; each person's digest is claimed once a month anyway (digest.py).
    register_job(state.app, "digests", digest.run_job, every=timedelta(minutes=15))
