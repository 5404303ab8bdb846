"""Privacy: consent records, download and erase my data, retention, the audit of exports, and
the privacy page."""

from flask import Blueprint

bp = Blueprint("privacy", __name__)
#: Admins' and organisers' side: the audit, erasing on request.
admin_bp = Blueprint("privacy_admin", __name__, url_prefix="/admin")

from meetup.privacy import admin_views, consents, models, views  # noqa: E402, F401


@bp.record_once
def _register_jobs(state) -> None:
    from datetime import timedelta

    from meetup import jobs
    from meetup.privacy import retention

    jobs.register(state.app, "privacy", retention.purge_job, every=timedelta(days=1))
