"""Form validators shared by several features."""

from __future__ import annotations

import re
import unicodedata

from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError


def no_control_characters(form, field) -> None:
    """Refuse invisible control characters: they have no place in a name or a company, and
    some could break the email headers a name goes into."""
    value = field.data
    if isinstance(value, str) and any(
        unicodedata.category(char) in {"Cc", "Zl", "Zp"} and char not in "\n\r\t" for char in value
    ):
        raise ValidationError(_l("Please remove the invisible control characters."))


_SPACES = re.compile(r"\s+")


def one_line(value: str | None) -> str | None:
    """Trim and fold runs of white space (line breaks included) into one space."""
    return _SPACES.sub(" ", value).strip() if isinstance(value, str) else value
