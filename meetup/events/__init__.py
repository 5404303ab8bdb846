"""Series and events: the organisers' admin and the public pages."""

from datetime import timedelta

from flask import Blueprint

from meetup.jobs import register as register_job

admin_bp = Blueprint("admin", __name__, url_prefix="/admin")
public_bp = Blueprint("public", __name__)

from meetup.events import admin_views, image_views, public_views  # noqa: E402, F401


@public_bp.record_once
def _register_jobs(state) -> None:
    register_job(state.app, "images_purge", image_views.purge_job, every=timedelta(days=1))
