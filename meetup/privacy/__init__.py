"""Privacy: consent records, download and erase my data, retention, the audit of exports, and
the privacy page."""

from datetime import timedelta

from flask import Blueprint

from meetup.jobs import register as register_job

bp = Blueprint("privacy", __name__)
#: Admins' and organisers' side: the audit, erasing on request.
admin_bp = Blueprint("privacy_admin", __name__, url_prefix="/admin")

from meetup.privacy import admin_views, consents, models, retention, views  # noqa: E402, F401


@bp.record_once
def _register_jobs(state) -> None:
    register_job(state.app, "privacy", retention.purge_job, every=timedelta(days=1))
