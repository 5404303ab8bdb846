"""Request guards: refuse input no page can use before it reaches a view or the database."""

from __future__ import annotations

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter

from meetup.images.uploads import apply_body_limit

#: Largest id a URL may carry (a 32-bit database integer): beyond it, 404 instead of a crash.
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """`<id:name>`: a positive database id that fits the column type."""

    def __init__(self, map, **kwargs) -> None:
        super().__init__(map, min=1, max=MAX_ID, **kwargs)


def refuse_nul_bytes() -> None:
    """A NUL character is never meaningful here, and PostgreSQL refuses it in text: answer
    400 rather than fail deep inside a query."""
    if "\x00" in request.path:
        abort(400)
    for values in (request.args, request.form):
        for key, value in values.items(multi=True):
            if "\x00" in key or "\x00" in value:
                abort(400)


def init_app(app: Flask) -> None:
    app.url_map.converters["id"] = IdConverter
    # Before any before_request function reads the body: a view's own larger limit first.
    app.url_value_preprocessor(apply_body_limit)
    app.before_request(refuse_nul_bytes)
