"""Email through a durable outbox: queued with the change that causes it, delivered by workers.

Call `meetup.mail.services.queue_email` from a service, inside its transaction.
"""

from flask import Blueprint

bp = Blueprint("mail_admin", __name__, url_prefix="/admin/outbox")

from meetup.mail import views  # noqa: E402, F401
