"""Responses several features send the same way."""

from __future__ import annotations

from flask import Response, current_app


def pdf_response(pdf: bytes, filename: str, *, attachment: bool = False) -> Response:
    """A PDF with personal data: never cached, shown in the browser unless `attachment`."""
    response = current_app.make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    disposition = "attachment" if attachment else "inline"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


#: What a private page's requests say of it: only the site's origin (https://host/), to
#: every address, this site's included; nothing over plain HTTP from HTTPS. Never its path,
#: which holds the token. Not "no-referrer": over HTTPS, Flask-WTF refuses a form sent
#: without a Referer of this origin (WTF_CSRF_SSL_STRICT), and OpenStreetMap's tile servers
#: refuse tiles asked without one. Not "same-origin" either: it gives the tile servers nothing.
PRIVATE_REFERRER_POLICY = "strict-origin"


def private(response: Response) -> Response:
    """A page with personal data, or reached by an address holding a personal token: never
    cached, and its address never sent on as a referrer (PRIVATE_REFERRER_POLICY)."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = PRIVATE_REFERRER_POLICY
    return response


def vcard_response(text: str, filename: str) -> Response:
    """Contact cards to save: personal data, so private and never cached."""
    response = Response(text, mimetype="text/vcard")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return private(response)
