"""The impact report's period: a page per year (no dates), or the dates chosen."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField
from wtforms.validators import Optional

from meetup.forms import Form

#: Years a period may start and end in (beyond, the time zone arithmetic would overflow).
FIRST_YEAR, LAST_YEAR = 1900, 2999


class PeriodForm(Form):
    """Read from the query string (a GET: it changes nothing, so no CSRF token)."""

    class Meta(Form.Meta):
        csrf = False

    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To (included)"), validators=[Optional()])

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        for field in (self.start, self.end):
            if field.data is not None and not FIRST_YEAR <= field.data.year <= LAST_YEAR:
                field.errors = [
                    *field.errors,
                    _l(
                        "Choose a date between the years %(first)s and %(last)s.",
                        first=FIRST_YEAR,
                        last=LAST_YEAR,
                    ),
                ]
                return False
        if (self.start.data is None) != (self.end.data is None):
            missing = self.end if self.end.data is None else self.start
            missing.errors = [
                *missing.errors,
                _l("Give both dates, or neither for a page per year."),
            ]
            return False
        if self.start.data and self.end.data < self.start.data:
            self.end.errors = [*self.end.errors, _l("The end comes before the start.")]
            return False
        return True

    @property
    def chosen(self) -> bool:
        return self.start.data is not None
