"""Form validators shared by several features."""

from __future__ import annotations

import re
import unicodedata

from flask_babel import lazy_gettext as _l
from wtforms.validators import Length, ValidationError


def no_control_characters(form, field) -> None:
    """Refuse invisible control characters: they have no place in a name or a company, and
    some could break the email headers a name goes into."""
    value = field.data
    if isinstance(value, str) and any(
        unicodedata.category(char) in {"Cc", "Zl", "Zp"} and char not in "\n\r\t" for char in value
    ):
        raise ValidationError(_l("Please remove the invisible control characters."))


class MaxLength(Length):
    """At most `max` characters, saying how many were typed: someone who pasted a long text
    learns how much to cut (WTForms says only "Field cannot be longer than…")."""

    def __init__(self, max: int) -> None:
        super().__init__(
            max=max, message=_l("At most %(max)d characters, please: this has %(length)d.")
        )


def reachable_mailbox(form, field) -> None:
    """Refuse a mailbox name (before the @) with letters beyond ASCII: sending to it needs
    SMTPUTF8, which the outbox does not speak, so the person would never get their ticket.
    The domain may have any letters (it is sent in its ASCII form)."""
    local, at, _domain = (field.data or "").rpartition("@")
    if at and not local.isascii():
        raise ValidationError(
            _l(
                "Our emails cannot reach an address with accents or other special letters "
                "before the @: please give another one."
            )
        )


_SPACES = re.compile(r"\s+")


def one_line(value: str | None) -> str | None:
    """Trim and fold runs of white space (line breaks included) into one space."""
    return _SPACES.sub(" ", value).strip() if isinstance(value, str) else value
