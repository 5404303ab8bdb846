"""Error pages in the visitor's language, JSON errors under /api/."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from meetup.extensions import db

_TEMPLATES = {403: "errors/403.html", 404: "errors/404.html", 429: "errors/429.html"}


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def handle_http_error(error: HTTPException):
    if _wants_json():
        from meetup.api.errors import api_error_response

        return api_error_response(error)
    template = _TEMPLATES.get(error.code or 500, "errors/generic.html")
    return render_template(template, error=error), error.code


def handle_csrf_error(error: CSRFError):
    if _wants_json():
        from meetup.api.errors import api_error_response

        return api_error_response(error)
    return render_template("errors/csrf.html", error=error), 400


def handle_server_error(error: Exception):
    """Flask has already logged the error (MeetupFlask.log_exception); roll back and apologise."""
    db.session.rollback()
    if _wants_json():
        from meetup.api.errors import api_error_response

        return api_error_response(InternalServerError())
    return render_template("errors/500.html"), 500


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(InternalServerError, handle_server_error)
