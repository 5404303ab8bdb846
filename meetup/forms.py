"""The base of every form here: Flask-WTF's, with WTForms' own messages translated from a
catalogue loaded once per language (Flask-WTF reads it from disk on every request)."""

from __future__ import annotations

from functools import lru_cache

from babel import support
from flask import current_app
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms.i18n import messages_path


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
