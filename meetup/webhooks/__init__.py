"""Webhooks: a series' endpoints are told of registrations, check-ins and evenings, signed,
through an outbox the worker delivers (meetup.webhooks.delivery)."""

from datetime import timedelta

from flask import Blueprint, Flask

from meetup import jobs

admin_bp = Blueprint("webhooks_admin", __name__, url_prefix="/admin")


def init_app(app: Flask) -> None:
    from meetup.webhooks import capture, delivery  # noqa: F401 - its listeners

    jobs.register(app, "webhooks", delivery.run_job)
    jobs.register(app, "webhooks_purge", delivery.purge_job, every=timedelta(days=1))
    app.register_blueprint(admin_bp)


from meetup.webhooks import admin_views  # noqa: E402, F401
