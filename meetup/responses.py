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


def private(response: Response) -> Response:
    """A page with personal data, or reached by an address holding a personal token: never
    cached, and its address never sent on as a referrer."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
