"""The base of every form here: Flask-WTF's, with WTForms' own messages translated from a
catalogue loaded once per language (Flask-WTF reads it from disk on every request)."""

from __future__ import annotations

from functools import lru_cache

from babel import support
from flask import current_app
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField
from wtforms.i18n import messages_path
from wtforms.widgets import CheckboxInput, ListWidget


@lru_cache(maxsize=16)
def wtforms_translations(locale: str) -> support.Translations:
    """WTForms' catalogue for `locale` (one of the configured languages)."""
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class Form(FlaskForm):
    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            if not current_app.config.get("WTF_I18N_ENABLED", True):
                return None
            return wtforms_translations(str(get_locale()))

        def render_field(self, field, render_kw):
            # No maxlength from the Length validators: a browser cuts what goes beyond it
            # without a word (a pasted name loses its end, unseen). The validator says so
            # beside the field instead, with the text sent back as typed.
            return super().render_field(field, {"maxlength": False, **render_kw})


class CheckboxesField(SelectMultipleField):
    """A choice of several, as checkboxes: in a multiple <select> a plain click drops every
    other choice (an organiser adding a volunteer took a colleague off the team)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class AsTypedField(StringField):
    """A text field whose filters rewrite what was typed (a web address gets its https://):
    sent back with an error, it shows what the person typed, not the rewrite they never
    wrote."""

    def _value(self) -> str:
        if self.errors and self.raw_data:
            return self.raw_data[0]
        return super()._value()
