"""The door: screens for volunteers checking people in, and the phones paired to it."""

from flask import Blueprint

bp = Blueprint("door", __name__, url_prefix="/door")
#: The organisers' page of an evening's door phones.
admin_bp = Blueprint("door_admin", __name__, url_prefix="/admin")
#: The pairing link a phone opens (short: it may be typed).
pairing_bp = Blueprint("pairing", __name__)

from meetup.checkin import phone_views, views  # noqa: E402, F401
