"""The accounts' emails, composed now (they are short) in the language of the page that
asked, and queued in the outbox with the change that causes them."""

from __future__ import annotations

from flask import render_template
from flask_babel import get_locale

from meetup.mail.services import queue_email


def queue_account_email(recipient: str, subject: str, template: str, **context) -> None:
    """Text and HTML from templates/email/<template>.txt|.html; the caller commits."""
    language = str(get_locale() or "fr")
    queue_email(
        recipient=recipient,
        subject=subject,
        text=render_template(f"email/{template}.txt", **context),
        html=render_template(f"email/{template}.html", **context, language=language),
        kind=template,
        language=language,
    )
