"""The organiser's badge printing form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, SelectField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, ValidationError

from meetup.badges.layouts import DEFAULT_LAYOUT, LAYOUTS
from meetup.badges.services import Order, Which
from meetup.forms import Form

#: The layouts' names for organisers, in their language (layouts.py stays free of Flask).
LAYOUT_TITLES = {
    "a4-2x5": _l("Name badge labels 80 × 50 mm, 10 per A4 sheet (Avery L4785 and look-alikes)"),
    "a6-4up": _l("A6 badges, 4 per A4 sheet (cut or microperforated, for A6 badge holders)"),
    "avery-5395": _l("Avery 5395 name badge labels, 8 per US Letter sheet (2⅓ × 3⅜ in)"),
    "single-a6": _l("One A6 badge per page (A6 card printers, badge holders)"),
    "brother-62x100": _l("One badge per label, Brother DK-11202 (62 × 100 mm) label printers"),
    "dymo-99014": _l("One badge per label, Dymo 99014 (54 × 101 mm) label printers"),
    "a4-foldover": _l("A4 fold-over badge: fold the top half back, then the left half back"),
}


class BadgeForm(Form):
    layout = SelectField(
        _l("Sheet or printer"),
        choices=[SelectChoice(name, LAYOUT_TITLES[name]) for name in LAYOUTS],
        default=DEFAULT_LAYOUT,
        validators=[InputRequired()],
    )
    which = RadioField(
        _l("Whose badges"),
        choices=[
            SelectChoice(Which.ALL.value, _l("Everyone with a seat")),
            SelectChoice(Which.NEW.value, _l("Only those not printed yet (or changed since)")),
            SelectChoice(Which.SELECTED.value, _l("Only the people ticked below")),
        ],
        default=Which.ALL.value,
        validators=[InputRequired()],
    )
    order = RadioField(
        _l("Order on the sheets"),
        choices=[
            SelectChoice(Order.NAME.value, _l("By last name")),
            SelectChoice(Order.NEIGHBOURHOOD.value, _l("By neighbourhood (street)")),
        ],
        default=Order.NAME.value,
        validators=[InputRequired()],
    )
    selected = SelectMultipleField(_l("People"), coerce=int, validate_choice=False)
    mark_printed = BooleanField(
        _l("Count these badges as printed"),
        default=True,
        description=_l("So that “only those not printed yet” leaves them out next time."),
    )

    def __init__(self, people=(), *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.selected.choices = [(p.id, p.full_name) for p in people]
        self._known = {p.id for p in people}

    def validate_selected(self, field) -> None:
        if self.which.data != Which.SELECTED.value:
            return
        if not field.data:
            raise ValidationError(_l("Tick at least one person."))
        if not set(field.data) <= self._known:
            # Keep the other ticks: the organiser checks the list and prints again.
            field.data = [person for person in field.data if person in self._known]
            raise ValidationError(
                _l("Someone ticked no longer has a seat and was unticked: check and print again.")
            )
