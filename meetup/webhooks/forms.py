from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import URLField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, ValidationError

from meetup.forms import CheckboxesField, Form
from meetup.models_base import column_length
from meetup.validators import MaxLength
from meetup.webhooks.models import EVENT_TYPES, WebhookEndpoint

EVENT_LABELS = {
    "registration.created": _l("Someone signed up (a seat or the waitlist)"),
    "registration.updated": _l("A registration changed (card, consents, seat given)"),
    "registration.cancelled": _l("A registration was cancelled"),
    "checkin.created": _l("Someone was let in at the door"),
    "event.published": _l("An evening was published"),
    "event.changed": _l("A published evening changed (time, place, cancelled…)"),
}


class EndpointForm(Form):
    url = URLField(
        _l("Address that receives them"),
        validators=[DataRequired(), MaxLength(column_length(WebhookEndpoint.url))],
        description=_l("e.g. https://crm.club.fr/hooks/meetup. Each is a POST of JSON, signed."),
    )
    events = CheckboxesField(
        _l("Tell it when"),
        choices=[SelectChoice(name, EVENT_LABELS[name]) for name in EVENT_TYPES],
        default=list(EVENT_TYPES),
        validators=[DataRequired(message=_l("Choose at least one."))],
    )

    def validate_url(self, field) -> None:
        value = (field.data or "").strip()
        if not (value.startswith("https://") or value.startswith("http://")) or " " in value:
            raise ValidationError(_l("An address starting with https://, please."))
        field.data = value
