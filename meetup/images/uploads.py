"""Pictures in forms: the file field that checks and re-encodes them, and what a form sent
back with an error keeps of an upload."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import current_app, request
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from werkzeug.datastructures import FileStorage
from wtforms import BooleanField, HiddenField
from wtforms.validators import ValidationError

from meetup.images import processing
from meetup.images.processing import Kind, Problem, Rejected
from meetup.images.store import find, store

#: The body a form with one picture may send: the picture and the rest of the form.
UPLOAD_REQUEST_BYTES = processing.MAX_UPLOAD_BYTES + 1024 * 1024
MEGABYTES = processing.MAX_UPLOAD_BYTES // (1024 * 1024)

V = TypeVar("V", bound=Callable)


def accepts_pictures(view: V) -> V:
    """This view's requests may be as large as a picture upload (the app's limit is lower)."""
    view.max_content_length = UPLOAD_REQUEST_BYTES  # type: ignore[attr-defined]
    return view


def apply_body_limit(endpoint: str | None, values: dict | None) -> None:
    """A URL value preprocessor: runs before any before_request function reads the body (the
    CSRF check does), so that the view's own limit applies."""
    view = current_app.view_functions.get(endpoint or "")
    limit = getattr(view, "max_content_length", None)
    if limit is not None:
        request.max_content_length = limit


def problem_message(problem: Problem) -> str:
    messages = {
        Problem.EMPTY: _l("This file is empty."),
        Problem.TOO_LARGE: _l(
            "This picture is larger than %(megabytes)d MB: choose a smaller one, or save it "
            "smaller first.",
            megabytes=MEGABYTES,
        ),
        Problem.NOT_AN_IMAGE: _l(
            "This file is not a picture we can use: choose a JPEG, PNG, WebP or GIF file (an "
            "SVG drawing can be exported as PNG)."
        ),
        Problem.DAMAGED: _l("This picture is damaged or incomplete: save it again and retry."),
        Problem.TOO_MANY_PIXELS: _l(
            "This picture has too many pixels (at most %(megapixels)d million, %(side)d on a "
            "side): choose a smaller one.",
            megapixels=processing.MAX_PIXELS // 1_000_000,
            side=processing.MAX_SIDE,
        ),
        Problem.BAD_DIMENSIONS: _l(
            "This picture is too small or too narrow (at least %(min)d pixels a side, at most "
            "%(ratio)d times wider than high).",
            min=processing.MIN_SIDE,
            ratio=processing.MAX_RATIO,
        ),
    }
    return str(messages[problem])


class PictureField(FileField):
    """A file input whose upload is checked and re-encoded while the form validates:
    `clean` then holds the picture to keep, or the field has the reason it was refused."""

    def __init__(self, label=None, validators=None, *, kind: Kind, **kwargs) -> None:
        render_kw = {"accept": processing.ACCEPT, "data-max-bytes": processing.MAX_UPLOAD_BYTES}
        render_kw["data-too-large"] = problem_message(Problem.TOO_LARGE)
        super().__init__(label, validators, render_kw=render_kw, **kwargs)
        self.kind = kind
        self.clean: processing.CleanImage | None = None

    @property
    def has_file(self) -> bool:
        return isinstance(self.data, FileStorage) and bool(self.data.filename)

    def pre_validate(self, form) -> None:
        self.clean = None
        if not self.has_file:
            return
        # One byte more than allowed is enough to know it is too much.
        data = self.data.stream.read(processing.MAX_UPLOAD_BYTES + 1)
        try:
            self.clean = processing.clean(data, self.kind)
        except Rejected as rejected:
            raise ValidationError(problem_message(rejected.problem)) from None


def kept_field() -> HiddenField:
    """Where a form sent back with an error elsewhere keeps a picture already accepted."""
    return HiddenField()


def remove_field(label) -> BooleanField:
    return BooleanField(label, default=False)


def chosen_picture(form, name: str, current: str | None) -> str | None:
    """The digest the row should point at after this submission: a new upload (stored at
    once, and kept for the next submission if the form comes back with an error elsewhere),
    else none if "remove" is ticked, else one kept from a previous submission, else the
    current one."""
    if "csrf_token" in form.errors:
        return current  # not a form of ours: nothing is stored
    upload: PictureField = getattr(form, name)
    kept: HiddenField = getattr(form, f"{name}_kept")
    remove: BooleanField = getattr(form, f"remove_{name}")
    if upload.clean is not None:
        kept.data = store(upload.clean).sha256
        remove.data = False
        return kept.data
    if remove.data:
        kept.data = ""
        return None
    if kept.data and find(kept.data) is not None:
        return kept.data
    kept.data = ""
    return current


def shown_picture(form, name: str, current):
    """What the form shows as the picture in place: one uploaded with a form sent back,
    else the row's (a StoredImage or None)."""
    kept = getattr(form, f"{name}_kept").data
    return (find(kept) if kept else None) or current
