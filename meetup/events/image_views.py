"""The pictures of series and evenings, at /images/<sha256>.<png|jpg|avif>: from the
database, so every web host serves them alike.

Who may see one: everybody, once a series (its pages are public) or a published or cancelled
evening shows it; cached for a year by browsers and proxies, since the address names the
bytes. A draft evening's cover, or a picture just uploaded with a form not yet saved, only
to the organisers who may edit it (never cached). Anything else: 404, as for an address that
never existed, so that a draft's picture cannot be told from nothing.
"""

from __future__ import annotations

from flask import abort, make_response, request, url_for
from flask_login import current_user
from sqlalchemy import exists, select

from meetup.auth.access import can_manage_series, is_staff
from meetup.events import public_bp as bp
from meetup.events.models import Event, EventStatus, Series
from meetup.extensions import db
from meetup.images import store
from meetup.images.models import StoredImage
from meetup.images.processing import COPY_WIDTHS
from meetup.links import absolute_url

#: A year: the address changes whenever the picture does.
PUBLIC_CACHE = "public, max-age=31536000, immutable"


@bp.app_template_global()
def image_url(image: StoredImage, external: bool = False) -> str:
    """The picture's address; absolute (BASE_URL) for emails and link previews."""
    values = {"digest": image.sha256, "extension": image.extension}
    if external:
        return absolute_url("public.image", **values)
    return url_for("public.image", **values)


def _shown_as(digest: str) -> list[str]:
    """The digests whose showing makes this picture shown: its own, for an AVIF twin its
    JPEG's, and for a copy, those of the pictures it is a copy of (up the chain: 800 →
    1,200 → 1,600 px)."""
    shown = [digest]
    shown += db.session.scalars(
        select(StoredImage.sha256).where(StoredImage.avif_sha256 == digest)
    ).all()
    copies_of = list(shown)
    for _ in COPY_WIDTHS:
        copies_of = db.session.scalars(
            select(StoredImage.sha256).where(StoredImage.small_sha256.in_(copies_of))
        ).all()
        if not copies_of:
            break
        shown += copies_of
    return shown


def is_public(shown: list[str]) -> bool:
    """Whether a public page shows one of `shown` (_shown_as)."""
    shown_by_series = exists().where(Series.logo_sha256.in_(shown))
    shown_by_event = exists().where(
        Event.cover_sha256.in_(shown), Event.status != EventStatus.DRAFT
    )
    return bool(db.session.scalar(select(shown_by_series | shown_by_event)))


def team_may_see(shown: list[str]) -> bool:
    """An organiser who may edit a draft evening showing one of `shown` (_shown_as), or any
    organiser for a picture nothing shows yet (one just uploaded with a form sent back: its
    address is unguessable)."""
    if not is_staff(current_user):
        return False
    drafts = db.session.scalars(select(Event).where(Event.cover_sha256.in_(shown))).all()
    if not drafts:
        return True
    return any(can_manage_series(current_user, event.series) for event in drafts)


@bp.get("/images/<digest>.<any(png, jpg, avif):extension>")
def image(digest: str, extension: str):
    picture = store.find(digest)
    if picture is None or picture.extension != extension:
        abort(404)
    shown = _shown_as(digest)
    if is_public(shown):
        cache = PUBLIC_CACHE
    elif team_may_see(shown):
        cache = "private, no-store"
    else:
        abort(404)
    response = make_response(picture.data)
    response.headers["Content-Type"] = picture.content_type
    response.headers["Cache-Control"] = cache
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Shown in mail clients and by other sites' link previews, not only on our pages.
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    response.headers["Content-Disposition"] = f'inline; filename="{digest[:16]}.{extension}"'
    response.set_etag(digest)
    return response.make_conditional(request)


def purge_job() -> str | None:
    """For the worker, once a day across all workers (meetup.jobs): pictures nothing shows
    deleted, and the copies and AVIF twins a cover lacks made (kept before they existed, or
    a twin's row lost)."""
    users = [Series.logo_sha256, Event.cover_sha256]
    count = store.purge(users)
    made = store.add_copies(users)
    said = [f"{count} unused pictures deleted"] if count else []
    said += [f"{made} covers' copies or AVIF twins made"] if made else []
    return ", ".join(said) or None
